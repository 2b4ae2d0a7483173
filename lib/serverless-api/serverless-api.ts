import { relative, sep } from 'node:path';
import { EndpointType } from 'aws-cdk-lib/aws-apigateway';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Grant, IGrantable, PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ApiBase } from '../core/api-base/api-base';
import type { ApiBaseProps } from '../core/api-base/api-base';
import { ApiKind } from '../core/api-base/api-kind';
import type { Authorization } from '../core/auth/authorization';
import type { JwtAuthorization } from '../core/auth/jwt-authorization';
import type { ApiBackend, ApiBackendProps } from '../core/backends/api-backend';
import { HttpBackend } from '../core/backends/http-backend';
import { RestBackend } from '../core/backends/rest-backend';
import { validateApiFunctionOptions } from '../core/functions/api-function';
import type { ApiFunctionOptions } from '../core/functions/api-function';
import { handlerCode } from '../core/functions/handler-asset';
import type { EntryIntegrationOptions } from '../core/integrations/entry-integration';
import { clientFacingDocument, OpenApiDocumentFiles } from '../core/openapi/openapi-document';
import { resolveCors } from '../core/routing/cors';
import type { CorsOptions } from '../core/routing/cors';
import { ApiFeature, requireFeature } from '../core/routing/protocol-features';
import type { RouteOptions } from '../core/routing/route-options';
import { RouteTable } from '../core/routing/route-table';
import { grantOnRunTimeResources } from '../core/security/grants';
import { ApiPatternsError, describeValue } from '../core/validation/errors';

/** A path relative to the app's directory, with forward slashes. */
function relativeToApp(path: string): string {
  return relative(process.cwd(), path).split(sep).join('/');
}

/** The construct id of an entry's function, from its path relative to the app: `lambda/items/handler.ts` -> `LambdaItemsHandlerFunction`. */
function entryFunctionId(entry: string): string {
  const words = relativeToApp(entry)
    .replace(/\.[cm]?[jt]sx?$/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '');
  return `${words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}Function`;
}

/** The entries of an options object whose value is set. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Two entry option objects that set the same values (objects compared by identity, plain records by content). */
function sameOptions(a: EntryIntegrationOptions, b: EntryIntegrationOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof EntryIntegrationOptions>;
  const same = (x: unknown, y: unknown): boolean => {
    if (x === y) return true;
    try {
      return JSON.stringify(x) === JSON.stringify(y);
    } catch {
      return false; // constructs (a VPC, a key) are the same only when they are the same object
    }
  };
  return [...keys].every((key) => same(a[key], b[key]));
}

/** Props of {@link ServerlessApi}. */
export interface ServerlessApiProps extends ApiBaseProps {
  /**
   * `ApiKind.REST` or `ApiKind.HTTP`. Asking an HTTP API for a REST-only feature fails at synth.
   * The API's name is its REST `ApiName` metric dimension: keep it ASCII.
   * @default ApiKind.REST
   */
  readonly kind?: ApiKind;
  /**
   * Description of the API.
   * @default - none
   */
  readonly description?: string;
  /**
   * Routes by key, `'METHOD /path/{param}'`. More can be added with `addRoute()`.
   * @default - none
   */
  readonly routes?: Record<string, RouteOptions>;
  /**
   * Authorization of every route that does not set its own. Without it, each route needs `auth`
   * (`ApiAuth.none()` for an explicitly public route).
   * @default - none
   */
  readonly defaultAuth?: Authorization;
  /**
   * CORS for browser clients. Preflight (OPTIONS) is answered without authorization or API key. On
   * REST APIs, API Gateway's own error answers carry the CORS headers when one origin (or `*`) is
   * allowed; with several origins they carry none, since they can only hold static values. Lambda
   * proxy answers on REST carry only the headers the function returns (see docs/serverless-api.md).
   * @default - no CORS
   */
  readonly cors?: CorsOptions;
  /**
   * Turn off the default execute-api endpoint, so clients must use the custom domain.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
  /**
   * Options for the functions the construct creates (entry routes, the JWT authorizer).
   * @default - see ApiFunctionOptions
   */
  readonly functionOptions?: ApiFunctionOptions;
  /**
   * X-Ray active tracing on the stage. REST only.
   * @default - the profile's `tracing` on REST; off on HTTP, whose stages do not trace
   */
  readonly tracing?: boolean;
  /**
   * Endpoint type. REST only; HTTP APIs are always Regional.
   * @default EndpointType.REGIONAL
   */
  readonly endpointType?: apigw.EndpointType;
  /**
   * ARN of an AWS WAFv2 web ACL (scope REGIONAL) to associate with the stage. REST only.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Resource policy of the API. REST only.
   * @default - none
   */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * Create a client certificate so HTTP backends can verify calls come from API Gateway. REST only.
   * @default false
   */
  readonly clientCertificate?: boolean;
  /**
   * Write the API's OpenAPI documents into the cloud assembly when the app synthesizes, next to the
   * stack's template: `<apiName>.openapi.json` (the definition, with API Gateway's extensions) and
   * `<apiName>.client.openapi.json` (for client generators).
   * @default true
   */
  readonly openApiFiles?: boolean;
}

