import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeRule, acknowledgeRuleInPacks } from '../core/acknowledgments';
import { accessLogFormat } from '../core/access-log-format';
import { ApiAuthType, restIdentityCacheKeys } from '../core/api-auth';
import type { ApiAuth } from '../core/api-auth';
import { ApiKind } from '../core/api-kind';
import { ApiMetrics } from '../core/api-metrics';
import type { ApiCustomDomain } from '../core/custom-domain';
import { ApiPatternsError } from '../core/errors';
import { API_GATEWAY_LIMITS } from '../core/limits';
import { createExecutionLogGroup } from '../core/stage-log-group';
import { validateIdentitySources, validateIntegerRange } from '../core/validation';
import type { ApiBackend, ApiBackendProps, ResolvedRoute } from './api-backend';
import { RouteIntegrationType } from './route-integration';

/** REST-only settings. */
export interface RestBackendProps extends ApiBackendProps {
  readonly tracing: boolean;
  readonly endpointType?: apigw.EndpointType;
  readonly webAclArn?: string;
  readonly resourcePolicy?: PolicyDocument;
  readonly clientCertificate: boolean;
}

/** Identity sources of REST request authorizers. */
const REST_IDENTITY_SOURCE = /^(method\.request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/;

/** Why a compliance rule does not apply to a REST stage without the matching prop. */
const STAGE_REASONS = {
  waf:
    'WAF is opt-in through webAclArn: web ACLs are usually owned and shared by the platform (for example through ' +
    'Firewall Manager); MeteredPublicApi creates one for public APIs.',
  clientCertificate:
    'Backends are Lambda functions, invoked through the Lambda API with IAM SigV4 over TLS; a client certificate only ' +
    'lets HTTP backends authenticate API Gateway. Set clientCertificate: true for HTTP proxy backends that verify it.',
  cache:
    'Caching is opt-in through the stage profile (caching): a cache is billed per hour and must be keyed per caller for ' +
    'authorized data. When it is on, it is always encrypted.',
} as const;

/** The REST API (v1) flavour of ServerlessApi. */
export class RestBackend implements ApiBackend {
  public readonly api: apigw.RestApi;
  public readonly stage: apigw.Stage;
  public readonly executionLogGroup?: LogGroup;
  public readonly url: string;
  public readonly metrics: ApiMetrics;

  private readonly validator: apigw.RequestValidator;
  private readonly authorizers = new Map<ApiAuth, apigw.IAuthorizer>();
  private readonly routeMethodSettings: apigw.CfnStage.MethodSettingProperty[] = [];
  private readonly acknowledgedPreflights = new Set<IConstruct>();
  private modelCount = 0;

  constructor(
    private readonly scope: Construct,
    private readonly props: RestBackendProps,
  ) {
    const { profile, cors } = props;
    const caching = profile.caching;
    const clientCertificate = props.clientCertificate ? new apigw.CfnClientCertificate(scope, 'ClientCertificate', { description: `Lets HTTP backends verify calls from ${props.apiName}` }) : undefined;

    this.api = new apigw.RestApi(scope, 'Api', {
      restApiName: props.apiName,
      description: props.description,
      cloudWatchRole: false,
      endpointConfiguration: { types: [props.endpointType ?? apigw.EndpointType.REGIONAL] },
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      policy: props.resourcePolicy,
      deployOptions: {
        stageName: profile.stageName,
        throttlingRateLimit: profile.throttle.rateLimit,
        throttlingBurstLimit: profile.throttle.burstLimit,
        loggingLevel: profile.executionLogLevel,
        dataTraceEnabled: profile.dataTrace,
        tracingEnabled: props.tracing,
        metricsEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(props.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(accessLogFormat(ApiKind.REST)),
        cacheClusterEnabled: caching !== undefined,
        cacheClusterSize: caching?.clusterSize,
        cachingEnabled: caching !== undefined,
        cacheTtl: caching?.defaultTtl,
        cacheDataEncrypted: caching !== undefined ? true : undefined,
        clientCertificateId: clientCertificate?.attrClientCertificateId,
      },
      defaultCorsPreflightOptions: cors
        ? {
            allowOrigins: cors.allowOrigins,
            allowMethods: cors.allowMethods,
            allowHeaders: cors.allowHeaders,
            allowCredentials: cors.allowCredentials,
            exposeHeaders: cors.exposeHeaders.length > 0 ? cors.exposeHeaders : undefined,
            maxAge: cors.maxAge,
          }
        : undefined,
    });
    this.stage = this.api.deploymentStage;
    // ServerlessApi outputs the URL clients use itself (the custom domain's when there is one, opt-out).
    this.api.node.tryRemoveChild('Endpoint');
    this.executionLogGroup = createExecutionLogGroup(scope, profile, ApiKind.REST, this.api.restApiId, this.stage);
    this.url = this.api.url;
    this.metrics = new ApiMetrics({ kind: ApiKind.REST, apiIdentifier: props.apiName, stageName: profile.stageName });

    // One validator for every method: required parameters always, the body where a route has a schema.
    this.validator = this.api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });

    // Per-route method settings (cache TTLs) join the stage-wide "/*/*" settings CDK writes.
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    const stageWide = cfnStage.methodSettings;
    cfnStage.methodSettings = Lazy.any({
      produce: () => [...((Stack.of(scope).resolve(stageWide) as unknown[] | undefined) ?? []), ...this.routeMethodSettings],
    });

    if (cors) this.addCorsGatewayResponses();
    if (props.webAclArn) {
      new CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: this.stage.stageArn, webAclArn: props.webAclArn });
    } else {
      acknowledgeRule(this.stage, 'AwsSolutions', 'APIG3', STAGE_REASONS.waf);
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'PCI.DSS.321'], 'APIGWAssociatedWithWAF', STAGE_REASONS.waf);
    }
    if (!clientCertificate) {
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'APIGWSSLEnabled', STAGE_REASONS.clientCertificate);
    }
    if (!caching) {
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'APIGWCacheEnabledAndEncrypted', STAGE_REASONS.cache);
    }
  }

  public mapDomain(domain: ApiCustomDomain, basePath?: string): void {
    domain.mapRestStage(this.scope, 'DomainMapping', this.api, this.stage, basePath);
  }

  public addRoute(r: ResolvedRoute): void {
    const { route, options } = r;
    const resource = this.api.root.resourceForPath(route.path);
    const requestParameters: Record<string, boolean> = {};
    for (const name of route.parameters) requestParameters[`method.request.path.${name}`] = true;

    const cacheKeyParameters: string[] = [];
    if (options.cache) {
      // Whatever identifies the caller keys the cache, so one caller's answer never reaches another.
      const identity = r.auth ? restIdentityCacheKeys(r.auth).keys : [];
      const keys = [...route.parameters.map((name) => `method.request.path.${name}`), ...identity, ...(options.cache.keyParameters ?? [])];
      cacheKeyParameters.push(...new Set(keys));
      for (const key of cacheKeyParameters) requestParameters[key] ??= false;
      this.routeMethodSettings.push(this.cacheSetting(route.path, route.method, options.cache.ttl));
    }

    const authorization = this.authorizationFor(r);
    const method = resource.addMethod(route.method, this.integrationFor(r, cacheKeyParameters), {
      ...authorization,
      apiKeyRequired: options.apiKeyRequired ?? false,
      requestValidator: this.validator,
      requestParameters: Object.keys(requestParameters).length > 0 ? requestParameters : undefined,
      requestModels: options.requestSchema ? { 'application/json': this.model(options.requestSchema) } : undefined,
      methodResponses: options.integration.type === RouteIntegrationType.MOCK ? [this.mockMethodResponse(r)] : undefined,
    });
    this.acknowledgeMethod(method, r);
    this.acknowledgePreflights(resource);
  }

  /** Authorization options of a method, creating (once per ApiAuth) the authorizer. */
  private authorizationFor(r: ResolvedRoute): Pick<apigw.MethodOptions, 'authorizationType' | 'authorizer' | 'authorizationScopes'> {
    const auth = r.auth;
    if (!auth) return { authorizationType: apigw.AuthorizationType.NONE };
    if (auth.type === ApiAuthType.IAM) return { authorizationType: apigw.AuthorizationType.IAM };
    let authorizer = this.authorizers.get(auth);
    if (!authorizer) {
      authorizer = this.createAuthorizer(r.prop, auth);
      this.authorizers.set(auth, authorizer);
    }
    if (auth.type === ApiAuthType.COGNITO) {
      return {
        authorizationType: apigw.AuthorizationType.COGNITO,
        authorizer,
        authorizationScopes: auth.scopes.length > 0 ? auth.scopes : undefined,
      };
    }
    return { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer };
  }

  private createAuthorizer(prop: string, auth: ApiAuth): apigw.IAuthorizer {
    const count = this.authorizers.size;
    if (count >= API_GATEWAY_LIMITS.authorizersPerApi) {
      throw new ApiPatternsError(
        'TooManyAuthorizers',
        `${prop} needs authorizer number ${count + 1}, but a REST API allows ${API_GATEWAY_LIMITS.authorizersPerApi}: reuse ApiAuth objects across routes. Got: ${auth.type}`,
        this.scope,
      );
    }
    const id = `Authorizer${count + 1}`;
    const ttl = auth.options.resultsCacheTtl ?? Duration.minutes(5);
    validateIntegerRange(this.scope, 'AuthorizerCacheTtlOutOfRange', `${prop}.auth.resultsCacheTtl (seconds)`, ttl.toSeconds({ integral: false }), 0, API_GATEWAY_LIMITS.authorizerCacheTtlMaxSeconds);
    switch (auth.type) {
      case ApiAuthType.COGNITO:
        return new apigw.CognitoUserPoolsAuthorizer(this.scope, id, { cognitoUserPools: [auth.options.userPool!] });
      case ApiAuthType.JWT: {
        const handler = this.props.createJwtAuthorizerFunction(`${id}Function`, auth);
        return new apigw.TokenAuthorizer(this.scope, id, { handler, resultsCacheTtl: ttl });
      }
      case ApiAuthType.LAMBDA_TOKEN:
        return new apigw.TokenAuthorizer(this.scope, id, {
          handler: auth.options.handler!,
          identitySource: restIdentityCacheKeys(auth).keys[0],
          resultsCacheTtl: ttl,
        });
      case ApiAuthType.LAMBDA_REQUEST:
        validateIdentitySources(this.scope, `${prop}.auth.identitySources`, auth.options.identitySources!, REST_IDENTITY_SOURCE, 'method.request.header.Authorization');
        return new apigw.RequestAuthorizer(this.scope, id, {
          handler: auth.options.handler!,
          identitySources: auth.options.identitySources!,
          resultsCacheTtl: ttl,
        });
      default:
        throw new ApiPatternsError('AuthTypeUnsupported', `${prop}.auth type is not supported on REST APIs. Got: ${auth.type}`, this.scope);
    }
  }

  private integrationFor(r: ResolvedRoute, cacheKeyParameters: string[]): apigw.Integration {
    const { options, route } = r;
    const timeout = options.timeout;
    const cacheKeys = cacheKeyParameters.length > 0 ? cacheKeyParameters : undefined;
    switch (options.integration.type) {
      case RouteIntegrationType.LAMBDA:
      case RouteIntegrationType.ENTRY:
        // One invoke permission per function for the whole API, however many routes it serves.
        return new apigw.LambdaIntegration(r.fn!, { proxy: true, scopePermissionToMethod: false, timeout, cacheKeyParameters: cacheKeys });
      case RouteIntegrationType.MOCK: {
        const mock = options.integration.config.mock ?? {};
        const statusCode = String(mock.statusCode ?? 200);
        const body = typeof mock.body === 'string' ? mock.body : JSON.stringify(mock.body ?? {});
        return new apigw.MockIntegration({
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestTemplates: { 'application/json': JSON.stringify({ statusCode: Number(statusCode) }) },
          integrationResponses: [{ statusCode, responseTemplates: { 'application/json': body }, responseParameters: this.staticCorsHeaders() }],
          timeout,
          cacheKeyParameters: cacheKeys,
        });
      }
      case RouteIntegrationType.HTTP_PROXY: {
        const cfg = options.integration.config;
        const requestParameters: Record<string, string> = {};
        for (const name of route.parameters) requestParameters[`integration.request.path.${name}`] = `method.request.path.${name}`;
        return new apigw.HttpIntegration(cfg.url!, {
          proxy: true,
          httpMethod: cfg.httpProxy?.method ?? route.method,
          options: { timeout, requestParameters, cacheKeyParameters: cacheKeys },
        });
      }
    }
  }

  private mockMethodResponse(r: ResolvedRoute): apigw.MethodResponse {
    const statusCode = String(r.options.integration.config.mock?.statusCode ?? 200);
    const headers = this.staticCorsHeaders();
    return {
      statusCode,
      responseParameters: headers ? Object.fromEntries(Object.keys(headers).map((k) => [k, true])) : undefined,
    };
  }

  /** CORS headers a mock answer can carry statically (one origin or '*'); undefined otherwise. */
  private staticCorsHeaders(): Record<string, string> | undefined {
    const cors = this.props.cors;
    if (!cors || cors.allowOrigins.length !== 1) return undefined;
    const headers: Record<string, string> = { 'method.response.header.Access-Control-Allow-Origin': `'${cors.allowOrigins[0]}'` };
    if (cors.allowCredentials) headers['method.response.header.Access-Control-Allow-Credentials'] = "'true'";
    return headers;
  }

  /**
   * 4XX and 5XX answers of API Gateway itself (authorizer denials, throttling, validation errors)
   * carry CORS headers, so browsers can read them. Gateway responses can only hold static values,
   * so this is done only when the allowed origin is one value (one origin, or `*`): echoing the
   * request's Origin would hand any site the answer, with credentials. With several origins these
   * answers carry no CORS headers, and a browser sees them as failed requests.
   */
  private addCorsGatewayResponses(): void {
    const headers = this.staticCorsHeaders();
    if (!headers) return;
    const responseHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace('method.response.header.', ''), v]));
    this.api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, responseHeaders });
    this.api.addGatewayResponse('Default5xx', { type: apigw.ResponseType.DEFAULT_5XX, responseHeaders });
  }

  private model(schema: apigw.JsonSchema): apigw.IModel {
    this.modelCount += 1;
    return this.api.addModel(`RequestModel${this.modelCount}`, { contentType: 'application/json', schema });
  }

  /** Method setting for a cached route; repeats the stage-wide settings, which a method setting replaces. */
  private cacheSetting(path: string, method: string, ttl: Duration): apigw.CfnStage.MethodSettingProperty {
    const profile = this.props.profile;
    return {
      resourcePath: path === '/' ? '/' : `/${path.replace(/\//g, '~1')}`,
      httpMethod: method === 'ANY' ? '*' : method,
      cachingEnabled: ttl.toSeconds() > 0,
      cacheTtlInSeconds: ttl.toSeconds(),
      cacheDataEncrypted: true,
      loggingLevel: profile.executionLogLevel,
      dataTraceEnabled: profile.dataTrace,
      metricsEnabled: false,
      throttlingRateLimit: profile.throttle.rateLimit,
      throttlingBurstLimit: profile.throttle.burstLimit,
    };
  }

  /** cdk-nag findings on a method that are design decisions, each with the reason. */
  private acknowledgeMethod(method: apigw.Method, r: ResolvedRoute): void {
    const auth = r.auth;
    if (!auth) {
      const reason = `Route ${r.route.key} is explicitly marked public (public: true) by the API owner, e.g. a health check.`;
      acknowledgeRule(method, 'AwsSolutions', 'APIG4', reason);
      acknowledgeRule(method, 'AwsSolutions', 'COG4', reason);
    } else if (auth.type !== ApiAuthType.COGNITO) {
      acknowledgeRule(method, 'AwsSolutions', 'COG4', `Route ${r.route.key} is authorized by ${AUTH_LABELS[auth.type]} instead of a Cognito user pool.`);
    }
  }

  /** CORS preflight methods CDK creates are public by design: browsers send no credentials on preflight. */
  private acknowledgePreflights(resource: apigw.IResource): void {
    for (let res: apigw.IResource | undefined = resource; res; res = res.parentResource) {
      const preflight = res.node.tryFindChild('OPTIONS');
      if (!preflight || this.acknowledgedPreflights.has(preflight)) continue;
      this.acknowledgedPreflights.add(preflight);
      const reason = 'CORS preflight (OPTIONS) must answer without authorization: browsers never send credentials on a preflight request. It returns only CORS headers from a mock integration.';
      acknowledgeRule(preflight, 'AwsSolutions', 'APIG4', reason);
      acknowledgeRule(preflight, 'AwsSolutions', 'COG4', reason);
    }
  }
}

const AUTH_LABELS: Record<ApiAuthType, string> = {
  [ApiAuthType.COGNITO]: 'a Cognito user pool',
  [ApiAuthType.JWT]: 'a JWT Lambda authorizer verifying tokens against the issuer JWKS',
  [ApiAuthType.IAM]: 'IAM (SigV4)',
  [ApiAuthType.LAMBDA_TOKEN]: 'a Lambda token authorizer',
  [ApiAuthType.LAMBDA_REQUEST]: 'a Lambda request authorizer',
};
