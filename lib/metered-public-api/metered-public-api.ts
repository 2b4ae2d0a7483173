import { Duration, Stack } from 'aws-cdk-lib';
import { ApiKeySourceType } from 'aws-cdk-lib/aws-apigateway';
import type { CfnApiKey, CfnUsagePlan, SpecRestApi, Stage } from 'aws-cdk-lib/aws-apigateway';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ApiBase } from '../core/api-base/api-base';
import type { ApiBaseProps } from '../core/api-base/api-base';
import { ApiKind } from '../core/api-base/api-kind';
import type { RouteApi } from '../core/api-base/route-api';
import { ApiAuth } from '../core/auth/api-auth';
import type { Authorization } from '../core/auth/authorization';
import { JwtAuthorization } from '../core/auth/jwt-authorization';
import { LambdaRequestAuthorization } from '../core/auth/lambda-request-authorization';
import { LambdaTokenAuthorization } from '../core/auth/lambda-token-authorization';
import type { ApiFunctionOptions } from '../core/functions/api-function';
import { handlerCode } from '../core/functions/handler-asset';
import { clientFacingDocument } from '../core/openapi/openapi-document';
import { resolveCors } from '../core/routing/cors';
import type { CorsOptions } from '../core/routing/cors';
import type { RouteOptions } from '../core/routing/route-options';
import { grantOnRunTimeResources } from '../core/security/grants';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { validateIntegerRange } from '../core/validation/validation';
import { ApiWebAcl } from './api-web-acl';
import type { ApiWebAclOptions } from './api-web-acl';
import { UsageTiers } from './usage-tiers';
import type { ApiCustomerProps, UsageTier } from './usage-tiers';

/** The CloudWatch namespace of the metrics a MeteredPublicApi derives from its logs and its authorizer. */
const METRICS_NAMESPACE = 'MeteredPublicApi';

/** One route of a MeteredPublicApi: a route whose key requirement defaults to true. */
export interface MeteredRouteOptions extends RouteOptions {
  /**
   * Key the cached answers of this route by the customer's API key too (`x-api-key`), for answers
   * that differ per customer. Needs `cache`; with the key source AUTHORIZER the authorizer's token
   * keys them already.
   * @default false
   */
  readonly cachePerCustomer?: boolean;
}

/** The bundled authorizer that finds a caller's API key from a claim of their JWT. */
export interface TenantKeyAuthorizerOptions {
  /** The token issuer (`iss`), an https URL. */
  readonly issuer: string;
  /** Accepted audiences (`aud`); at least one. */
  readonly audience: string[];
  /**
   * OAuth scopes; a token must carry at least one of them.
   * @default - no scope check
   */
  readonly scopes?: string[];
  /**
   * Where the issuer's signing keys are.
   * @default - `${issuer}/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * The claim that names the customer (its `name` in `customers`).
   * @default 'tenant_id'
   */
  readonly tenantClaim?: string;
  /**
   * How long API Gateway caches a decision per token (0 to 3600 s).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * How long the authorizer uses the keys it loaded (all this stage's keys, in one refresh) before
   * loading them again (0 to 3600 s).
   * @default Duration.minutes(5)
   */
  readonly keyCacheTtl?: Duration;
  /**
   * How long the authorizer keeps using the keys it last loaded while refreshing them fails (API
   * Gateway's management API throttled or unreachable), 0 to 86400 s; 0 never uses stale keys.
   * @default Duration.hours(1)
   */
  readonly keyStaleTtl?: Duration;
}

/** The web ACL a MeteredPublicApi creates in front of its stage: its rules, and its alarms. */
export interface MeteredWebAclOptions extends ApiWebAclOptions {
  /**
   * Alarm when WAF blocks at least this many requests in 5 minutes.
   * @default 1000
   */
  readonly blockedRequestsAlarmThreshold?: number;
  /**
   * Alarm when the rate rule blocks at least this many requests in 5 minutes.
   * @default 100
   */
  readonly rateLimitedAlarmThreshold?: number;
}

