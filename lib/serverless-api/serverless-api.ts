import { relative, sep } from 'node:path';
import { AspectPriority, Aspects, CfnOutput } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Grant, IGrantable, PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiGatewayPermissionAcknowledger } from '../core/acknowledgments';
import { grantOnRunTimeResources } from '../core/grants';
import type { FunctionAlarmOptions } from '../core/alarms';
import { ApiObservability } from '../core/api-observability';
import { createApiFunction, validateApiFunctionOptions } from '../core/api-function';
import type { ApiFunctionOptions, ApiFunctionSource } from '../core/api-function';
import { ApiAuthType, jwtAuthorizerEnvironment, restIdentityCacheKeys } from '../core/api-auth';
import type { ApiAuth } from '../core/api-auth';
import { ApiKind } from '../core/api-kind';
import { serviceMetric } from '../core/api-metrics';
import type { ApiMetrics } from '../core/api-metrics';
import { resolveCors } from '../core/cors';
import type { CorsOptions } from '../core/cors';
import { resolveCustomDomain } from '../core/custom-domain';
import type { ApiCustomDomain, CustomDomainOptions } from '../core/custom-domain';
import { ApiPatternsError, describeValue } from '../core/errors';
import { handlerCode } from '../core/handler-asset';
import { parseRouteKey, RouteKeyRegistry } from '../core/route-key';
import type { StageProfile } from '../core/stage-profile';
import { createStageLogGroup } from '../core/stage-log-group';
import { validateCacheKeyParameters, validateCacheTtl, validateIntegrationTimeout } from '../core/validation';
import { HttpBackend } from './http-backend';
import { RestBackend } from './rest-backend';
import type { ApiBackend, ApiBackendProps, ResolvedRoute } from './api-backend';
import { RouteIntegrationType } from './route-integration';
import type { EntryIntegrationOptions } from './route-integration';
import type { RouteOptions } from './route-options';

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

/** Which API Gateway API a ServerlessApi builds. */
export enum ApiProtocol {
  /** REST API (v1): every feature, including caching, WAF, API keys, X-Ray and request validation. */
  REST = 'REST',
  /** HTTP API (v2): cheaper and faster, without the REST-only features. */
  HTTP = 'HTTP',
}

/** Props of {@link ServerlessApi}. */
export interface ServerlessApiProps {
  /** The stage: name, throttling, logs, tracing, caching, retention, alarms. */
  readonly profile: StageProfile;
  /**
   * REST or HTTP API. Asking an HTTP API for a REST-only feature fails at synth.
   * @default ApiProtocol.REST
   */
  readonly protocol?: ApiProtocol;
  /**
   * Name of the API (and of its REST `ApiName` metric dimension; keep it ASCII).
   * @default - the construct path
   */
  readonly apiName?: string;
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
   * or an explicit `public: true`.
   * @default - none
   */
  readonly defaultAuth?: ApiAuth;
  /**
   * CORS for browser clients. Preflight (OPTIONS) is answered without authorization or API key. On
   * REST APIs, API Gateway's own error answers carry the CORS headers when one origin (or `*`) is
   * allowed; with several origins they carry none, since they can only hold static values. Lambda
   * proxy answers on REST carry only the headers the function returns (see docs/serverless-api.md).
   * @default - no CORS
   */
  readonly cors?: CorsOptions;
  /**
   * Custom domain: create one, or share an `ApiCustomDomain` under a base path.
   * @default - only the execute-api URL
   */
  readonly customDomain?: CustomDomainOptions;
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
   * Create the recommended alarms (and function alarms).
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Create a CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Output the base URL clients use (`url`: the custom domain's when there is one) as a stack output.
   * @default true
   */
  readonly urlOutput?: boolean;
}

/** The CloudWatch namespace the bundled JWT authorizer counts `AuthorizerErrors` in (dimension `service`: the API name). */
export const SERVERLESS_API_HANDLER_METRICS_NAMESPACE = 'ServerlessApi';

/** Methods whose answers may be cached: reads only. */
const CACHEABLE_METHODS: readonly string[] = ['GET', 'HEAD'];

/** REST-only props and the words used for them in errors. */
const REST_ONLY_PROPS: Array<[keyof ServerlessApiProps, string]> = [
  ['endpointType', 'private or edge endpoints (endpointType)'],
  ['webAclArn', 'WAF (webAclArn)'],
  ['resourcePolicy', 'resource policies (resourcePolicy)'],
  ['clientCertificate', 'client certificates (clientCertificate)'],
];

/**
 * API Gateway in front of Lambda, production-ready: a REST API (or an HTTP API when its features
 * suffice), routes as `'METHOD /path'` keys with Lambda, mock and HTTP proxy backends,
 * authorization required on every route unless marked public, CORS, request validation, caching,
 * a stage from the profile with JSON access logs, execution logs and X-Ray, an optional custom
 * domain, AWS's recommended alarms and a dashboard.
 *
 * @example
 * const api = new ServerlessApi(this, 'Items', {
 *   profile: StageProfile.prod(),
 *   defaultAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['items'] }),
 *   routes: {
 *     'GET /items': { integration: RouteIntegration.entry('lambda/items.ts') },
 *     'GET /health': { integration: RouteIntegration.mock({ body: { ok: true } }), public: true },
 *   },
 * });
 */
export class ServerlessApi extends Construct {
  /** REST or HTTP. */
  public readonly protocol: ApiProtocol;