/** The CloudWatch namespace the bundled JWT authorizer counts `AuthorizerErrors` in (dimension `service`: the API name). */
export const SERVERLESS_API_HANDLER_METRICS_NAMESPACE = 'ServerlessApi';

/**
 * API Gateway in front of Lambda and AWS services, production-ready: a REST API built from an
 * OpenAPI definition (or an HTTP API when its features suffice), routes as `'METHOD /path'` keys
 * with Lambda, AWS service, mock and HTTP backends, authorization required on every route unless
 * it is explicitly `ApiAuth.none()`, CORS, request validation, caching, throttling per route, a
 * stage from the profile with JSON access logs, execution logs and X-Ray, an optional custom
 * domain, AWS's recommended alarms and a dashboard.
 *
 * @example
 * const api = new ServerlessApi(this, 'Items', {
 *   profile: StageProfile.prod(),
 *   defaultAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['items'] }),
 *   routes: {
 *     'GET /items': { integration: RouteIntegration.entry('lambda/items.ts') },
 *     'GET /health': { integration: RouteIntegration.mock({ body: '{"ok":true}' }), auth: ApiAuth.none() },
 *   },
 * });
 */
export class ServerlessApi extends ApiBase {
  /** The CloudWatch namespace the bundled JWT authorizer counts `AuthorizerErrors` in (dimension `service`: the API name). */
  public static readonly HANDLER_METRICS_NAMESPACE = SERVERLESS_API_HANDLER_METRICS_NAMESPACE;

  /** The REST API (kind REST), built from `openApiDocument`. */
  public readonly restApi?: apigw.SpecRestApi;

  /** The REST stage (kind REST). */
  public readonly restStage?: apigw.Stage;

  /** The HTTP API (kind HTTP). */
  public readonly httpApi?: apigwv2.HttpApi;

  /** The HTTP stage (kind HTTP). */
  public readonly httpStage?: apigwv2.HttpStage;

  /**
   * The REST stage's execution-log group (`API-Gateway-Execution-Logs_<apiId>/<stage>`), created
   * with the profile's retention, key and removal policy; undefined for HTTP APIs, which have no
   * execution logs, and for profiles that log none.
   */
  public readonly executionLogGroup?: ILogGroup;

  /**
   * The API's OpenAPI 3.0 definition. On REST APIs it is the body the API is imported from, with
   * API Gateway's `x-amazon-apigateway-*` extensions (it may hold CloudFormation references); on
   * HTTP APIs it describes the routes the construct created. Routes added later appear in it.
   */
  public readonly openApiDocument: Record<string, unknown>;

  private readonly props: ServerlessApiProps;
  private readonly backend: ApiBackend;
  private readonly routeTable: RouteTable;
  private readonly entryFunctions = new Map<string, { readonly fn: IFunction; readonly options: EntryIntegrationOptions; readonly prop: string }>();
  private authorizerErrorsWatched = false;