/** Props of {@link MeteredPublicApi}. */
export interface MeteredPublicApiProps extends ApiBaseProps {
  /**
   * Description of the API.
   * @default - none
   */
  readonly description?: string;
  /** The tiers customers belong to: one usage plan each. At least one. */
  readonly tiers: UsageTier[];
  /**
   * The customers, each with its API keys. More can be added with `addCustomer()`.
   * @default - none
   */
  readonly customers?: ApiCustomerProps[];
  /**
   * Routes by key, `'METHOD /path/{param}'`. Each requires an API key unless it sets
   * `apiKeyRequired: false`. More can be added with `addRoute()`.
   * @default - none
   */
  readonly routes?: Record<string, MeteredRouteOptions>;
  /**
   * Authorization of every route that does not set its own. API keys identify and meter
   * customers; they are not authorization (AWS advises against using them as such).
   * @default ApiAuth.none() - public routes, metered by key; the bundled tenant-key authorizer with `tenantAuthorizer`
   */
  readonly defaultAuth?: Authorization;
  /**
   * Identify customers by their JWT instead of an `x-api-key` header: a bundled Lambda authorizer
   * verifies the token, reads the tenant claim and hands API Gateway that customer's key (key
   * source AUTHORIZER). It becomes the default authorization.
   * @default - customers send their key in `x-api-key`
   */
  readonly tenantAuthorizer?: TenantKeyAuthorizerOptions;
  /**
   * Where API Gateway finds the key: `HEADER` (`x-api-key`) or `AUTHORIZER` (a Lambda authorizer's
   * `usageIdentifierKey`; needs `tenantAuthorizer`, or a Lambda `defaultAuth` that returns it).
   * @default - AUTHORIZER with `tenantAuthorizer`, HEADER otherwise
   */
  readonly apiKeySource?: ApiKeySourceType;
  /**
   * CORS for browser clients; preflight never needs a key or authorization.
   * @default - no CORS
   */
  readonly cors?: CorsOptions;
  /**
   * Options for the functions the construct creates (entry routes, authorizers).
   * @default - see ApiFunctionOptions
   */
  readonly functionOptions?: ApiFunctionOptions;
  /**
   * The web ACL to create in front of the stage.
   * @default - a web ACL with the default MeteredWebAclOptions, unless `webAclArn` is given
   */
  readonly webAcl?: MeteredWebAclOptions;
  /**
   * An existing REGIONAL web ACL to associate instead of creating one.
   * @default - the construct creates one
   */
  readonly webAclArn?: string;
  /**
   * Count 429 answers per API key too (a metric dimension per key: each key's series is billed as a custom metric).
   * @default false
   */
  readonly throttledRequestsPerKey?: boolean;
  /**
   * Write the API's OpenAPI documents into the cloud assembly at synth.
   * @default true
   */
  readonly openApiFiles?: boolean;
}

/**
 * A public REST API sold or shared with third-party developers: each customer gets an API key in a
 * tier's usage plan (rate, burst, quota), WAF stops abuse before it costs anything, and cacheable
 * answers come from the stage cache. Built on the library's route table and REST backend.
 *
 * @example
 * const catalog = new MeteredPublicApi(this, 'Catalog', {
 *   profile: StageProfile.prod({ caching: { clusterSize: '0.5' } }),
 *   tiers: [
 *     { name: 'free', rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: Period.DAY } },
 *     { name: 'pro', rateLimit: 100, burstLimit: 200 },
 *   ],
 *   customers: [{ name: 'acme', tier: 'pro' }],
 *   routes: { 'GET /products': { integration: RouteIntegration.entry('lambda/products.ts'), cache: { ttl: Duration.minutes(5) } } },
 * });
 */
export class MeteredPublicApi extends ApiBase {
  /** The CloudWatch namespace of the metrics the construct derives from its logs and its authorizer. */
  public static readonly METRICS_NAMESPACE = METRICS_NAMESPACE;

