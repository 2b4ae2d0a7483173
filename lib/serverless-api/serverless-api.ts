import { EndpointType } from 'aws-cdk-lib/aws-apigateway';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Grant, IGrantable, PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ApiBase } from '../core/api-base/api-base';
import type { ApiBaseProps } from '../core/api-base/api-base';
import { ApiKind } from '../core/api-base/api-kind';
import type { RouteApi } from '../core/api-base/route-api';
import type { Authorization } from '../core/auth/authorization';
import type { ApiBackend } from '../core/backends/api-backend';
import type { ApiFunctionOptions } from '../core/functions/api-function';
import { clientFacingDocument } from '../core/openapi/openapi-document';
import { resolveCors } from '../core/routing/cors';
import type { CorsOptions } from '../core/routing/cors';
import { ApiFeature, requireFeature } from '../core/routing/protocol-features';
import type { RouteOptions } from '../core/routing/route-options';
import { grantOnRunTimeResources } from '../core/security/grants';
import { ApiPatternsError, describeValue } from '../core/validation/errors';

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
  private readonly routes: RouteApi;

  constructor(scope: Construct, id: string, props: ServerlessApiProps) {
    const kind = props.kind ?? ApiKind.REST;
    super(scope, id, kind, props);
    this.props = props;
    if (kind === ApiKind.WEBSOCKET) {
      throw new ApiPatternsError('ApiKindInvalid', `kind must be ApiKind.REST or ApiKind.HTTP; WebSocket APIs are built by RealtimeWebSocketApi. Got: ${describeValue(kind)}`, this);
    }
    this.rejectMissingFeatures();
    this.routes = this._setUpRoutes(
      {
        description: props.description,
        defaultAuth: props.defaultAuth,
        cors: props.cors ? resolveCors(this, 'cors', props.cors) : undefined,
        disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
        functionOptions: props.functionOptions,
        tracing: props.tracing,
        endpointType: props.endpointType,
        webAclArn: props.webAclArn,
        resourcePolicy: props.resourcePolicy,
        clientCertificate: props.clientCertificate,
        handlerMetricsNamespace: SERVERLESS_API_HANDLER_METRICS_NAMESPACE,
        authorizerErrors: this.metricAuthorizerErrors(),
      },
      props.openApiFiles ?? true,
    );
    this.backend = this.routes.backend;
    this.restApi = this.routes.restApi;
    this.restStage = this.routes.restStage;
    this.executionLogGroup = this.routes.executionLogGroup;
    this.httpApi = this.routes.httpApi;
    this.httpStage = this.routes.httpStage;
    this.openApiDocument = this.backend.document;

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
    this.routes.addRoute(prop, routeKey, options);
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