  constructor(scope: Construct, id: string, props: ServerlessApiProps) {
    const kind = props.kind ?? ApiKind.REST;
    super(scope, id, kind, props);
    this.props = props;
    if (kind === ApiKind.WEBSOCKET) {
      throw new ApiPatternsError('ApiKindInvalid', `kind must be ApiKind.REST or ApiKind.HTTP; WebSocket APIs are built by RealtimeWebSocketApi. Got: ${describeValue(kind)}`, this);
    }
    this.rejectMissingFeatures();
    const cors = props.cors ? resolveCors(this, 'cors', props.cors) : undefined;
    this.routeTable = new RouteTable(this, { kind, profile: props.profile, defaultAuth: props.defaultAuth });

    const backendProps: ApiBackendProps = {
      apiName: this.apiName,
      description: props.description,
      profile: props.profile,
      accessLogGroup: this.accessLogGroup,
      cors,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      jwtAuthorizerFunction: (auth, fnId) => this.jwtAuthorizerFunction(auth, fnId),
      entryFunction: (entry, options, prop) => this.entryFunction(entry, options, prop),
    };
    if (kind === ApiKind.REST) {
      const rest = new RestBackend(this, {
        ...backendProps,
        tracing: props.tracing ?? props.profile.tracing,
        endpointType: props.endpointType,
        webAclArn: props.webAclArn,
        resourcePolicy: props.resourcePolicy,
        clientCertificate: props.clientCertificate ?? false,
      });
      this.restApi = rest.api;
      this.restStage = rest.stage;
      this.executionLogGroup = rest.executionLogGroup;
      this.backend = rest;
    } else {
      const http = new HttpBackend(this, backendProps);
      this.httpApi = http.api;
      this.httpStage = http.stage;
      this.backend = http;
    }
    this.openApiDocument = this.backend.document;
    this._setUpStage({
      metrics: this.backend.metrics,
      executeApiUrl: this.backend.url,
      mapDomain: (domain, basePath) => this.backend.mapDomain(domain, basePath),
      caching: kind === ApiKind.REST && props.profile.caching !== undefined,
      urlDescription: `Base URL of ${this.apiName}`,
    });
    if (props.openApiFiles ?? true) new OpenApiDocumentFiles(this, 'OpenApiFiles', { document: this.openApiDocument, fileName: this.apiName });

    for (const [routeKey, options] of Object.entries(props.routes ?? {})) {
      this.addRouteInternal(`routes[${JSON.stringify(routeKey)}]`, routeKey, options);
    }
  }

  /**
   * The client-facing variant of `openApiDocument`: without API Gateway's `x-amazon-apigateway-*`
   * extensions, for client generators (openapi-typescript, OpenAPI Generator).
   */
  public clientOpenApiDocument(): Record<string, unknown> {
    return clientFacingDocument(this.openApiDocument);
  }

  /**
   * Adds a route, `'METHOD /path/{param}'`. Fails at synth on a malformed or duplicate key, a
   * route without authorization (and not `ApiAuth.none()`), or a feature the kind of API lacks.
   */
  public addRoute(routeKey: string, options: RouteOptions): void {
    this.addRouteInternal(`addRoute(${JSON.stringify(routeKey)})`, routeKey, options);
  }

  /** 5xx rate (Average, 1 minute). */
  public metricServerError(props?: MetricOptions): Metric {
    return this.metrics.metricServerError(props);
  }

  /** Requests (Sum, 1 minute). */
  public metricCount(props?: MetricOptions): Metric {
    return this.metrics.metricCount(props);
  }

  /** Latency (p90, 1 minute). */
  public metricLatency(props?: MetricOptions): Metric {
    return this.metrics.metricLatency(props);
  }

  /**
   * Failures of the bundled JWT authorizer that are not the token's fault, e.g. the IdP is
   * unreachable (namespace `ServerlessApi`, dimension `service` = the API name; Sum, 1 minute).
   */
  public metricAuthorizerErrors(props?: MetricOptions): Metric {
    return this._handlerMetric(SERVERLESS_API_HANDLER_METRICS_NAMESPACE, 'AuthorizerErrors', props);
  }

  /**
   * Lets a principal invalidate cached entries with `Cache-Control: max-age=0` (REST with caching):
   * `execute-api:InvalidateCache` on every method and path of this API's stage. Nobody else can:
   * API Gateway requires signed, authorized requests for cache invalidation.
   */
  public grantInvalidateCache(grantee: IGrantable): Grant {
    if (!this.restApi || !this.restStage) {
      throw new ApiPatternsError('RestOnlyFeature', `grantInvalidateCache() needs a REST API; caching is REST-only. Got: kind ${this.kind}`, this);
    }
    return grantOnRunTimeResources(
      grantee,
      ['execute-api:InvalidateCache'],
      this.restApi.arnForExecuteApi('*', '/*', this.stageName),
      'Invalidation names the cached method and path in each request, so the grant covers */* of this one API and stage, and only the InvalidateCache action.',
    );
  }

  private addRouteInternal(prop: string, routeKey: string, options: RouteOptions): void {
    this.backend.addRoute(this.routeTable.add(prop, routeKey, options));
  }