  /** The REST API, built from `openApiDocument`. */
  public readonly restApi: SpecRestApi;
  /** The REST stage. */
  public readonly restStage: Stage;
  /** The stage's execution-log group, when the profile logs execution. */
  public readonly executionLogGroup?: ILogGroup;
  /** The web ACL the construct created; undefined with `webAclArn`. */
  public readonly webAcl?: ApiWebAcl;
  /** The ARN of the web ACL in front of the stage. */
  public readonly webAclArn: string;
  /** The bundled tenant-key authorizer's function, with `tenantAuthorizer`. */
  public readonly tenantAuthorizerFunction?: IFunction;
  /** The API's OpenAPI 3.0 definition (the body the REST API is imported from). */
  public readonly openApiDocument: Record<string, unknown>;

  private readonly routes: RouteApi;
  private readonly usageTiers: UsageTiers;
  private readonly routeKeys: string[] = [];
  private readonly keySource: ApiKeySourceType;
  private readonly functionOptions?: ApiFunctionOptions;
  private readonly basePath?: string;
  private readonly defaultAuth?: Authorization;

  constructor(scope: Construct, id: string, props: MeteredPublicApiProps) {
    super(scope, id, ApiKind.REST, props);
    this.functionOptions = props.functionOptions;
    this.basePath = props.customDomain?.basePath;
    this.keySource = props.apiKeySource ?? (props.tenantAuthorizer ? ApiKeySourceType.AUTHORIZER : ApiKeySourceType.HEADER);
    if (props.webAcl && props.webAclArn) {
      throw new ApiPatternsError('WebAclAmbiguous', `webAcl and webAclArn are both set: give options for the web ACL to create, or the ARN of one to use. Got: ${describeValue(props.webAclArn)}`, this);
    }
    if (props.tenantAuthorizer && props.defaultAuth) {
      throw new ApiPatternsError('TenantAuthorizerAmbiguous', 'tenantAuthorizer and defaultAuth are both set: the tenant-key authorizer is the default authorization. Got: both', this);
    }
    if (props.tenantAuthorizer && this.keySource !== ApiKeySourceType.AUTHORIZER) {
      throw new ApiPatternsError(
        'TenantAuthorizerKeySource',
        `tenantAuthorizer hands API Gateway the caller's key, which it uses only with apiKeySource AUTHORIZER; with HEADER customers would still have to send x-api-key. Got: ${describeValue(this.keySource)}`,
        this,
      );
    }
    const defaultAuth = props.tenantAuthorizer ? undefined : (props.defaultAuth ?? ApiAuth.none());
    this.defaultAuth = defaultAuth;
    if (this.keySource === ApiKeySourceType.AUTHORIZER && !props.tenantAuthorizer && !(defaultAuth instanceof LambdaTokenAuthorization || defaultAuth instanceof LambdaRequestAuthorization)) {
      throw new ApiPatternsError(
        'KeySourceAuthorizerMissing',
        `apiKeySource AUTHORIZER needs an authorizer that returns the key (usageIdentifierKey): set tenantAuthorizer, or a defaultAuth of ApiAuth.lambdaToken or ApiAuth.lambdaRequest. Got: ${defaultAuth?.kindName ?? 'none'}`,
        this,
      );
    }

    this.routes = this._setUpRoutes(
      {
        description: props.description,
        defaultAuth,
        cors: props.cors ? resolveCors(this, 'cors', props.cors) : undefined,
        functionOptions: props.functionOptions,
        webAclArn: props.webAclArn,
        webAclAssociatedByConstruct: props.webAclArn === undefined,
        apiKeySource: this.keySource,
        handlerMetricsNamespace: METRICS_NAMESPACE,
        authorizerErrors: this.metricAuthorizerErrors(),
      },
      props.openApiFiles ?? true,
    );
    this.restApi = this.routes.restApi!;
    this.restStage = this.routes.restStage!;
    this.executionLogGroup = this.routes.executionLogGroup;
    this.openApiDocument = this.routes.backend.document;

    if (props.webAclArn) {
      this.webAclArn = props.webAclArn;
    } else {
      this.webAcl = this.createWebAcl(props.webAcl ?? {});
      this.webAclArn = this.webAcl.webAclArn;
    }

    this.usageTiers = new UsageTiers(this, 'Tiers', {
      apiName: this.apiName,
      restApiId: this.restApi.restApiId,
      stage: this.restStage,
      tiers: props.tiers,
      routeKeys: () => [...this.routeKeys],
    });
    (props.customers ?? []).forEach((customer, i) => this.usageTiers.addCustomer(this, `customers[${i}]`, customer));

    this.watchThrottling(props.throttledRequestsPerKey ?? false);
    if (props.tenantAuthorizer) {
      // API Gateway calls the authorizer through its live alias; the public member is the function itself.
      const live = this.createTenantAuthorizer(props.tenantAuthorizer);
      this.tenantAuthorizerFunction = this._releasedFunction(live);
      this.routes.useDefaultAuth(ApiAuth.lambdaToken(live, { resultsCacheTtl: props.tenantAuthorizer.resultsCacheTtl }));
    }
    for (const [routeKey, options] of Object.entries(props.routes ?? {})) this.addRouteInternal(`routes[${JSON.stringify(routeKey)}]`, routeKey, options);
  }

