import { relative, sep } from 'node:path';
import { AspectPriority, Aspects } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IGrantable, PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiGatewayPermissionAcknowledger } from '../core/acknowledgments';
import { ApiObservability } from '../core/api-observability';
import { createApiFunction } from '../core/api-function';
import type { ApiFunctionOptions, ApiFunctionSource } from '../core/api-function';
import type { ApiAuth } from '../core/api-auth';
import { ApiKind } from '../core/api-kind';
import type { ApiMetrics } from '../core/api-metrics';
import { resolveCors } from '../core/cors';
import type { CorsOptions } from '../core/cors';
import { resolveCustomDomain } from '../core/custom-domain';
import type { ApiCustomDomain, CustomDomainOptions } from '../core/custom-domain';
import { ApiPatternsError, describeValue } from '../core/errors';
import { parseRouteKey, RouteKeyRegistry } from '../core/route-key';
import type { StageProfile } from '../core/stage-profile';
import { createStageLogGroup } from '../core/stage-log-group';
import { validateCacheTtl, validateIntegrationTimeout } from '../core/validation';
import { HttpBackend } from './http-backend';
import { RestBackend } from './rest-backend';
import type { ApiBackend, ApiBackendProps, ResolvedRoute } from './api-backend';
import { RouteIntegrationType } from './route-integration';
import type { RouteOptions } from './route-options';

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
   * CORS for browser clients. Preflight (OPTIONS) is answered without authorization or API key,
   * and error answers from API Gateway carry the CORS headers too.
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
}

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

  /** The base URL clients use: the custom domain's when there is one, the stage's otherwise. Ends with `/`. */
  public readonly url: string;

  /** The execute-api URL of the stage. Ends with `/`. */
  public readonly executeApiUrl: string;

  /** The custom domain, when one was given. */
  public readonly domain?: ApiCustomDomain;

  /** The stage's access-log group. */
  public readonly accessLogGroup: ILogGroup;

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
  private readonly entryFunctions = new Map<string, IFunction>();
  private readonly observability: ApiObservability;

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
    const backendProps: ApiBackendProps = {
      apiName,
      description: props.description,
      profile: props.profile,
      accessLogGroup: this.accessLogGroup,
      cors,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      createFunction: (...args) => this.createFunction(...args),
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
   * Lets a principal invalidate cached entries with `Cache-Control: max-age=0` (REST with caching).
   * Nobody else can: API Gateway requires signed, authorized requests for cache invalidation.
   */
  public grantInvalidateCache(grantee: IGrantable): void {
    if (!this.restApi || !this.restStage) {
      throw new ApiPatternsError('RestOnlyFeature', `grantInvalidateCache() needs a REST API; caching is REST-only. Got: protocol ${this.protocol}`, this);
    }
    Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:InvalidateCache'],
      resourceArns: [this.restApi.arnForExecuteApi('*', '/*', this.stageName)],
    });
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
      if (!this.props.profile.caching) {
        throw new ApiPatternsError(
          'RouteCacheWithoutStageCache',
          `${prop}.cache needs a stage cache: set caching on the stage profile ${describeValue(this.props.profile.stageName)}. Got: ttl ${options.cache.ttl.toSeconds()} s`,
          this,
        );
      }
    }
    const resolved: ResolvedRoute = { prop, route, options, auth: options.public ? undefined : auth, fn: this.resolveFunction(options) };
    this.backend.addRoute(resolved);
  }

  /** The function behind a Lambda or entry route; one per entry path, however many routes use it. */
  private resolveFunction(options: RouteOptions): IFunction | undefined {
    const { type, config } = options.integration;
    if (type === RouteIntegrationType.LAMBDA) return config.fn;
    if (type !== RouteIntegrationType.ENTRY) return undefined;
    const entry = config.entry!;
    const existing = this.entryFunctions.get(entry);
    if (existing) return existing;
    const name = entry.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '').replace(/[^A-Za-z0-9]/g, '');
    let fnId = `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;
    const base = fnId.replace(/Function$/, '');
    for (let i = 2; this.node.tryFindChild(fnId); i++) fnId = `${base}Function${i}`;
    const fn = this.createFunction(
      fnId,
      { entry, handler: config.entryOptions?.handler },
      // Relative to the app's directory: an absolute path would change the template from machine to machine.
      config.entryOptions?.description ?? `${this.node.path} route handler ${relative(process.cwd(), entry).split(sep).join('/')}`,
      config.entryOptions?.environment,
    );
    this.entryFunctions.set(entry, fn);
    return fn;
  }

  /** Creates a function with the library defaults; it joins `functions`, the alarms and the dashboard. */
  private createFunction(fnId: string, source: ApiFunctionSource, description: string, environment?: Record<string, string>): IFunction {
    const fn = createApiFunction(this, fnId, {
      profile: this.props.profile,
      source,
      description,
      environment,
      options: this.props.functionOptions,
    });
    this.functions[fnId] = fn;
    this.observability.watchFunction(fnId, fn);
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