  /** The REST API (protocol REST). */
  public readonly restApi?: apigw.RestApi;

  /** The REST stage (protocol REST). */
  public readonly restStage?: apigw.Stage;

  /** The HTTP API (protocol HTTP). */
  public readonly httpApi?: apigwv2.HttpApi;

  /** The HTTP stage (protocol HTTP). */
  public readonly httpStage?: apigwv2.HttpStage;

  /** The stage name. */
  public readonly stageName: string;

  /** The API's name (the REST `ApiName` metric dimension, the `service` of the bundled authorizer's metrics). */
  public readonly apiName: string;

  /** The base URL clients use: the custom domain's when there is one, the stage's otherwise. Ends with `/`. */
  public readonly url: string;

  /** The execute-api URL of the stage. Ends with `/`. */
  public readonly executeApiUrl: string;

  /** The custom domain, when one was given. */
  public readonly domain?: ApiCustomDomain;

  /** The stage's access-log group. */
  public readonly accessLogGroup: ILogGroup;

  /**
   * The REST stage's execution-log group (`API-Gateway-Execution-Logs_<apiId>/<stage>`), created
   * with the profile's retention, key and removal policy; undefined for HTTP APIs, which have no
   * execution logs, and for profiles that log none.
   */
  public readonly executionLogGroup?: ILogGroup;

  /** Functions the construct created (entry routes and authorizers), by name. */
  public readonly functions: Record<string, IFunction> = {};

  /** Every alarm (API and functions); empty when `alarms` is false. */
  public readonly alarms: Alarm[];

  /** The dashboard, unless `dashboard` is false. */
  public readonly dashboard?: Dashboard;

  /** The stage's metrics. */
  public readonly metrics: ApiMetrics;

  private readonly props: ServerlessApiProps;
  private readonly backend: ApiBackend;
  private readonly routeKeys = new RouteKeyRegistry(this);
  private readonly entryFunctions = new Map<string, { readonly fn: IFunction; readonly options: EntryIntegrationOptions; readonly prop: string }>();
  private readonly observability: ApiObservability;
  private authorizerErrorsWatched = false;