  /** The usage plan of each tier, by tier name. */
  public get plans(): Record<string, CfnUsagePlan> {
    return this.usageTiers.plans;
  }

  /** Every API key, by `<customer>-v<version>`. */
  public get keys(): Record<string, CfnApiKey> {
    return this.usageTiers.keys;
  }

  /**
   * Adds a route. It requires an API key unless `apiKeyRequired: false`; CORS preflight never does.
   */
  public addRoute(routeKey: string, options: MeteredRouteOptions): void {
    this.addRouteInternal(`addRoute(${JSON.stringify(routeKey)})`, routeKey, options);
  }

  /** Adds a customer: its API keys, each in its tier's usage plan. */
  public addCustomer(customer: ApiCustomerProps): void {
    this.usageTiers.addCustomer(this, `addCustomer(${JSON.stringify(customer.name)})`, customer);
  }

  /** The client-facing variant of `openApiDocument`, for client generators (declares the API-key scheme). */
  public clientOpenApiDocument(): Record<string, unknown> {
    return clientFacingDocument(this.openApiDocument);
  }

  /** Latency (p90, 1 minute). */
  public metricLatency(props?: MetricOptions): Metric {
    return this.metrics.metricLatency(props);
  }

  /** Answers 429 (throttled by the stage or a usage plan, or over quota), from the access logs (Sum, 1 minute). */
  public metricThrottledRequests(props?: MetricOptions): Metric {
    return new Metric({ namespace: this.logMetricsNamespace, metricName: 'ThrottledRequests', statistic: 'Sum', period: Duration.minutes(1), ...props });
  }

  /** Failures of the bundled tenant-key authorizer that are not the caller's fault (Sum, 1 minute). */
  public metricAuthorizerErrors(props?: MetricOptions): Metric {
    return this._handlerMetric(METRICS_NAMESPACE, 'AuthorizerErrors', props);
  }

  /**
   * Lets a principal read this API's usage (`aws apigateway get-usage`): `apigateway:GET` on the
   * usage of each plan.
   */
  public grantReadUsage(grantee: IGrantable): Grant {
    const stack = Stack.of(this);
    return Grant.addToPrincipal({
      grantee,
      actions: ['apigateway:GET'],
      resourceArns: Object.values(this.plans).map((plan) => `arn:${stack.partition}:apigateway:${stack.region}::/usageplans/${plan.ref}/usage`),
    });
  }

  private get logMetricsNamespace(): string {
    return `${METRICS_NAMESPACE}/${this.apiName}`;
  }