  /**
   * The function behind an entry route; one per entry path, however many routes use it.
   * Its construct id comes from the entry's path relative to the app (`lambda/items/handler.ts` ->
   * `LambdaItemsHandlerFunction`), so adding or reordering routes never replaces a function.
   */
  private entryFunction(entry: string, entryOptions: EntryIntegrationOptions, prop: string): IFunction {
    const existing = this.entryFunctions.get(entry);
    if (existing) {
      if (existing.options !== entryOptions && !sameOptions(existing.options, entryOptions)) {
        throw new ApiPatternsError(
          'EntryOptionsConflict',
          `${prop}: the entry ${describeValue(relativeToApp(entry))} already has a function with other options (see ${existing.prop}); ` +
            'routes of one entry share one function: pass the same RouteIntegration (or the same options) to each. Got: different options',
          this,
        );
      }
      return existing.fn;
    }
    validateApiFunctionOptions(this, `${prop} (RouteIntegration.entry options)`, entryOptions);
    const fnId = entryFunctionId(entry);
    if (this.node.tryFindChild(fnId)) {
      throw new ApiPatternsError(
        'EntryFunctionIdClash',
        `${prop}: the entry ${describeValue(relativeToApp(entry))} would get the construct id ${fnId}, which another entry or construct already has; rename one of the files. Got: ${describeValue(entry)}`,
        this,
      );
    }
    const { handler, environment, description, depsLockFilePath, projectRoot, bundling, ...functionOptions } = entryOptions;
    const fn = this._createFunction(fnId, {
      profile: this.profile,
      source: { entry, handler, depsLockFilePath, projectRoot, bundling },
      // Relative to the app's directory: an absolute path would change the template from machine to machine.
      description: description ?? `${this.node.path} route handler ${relativeToApp(entry)}`,
      environment,
      options: { ...this.props.functionOptions, ...definedOnly(functionOptions) },
    });
    this.entryFunctions.set(entry, { fn, options: entryOptions, prop });
    return fn;
  }

  /**
   * The bundled JWT authorizer (REST) for `auth`. It refuses a token by throwing `Unauthorized`, so
   * its Lambda Errors metric counts every refused caller: it is alarmed instead on the
   * `AuthorizerErrors` it counts itself (IdP unreachable, bad configuration), once per API.
   */
  private jwtAuthorizerFunction(auth: JwtAuthorization, fnId: string): IFunction {
    const environment = {
      ...auth.authorizerEnvironment(),
      POWERTOOLS_SERVICE_NAME: this.apiName,
      POWERTOOLS_METRICS_NAMESPACE: SERVERLESS_API_HANDLER_METRICS_NAMESPACE,
    };
    const fn = this._createFunction(
      fnId,
      { profile: this.profile, source: { code: handlerCode('jwt-token-authorizer') }, description: `JWT authorizer for ${auth.options.issuer}`, environment, options: this.props.functionOptions },
      { errors: false },
    );
    if (!this.authorizerErrorsWatched) {
      this.authorizerErrorsWatched = true;
      this._watchErrorCount('AuthorizerErrors', this.metricAuthorizerErrors(), `${this.apiName} (${this.stageName}): JWT authorizer errors (IdP or configuration)`);
    }
    return fn;
  }

  /** Props only REST APIs can honour fail on HTTP APIs, through the protocol feature table. */
  private rejectMissingFeatures(): void {
    const p = this.props;
    const asked: Array<[unknown, ApiFeature]> = [
      [p.endpointType, ApiFeature.ENDPOINT_TYPE],
      [p.webAclArn, ApiFeature.WAF],
      [p.resourcePolicy, ApiFeature.RESOURCE_POLICY],
      [p.clientCertificate, ApiFeature.CLIENT_CERTIFICATE],
      [p.tracing, ApiFeature.STAGE_TRACING],
      [p.profile.caching, ApiFeature.STAGE_CACHE],
    ];
    for (const [value, feature] of asked) {
      if (value !== undefined && value !== false) requireFeature(this, this.kind, feature);
    }
    if (p.endpointType === EndpointType.PRIVATE && !p.resourcePolicy) {
      throw new ApiPatternsError(
        'PrivateApiPolicyMissing',
        'resourcePolicy is required with endpointType EndpointType.PRIVATE: API Gateway refuses to deploy a private API without a resource policy that allows its VPC endpoints. Got: no resourcePolicy',
        this,
      );
    }
  }
}