  constructor(scope: Construct, id: string, props: ServerlessApiProps) {
    super(scope, id);
    this.props = props;
    this.protocol = props.protocol ?? ApiProtocol.REST;
    const kind = this.protocol === ApiProtocol.REST ? ApiKind.REST : ApiKind.HTTP;
    props.profile.validate(this);
    Aspects.of(this).add(new ApiGatewayPermissionAcknowledger(), { priority: AspectPriority.MUTATING });
    if (this.protocol === ApiProtocol.HTTP) this.rejectRestOnlyProps();
    const cors = props.cors ? resolveCors(this, 'cors', props.cors) : undefined;

    this.accessLogGroup = createStageLogGroup(this, 'AccessLogs', props.profile);
    const apiName = props.apiName ?? this.node.path.replace(/\//g, '-');
    this.apiName = apiName;
    const backendProps: ApiBackendProps = {
      apiName,
      description: props.description,
      profile: props.profile,
      accessLogGroup: this.accessLogGroup,
      cors,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      createJwtAuthorizerFunction: (id, auth) => this.createJwtAuthorizerFunction(id, auth),
    };
    if (this.protocol === ApiProtocol.REST) {
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
    this.stageName = props.profile.stageName;
    this.metrics = this.backend.metrics;
    this.executeApiUrl = this.backend.url;

    if (props.customDomain) {
      this.domain = resolveCustomDomain(this, 'Domain', props.customDomain, kind);
      this.backend.mapDomain(this.domain, props.customDomain.basePath);
      this.url = props.customDomain.basePath ? `${this.domain.urlFor(props.customDomain.basePath)}/` : this.domain.urlFor();
    } else {
      this.url = this.executeApiUrl;
    }
    if (props.urlOutput ?? true) new CfnOutput(this, 'Url', { value: this.url, description: `Base URL of ${apiName}` });

    this.observability = new ApiObservability(this, {
      metrics: this.metrics,
      profile: props.profile,
      apiName,
      alarms: props.alarms ?? true,
      dashboard: props.dashboard ?? true,
      caching: kind === ApiKind.REST && props.profile.caching !== undefined,
    });
    this.alarms = this.observability.alarms;
    this.dashboard = this.observability.dashboard;

    for (const [routeKey, options] of Object.entries(props.routes ?? {})) {
      this.addRouteInternal(`routes[${JSON.stringify(routeKey)}]`, routeKey, options);
    }
  }

  /**
   * Adds a route, `'METHOD /path/{param}'`. Fails at synth on a malformed or duplicate key, a
   * missing authorization that is not marked public, or a feature the protocol lacks.
   */
  public addRoute(routeKey: string, options: RouteOptions): void {
    this.addRouteInternal(`addRoute(${JSON.stringify(routeKey)})`, routeKey, options);
  }

  /** Any AWS/ApiGateway metric of the stage. */
  public metric(metricName: string, props?: MetricOptions): Metric {
    return this.metrics.metric(metricName, props);
  }

  /** 5xx rate (Average, 1 minute). */
  public metricServerError(props?: MetricOptions): Metric {
    return this.metrics.metricServerError(props);
  }

  /** 4xx rate (Average, 1 minute). */
  public metricClientError(props?: MetricOptions): Metric {
    return this.metrics.metricClientError(props);
  }

  /** Requests (Sum, 1 minute). */
  public metricCount(props?: MetricOptions): Metric {
    return this.metrics.metricCount(props);
  }

  /** Latency (p90, 1 minute). */
  public metricLatency(props?: MetricOptions): Metric {
    return this.metrics.metricLatency(props);
  }

  /** Integration latency (p90, 1 minute). */
  public metricIntegrationLatency(props?: MetricOptions): Metric {
    return this.metrics.metricIntegrationLatency(props);
  }

  /**
   * Failures of the bundled JWT authorizer that are not the token's fault, e.g. the IdP is
   * unreachable (namespace `ServerlessApi`, dimension `service` = the API name; Sum, 1 minute).
   */
  public metricAuthorizerErrors(props?: MetricOptions): Metric {
    return serviceMetric(SERVERLESS_API_HANDLER_METRICS_NAMESPACE, this.apiName, 'AuthorizerErrors', props);
  }

  /**
   * Lets a principal invalidate cached entries with `Cache-Control: max-age=0` (REST with caching):
   * `execute-api:InvalidateCache` on every method and path of this API's stage. Nobody else can:
   * API Gateway requires signed, authorized requests for cache invalidation.
   */
  public grantInvalidateCache(grantee: IGrantable): Grant {
    if (!this.restApi || !this.restStage) {
      throw new ApiPatternsError('RestOnlyFeature', `grantInvalidateCache() needs a REST API; caching is REST-only. Got: protocol ${this.protocol}`, this);
    }
    return grantOnRunTimeResources(
      grantee,
      ['execute-api:InvalidateCache'],
      this.restApi.arnForExecuteApi('*', '/*', this.stageName),
      'Invalidation names the cached method and path in each request, so the grant covers */* of this one API and stage, and only the InvalidateCache action.',
    );
  }

  private addRouteInternal(prop: string, routeKey: string, options: RouteOptions): void {
    const route = parseRouteKey(this, prop, routeKey);
    this.routeKeys.add(prop, route);
    const auth = options.auth ?? this.props.defaultAuth;
    if (options.public && options.auth) {
      throw new ApiPatternsError('RouteAuthAmbiguous', `${prop} is marked public but also sets auth; choose one. Got: public true and auth ${options.auth.type}`, this);
    }
    if (!options.public && !auth) {
      throw new ApiPatternsError(
        'RouteUnauthorized',
        `${prop} has no authorization: set auth on the route, defaultAuth on the API, or public: true to serve it without authorization. Got: ${describeValue(route.key)}`,
        this,
      );
    }
    if (options.timeout) {
      validateIntegrationTimeout(this, `${prop}.timeout`, options.timeout, this.protocol === ApiProtocol.REST ? ApiKind.REST : ApiKind.HTTP);
    }
    if (this.protocol === ApiProtocol.HTTP) {
      const restOnly: Array<[unknown, string]> = [
        [options.requestSchema, 'request validation (requestSchema)'],
        [options.cache, 'caching (cache)'],
        [options.apiKeyRequired, 'API keys (apiKeyRequired)'],
        [options.integration.type === RouteIntegrationType.MOCK ? true : undefined, 'mock integrations (RouteIntegration.mock)'],
      ];
      for (const [value, feature] of restOnly) {
        if (value !== undefined && value !== false) this.restOnly(`${prop}: ${feature}`);
      }
    }
    if (options.cache) {
      validateCacheTtl(this, `${prop}.cache.ttl`, options.cache.ttl);
      if (!CACHEABLE_METHODS.includes(route.method)) {
        throw new ApiPatternsError(
          'RouteCacheMethodInvalid',
          `${prop}.cache is allowed only on GET and HEAD routes: a cached ${route.method} would answer writes from the cache. Got: ${describeValue(route.key)}`,
          this,
        );
      }
      validateCacheKeyParameters(this, `${prop}.cache.keyParameters`, options.cache.keyParameters ?? []);
      if (auth && !options.public && !restIdentityCacheKeys(auth).complete && !options.cache.keyParameters?.length) {
        throw new ApiPatternsError(
          'RouteCacheKeyMissing',
          `${prop}.cache needs keyParameters: the route is authorized by ${auth.type === ApiAuthType.IAM ? 'IAM, whose signatures' : 'a request authorizer whose context or stage-variable sources'} cannot be part of a cache key, ` +
            `so every caller would get the first caller's cached answer. Name the request values that identify the caller (e.g. ['method.request.header.X-Tenant-Id']), or do not cache. Got: ${describeValue(route.key)}`,
          this,
        );
      }
      if (!this.props.profile.caching) {
        throw new ApiPatternsError(
          'RouteCacheWithoutStageCache',
          `${prop}.cache needs a stage cache: set caching on the stage profile ${describeValue(this.props.profile.stageName)}. Got: ttl ${options.cache.ttl.toSeconds()} s`,
          this,
        );
      }
    }
    const resolved: ResolvedRoute = { prop, route, options, auth: options.public ? undefined : auth, fn: this.resolveFunction(prop, options) };
    this.backend.addRoute(resolved);
  }

  /**
   * The function behind a Lambda or entry route; one per entry path, however many routes use it.
   * Its construct id comes from the entry's path relative to the app (`lambda/items/handler.ts` ->
   * `LambdaItemsHandlerFunction`), so adding or reordering routes never replaces a function.
   */
  private resolveFunction(prop: string, options: RouteOptions): IFunction | undefined {
    const { type, config } = options.integration;
    if (type === RouteIntegrationType.LAMBDA) return config.fn;
    if (type !== RouteIntegrationType.ENTRY) return undefined;
    const entry = config.entry!;
    const entryOptions = config.entryOptions ?? {};
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
    validateApiFunctionOptions(this, `${prop}.integration (RouteIntegration.entry options)`, entryOptions);
    const fnId = entryFunctionId(entry);
    if (this.node.tryFindChild(fnId)) {
      throw new ApiPatternsError(
        'EntryFunctionIdClash',
        `${prop}: the entry ${describeValue(relativeToApp(entry))} would get the construct id ${fnId}, which another entry or construct already has; rename one of the files. Got: ${describeValue(entry)}`,
        this,
      );
    }
    const { handler, environment, description, depsLockFilePath, projectRoot, bundling, ...functionOptions } = entryOptions;
    const fn = this.createFunction(
      fnId,
      { entry, handler, depsLockFilePath, projectRoot, bundling },
      // Relative to the app's directory: an absolute path would change the template from machine to machine.
      description ?? `${this.node.path} route handler ${relativeToApp(entry)}`,
      environment,
      { ...this.props.functionOptions, ...definedOnly(functionOptions) },
    );
    this.entryFunctions.set(entry, { fn, options: entryOptions, prop });
    return fn;
  }

  /** Creates a function with the library defaults; it joins `functions`, the alarms and the dashboard. */
  private createFunction(
    fnId: string,
    source: ApiFunctionSource,
    description: string,
    environment?: Record<string, string>,
    options: ApiFunctionOptions | undefined = this.props.functionOptions,
    alarms: FunctionAlarmOptions = {},
  ): IFunction {
    const fn = createApiFunction(this, fnId, {
      profile: this.props.profile,
      source,
      description,
      environment,
      options,
    });
    this.functions[fnId] = fn;
    this.observability.watchFunction(fnId, fn, alarms);
    return fn;
  }

  /**
   * The bundled JWT authorizer (REST) for `auth`. It refuses a token by throwing `Unauthorized`, so
   * its Lambda Errors metric counts every refused caller: it is alarmed instead on the
   * `AuthorizerErrors` it counts itself (IdP unreachable, bad configuration), once per API.
   */
  private createJwtAuthorizerFunction(fnId: string, auth: ApiAuth): IFunction {
    const environment = {
      ...jwtAuthorizerEnvironment(auth),
      POWERTOOLS_SERVICE_NAME: this.apiName,
      POWERTOOLS_METRICS_NAMESPACE: SERVERLESS_API_HANDLER_METRICS_NAMESPACE,
    };
    const fn = this.createFunction(
      fnId,
      { code: handlerCode('jwt-token-authorizer') },
      `JWT authorizer for ${auth.options.issuer}`,
      environment,
      this.props.functionOptions,
      { errors: false },
    );
    if (!this.authorizerErrorsWatched) {
      this.authorizerErrorsWatched = true;
      this.observability.watchErrorCount('AuthorizerErrors', this.metricAuthorizerErrors(), `${this.apiName} (${this.stageName}): JWT authorizer errors (IdP or configuration)`);
    }
    return fn;
  }

  private rejectRestOnlyProps(): void {
    for (const [key, feature] of REST_ONLY_PROPS) {
      if (this.props[key] !== undefined && this.props[key] !== false) this.restOnly(feature);
    }
    if (this.props.tracing) this.restOnly('X-Ray tracing on the stage (tracing)');
    if (this.props.profile.caching) this.restOnly('caching (profile.caching)');
  }

  private restOnly(feature: string): never {
    throw new ApiPatternsError(
      'RestOnlyFeature',
      `${feature} needs protocol ApiProtocol.REST; HTTP APIs do not offer it. Got: protocol ${this.protocol}`,
      this,
    );
  }
}