  private addRouteInternal(prop: string, routeKey: string, options: MeteredRouteOptions): void {
    const { cachePerCustomer, ...route } = options;
    if (cachePerCustomer && !route.cache) {
      throw new ApiPatternsError('CachePerCustomerWithoutCache', `${prop}.cachePerCustomer needs cache on the route. Got: no cache`, this);
    }
    const perCustomerKey = cachePerCustomer && this.keySource === ApiKeySourceType.HEADER ? ['method.request.header.x-api-key'] : [];
    if (this.keySource === ApiKeySourceType.AUTHORIZER && route.apiKeyRequired !== false) {
      // Only a Lambda authorizer can hand API Gateway the key (usageIdentifierKey).
      const auth = route.auth ?? this.defaultAuth;
      const returnsKey = auth === undefined /* the tenant-key authorizer */ || auth instanceof LambdaTokenAuthorization || auth instanceof LambdaRequestAuthorization;
      if (!returnsKey) {
        throw new ApiPatternsError(
          'RouteKeyUnavailable',
          `${prop}.auth is ${auth.kindName}, which cannot hand API Gateway the caller's key (apiKeySource AUTHORIZER), so every call would be refused 403: use the API's authorizer, or apiKeyRequired: false. Got: ${auth.kindName}`,
          this,
        );
      }
    }
    const added = this.routes.addRoute(prop, routeKey, {
      ...route,
      apiKeyRequired: route.apiKeyRequired ?? true,
      cache: route.cache ? { ...route.cache, keyParameters: [...(route.cache.keyParameters ?? []), ...perCustomerKey] } : undefined,
    });
    this.routeKeys.push(added.route.key);
  }

  private createWebAcl(options: MeteredWebAclOptions): ApiWebAcl {
    const { blockedRequestsAlarmThreshold, rateLimitedAlarmThreshold, ...rules } = options;
    const acl = new ApiWebAcl(this, 'WebAcl', { ...rules, profile: this.profile, name: `${this.apiName}-${this.stageName}`, basePath: this.basePath });
    acl.associate(this.restStage);
    const blocked = blockedRequestsAlarmThreshold ?? 1000;
    const limited = rateLimitedAlarmThreshold ?? 100;
    validateIntegerRange(this, 'WafAlarmThresholdInvalid', 'webAcl.blockedRequestsAlarmThreshold', blocked, 1, Number.MAX_SAFE_INTEGER);
    validateIntegerRange(this, 'WafAlarmThresholdInvalid', 'webAcl.rateLimitedAlarmThreshold', limited, 1, Number.MAX_SAFE_INTEGER);
    const fiveMinutes = { period: Duration.minutes(5) };
    this._watchThreshold('WafBlockedRequests', acl.metricBlockedRequests(fiveMinutes), blocked, 1, `${this.apiName} (${this.stageName}): WAF blocked ${blocked} or more requests in 5 minutes`);
    this._watchThreshold('WafRateLimited', acl.metricRateLimitedRequests(fiveMinutes), limited, 1, `${this.apiName} (${this.stageName}): the WAF rate rule blocked ${limited} or more requests in 5 minutes`);
    this._addGraph(`${this.apiName}: WAF allowed and blocked`, [acl.metricAllowedRequests(), acl.metricBlockedRequests()]);
    return acl;
  }

  /** 429 answers counted from the access logs, graphed, and per key when asked. */
  private watchThrottling(perKey: boolean): void {
    new MetricFilter(this, 'ThrottledRequestsFilter', {
      logGroup: this.accessLogGroup,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: this.logMetricsNamespace,
      metricName: 'ThrottledRequests',
      metricValue: '1',
    });
    if (perKey) {
      new MetricFilter(this, 'ThrottledRequestsByKeyFilter', {
        logGroup: this.accessLogGroup,
        filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
        metricNamespace: this.logMetricsNamespace,
        metricName: 'ThrottledRequestsByKey',
        metricValue: '1',
        dimensions: { apiKeyId: '$.apiKeyId' },
      });
    }
    this._addGraph(`${this.apiName}: throttled (429) answers`, [this.metricThrottledRequests()]);
  }

  /**
   * The bundled tenant-key authorizer: verifies the caller's JWT, maps its tenant claim to that
   * customer's newest enabled key (named `<apiName>-<tenant>-v<n>`) and returns it as the usage
   * identifier, of the keys in a usage plan of the stage. It may read API keys with their values,
   * the usage plans and their keys (`apigateway:GET`), nothing else.
   */
  private createTenantAuthorizer(options: TenantKeyAuthorizerOptions): IFunction {
    // The same checks and settings as ApiAuth.jwt (issuer, audience, JWKS URI, scopes).
    const jwt = new JwtAuthorization({ issuer: options.issuer, audience: options.audience, scopes: options.scopes, jwksUri: options.jwksUri });
    const keyCacheSeconds = (options.keyCacheTtl ?? Duration.minutes(5)).toSeconds({ integral: false });
    validateIntegerRange(this, 'TenantKeyCacheTtlInvalid', 'tenantAuthorizer.keyCacheTtl (seconds)', keyCacheSeconds, 0, 3600);
    const keyStaleSeconds = (options.keyStaleTtl ?? Duration.hours(1)).toSeconds({ integral: false });
    validateIntegerRange(this, 'TenantKeyCacheTtlInvalid', 'tenantAuthorizer.keyStaleTtl (seconds)', keyStaleSeconds, 0, 86_400);
    const claim = options.tenantClaim ?? 'tenant_id';
    if (!/^[A-Za-z0-9_:./-]{1,128}$/.test(claim)) {
      throw new ApiPatternsError('TenantClaimInvalid', `tenantAuthorizer.tenantClaim must be a claim name (letters, digits and _ : . / -). Got: ${describeValue(claim)}`, this);
    }
    const fn = this._createFunction(
      'TenantKeyAuthorizerFunction',
      {
        profile: this.profile,
        source: { code: handlerCode('tenant-key-authorizer') },
        description: `Tenant-key authorizer of ${this.apiName}: JWT claim ${claim} to the tenant's API key`,
        environment: {
          ...jwt.authorizerEnvironment(),
          TENANT_CLAIM: claim,
          KEY_NAME_PREFIX: `${this.apiName}-`,
          KEY_CACHE_SECONDS: String(keyCacheSeconds),
          KEY_STALE_SECONDS: String(keyStaleSeconds),
          POWERTOOLS_SERVICE_NAME: this.apiName,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        },
        options: this.functionOptions,
      },
      { errors: false },
    );
    const stack = Stack.of(this);
    const controlPlane = `arn:${stack.partition}:apigateway:${stack.region}::`;
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['apigateway:GET'],
      // GetApiKeys (by name prefix, with values) and GetUsagePlans read collections; no id is known at synth.
      resourceArns: [`${controlPlane}/apikeys`, `${controlPlane}/usageplans`],
    });
    // GetUsagePlanKeys of the plans that include the stage. The plans' ids are known at synth, but
    // naming them here would make the function (which depends on its role's policy) depend on the
    // plans, which depend on the stage, which depends on the function through the API's authorizer.
    grantOnRunTimeResources(
      fn,
      ['apigateway:GET'],
      `${controlPlane}/usageplans/*/keys`,
      "The tenant-key authorizer lists the key ids of the usage plans that include its stage (GetUsagePlanKeys), which it finds at run time with GetUsagePlans; naming the plans' ids would make a dependency cycle (function, stage, plans). Read-only; the values it returns are readable through /apikeys anyway.",
    );
    this._watchErrorCount('AuthorizerErrors', this.metricAuthorizerErrors(), `${this.apiName} (${this.stageName}): tenant-key authorizer errors (IdP, API keys or configuration)`, [fn]);
    return fn;
  }
}
