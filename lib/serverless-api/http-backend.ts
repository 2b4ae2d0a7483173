import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRule } from '../core/acknowledgments';
import { ApiAuthType } from '../core/api-auth';
import type { ApiAuth } from '../core/api-auth';
import { ApiKind } from '../core/api-kind';
import { ApiMetrics } from '../core/api-metrics';
import type { ApiCustomDomain } from '../core/custom-domain';
import { ApiPatternsError, describeValue } from '../core/errors';
import { API_GATEWAY_LIMITS } from '../core/limits';
import { validateIdentitySources, validateIntegerRange } from '../core/validation';
import { v2StageOptions } from '../core/v2-stage';
import type { ApiBackend, ApiBackendProps, ResolvedRoute } from './api-backend';
import { RouteIntegrationType } from './route-integration';

/** Identity sources of HTTP API request authorizers. */
const HTTP_IDENTITY_SOURCE = /^\$(request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/;

/** The largest integration timeout aws-cdk-lib's HTTP integrations accept; API Gateway allows 30 s. */
const CDK_HTTP_TIMEOUT_MAX_MS = 29_000;

/** The timeout to hand to aws-cdk-lib: longer ones are written by addRoute() itself. */
function cdkTimeout(timeout: Duration | undefined): Duration | undefined {
  return timeout && timeout.toMilliseconds() > CDK_HTTP_TIMEOUT_MAX_MS ? undefined : timeout;
}

/** The HTTP API (v2) flavour of ServerlessApi. */
export class HttpBackend implements ApiBackend {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly url: string;
  public readonly metrics: ApiMetrics;

  private readonly authorizers = new Map<ApiAuth, apigwv2.IHttpRouteAuthorizer>();
  private readonly integrations = new Map<string, apigwv2.HttpRouteIntegration>();

  constructor(
    private readonly scope: Construct,
    props: ApiBackendProps,
  ) {
    const { profile, cors } = props;
    this.api = new apigwv2.HttpApi(scope, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      // HTTP APIs answer preflight themselves, before any authorizer runs, and add CORS headers to every answer.
      corsPreflight: cors
        ? {
            allowOrigins: cors.allowOrigins,
            allowMethods: cors.allowMethods.map((m) => m as apigwv2.CorsHttpMethod),
            allowHeaders: cors.allowHeaders,
            exposeHeaders: cors.exposeHeaders.length > 0 ? cors.exposeHeaders : undefined,
            allowCredentials: cors.allowCredentials,
            maxAge: cors.maxAge,
          }
        : undefined,
    });
    this.stage = new apigwv2.HttpStage(scope, 'Stage', { httpApi: this.api, ...v2StageOptions(profile, props.accessLogGroup, ApiKind.HTTP) });
    this.url = `${this.stage.url.replace(/\/$/, '')}/`;
    this.metrics = new ApiMetrics({ kind: ApiKind.HTTP, apiIdentifier: this.api.apiId, stageName: profile.stageName });
  }

  public mapDomain(domain: ApiCustomDomain, basePath?: string): void {
    domain.mapV2Stage(this.scope, 'DomainMapping', this.api, this.stage, ApiKind.HTTP, basePath);
  }

  public addRoute(r: ResolvedRoute): void {
    const { route } = r;
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [route.method as apigwv2.HttpMethod],
      integration: this.integrationFor(r),
      authorizer: r.auth ? this.authorizerFor(r.prop, r.auth) : new apigwv2.HttpNoneAuthorizer(),
      authorizationScopes: r.auth && r.auth.scopes.length > 0 ? r.auth.scopes : undefined,
    });
    const timeout = r.options.timeout;
    if (timeout && timeout.toMilliseconds() > CDK_HTTP_TIMEOUT_MAX_MS) {
      // HTTP APIs allow up to 30 s, while aws-cdk-lib's integration checks stop at 29 s: set the property itself.
      // The integration is created under the first route that uses it; later routes reuse it, timeout included.
      const integration = created.node.findAll().find((c): c is apigwv2.CfnIntegration => c instanceof apigwv2.CfnIntegration);
      integration?.addPropertyOverride('TimeoutInMillis', timeout.toMilliseconds());
    }
    if (!r.auth) {
      const reason = `Route ${route.key} is explicitly marked public (public: true) by the API owner, e.g. a health check; every other route has an authorizer.`;
      acknowledgeGuardRule(created, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(created, 'AwsSolutions', 'APIG4', reason);
    }
  }

  private integrationFor(r: ResolvedRoute): apigwv2.HttpRouteIntegration {
    const { options } = r;
    // Routes share an integration when they share its backend and its timeout.
    const key = `${r.fn?.node.addr ?? options.integration.config.url} ${r.fn ? '' : r.route.method} ${options.timeout?.toMilliseconds() ?? ''}`;
    const existing = this.integrations.get(key);
    if (existing) return existing;
    let integration: apigwv2.HttpRouteIntegration;
    if (options.integration.type === RouteIntegrationType.HTTP_PROXY) {
      const cfg = options.integration.config;
      const method = cfg.httpProxy?.method ?? r.route.method;
      integration = new HttpUrlIntegration(`Integration${this.integrations.size + 1}`, cfg.url!, {
        method: method as apigwv2.HttpMethod,
        timeout: cdkTimeout(options.timeout),
      });
    } else {
      // One integration and one invoke permission per function, however many routes it serves.
      integration = new HttpLambdaIntegration(`Integration${this.integrations.size + 1}`, r.fn!, {
        timeout: cdkTimeout(options.timeout),
        scopePermissionToRoute: false,
      });
    }
    this.integrations.set(key, integration);
    return integration;
  }

  private authorizerFor(prop: string, auth: ApiAuth): apigwv2.IHttpRouteAuthorizer {
    const existing = this.authorizers.get(auth);
    if (existing) return existing;
    const custom = [...this.authorizers.values()].filter((a) => !(a instanceof HttpIamAuthorizer)).length;
    if (auth.type !== ApiAuthType.IAM && custom >= API_GATEWAY_LIMITS.authorizersPerApi) {
      throw new ApiPatternsError(
        'TooManyAuthorizers',
        `${prop} needs authorizer number ${custom + 1}, but an API allows ${API_GATEWAY_LIMITS.authorizersPerApi}: reuse ApiAuth objects across routes. Got: ${auth.type}`,
        this.scope,
      );
    }
    const id = `Authorizer${this.authorizers.size + 1}`;
    const ttl = auth.options.resultsCacheTtl ?? Duration.minutes(5);
    validateIntegerRange(this.scope, 'AuthorizerCacheTtlOutOfRange', `${prop}.auth.resultsCacheTtl (seconds)`, ttl.toSeconds({ integral: false }), 0, API_GATEWAY_LIMITS.authorizerCacheTtlMaxSeconds);
    let authorizer: apigwv2.IHttpRouteAuthorizer;
    switch (auth.type) {
      case ApiAuthType.JWT:
        authorizer = new HttpJwtAuthorizer(id, auth.options.issuer!, { jwtAudience: auth.options.audience! });
        break;
      case ApiAuthType.COGNITO:
        if (!auth.options.userPoolClients || auth.options.userPoolClients.length === 0) {
          throw new ApiPatternsError(
            'CognitoClientsRequired',
            `${prop}.auth: ApiAuth.cognito on an HTTP API needs userPoolClients, the accepted audiences of its JWT authorizer. Got: ${describeValue(auth.options.userPoolClients ?? [])}`,
            this.scope,
          );
        }
        authorizer = new HttpUserPoolAuthorizer(id, auth.options.userPool!, { userPoolClients: auth.options.userPoolClients });
        break;
      case ApiAuthType.IAM:
        authorizer = new HttpIamAuthorizer();
        break;
      case ApiAuthType.LAMBDA_TOKEN:
        authorizer = new HttpLambdaAuthorizer(id, auth.options.handler!, {
          responseTypes: [HttpLambdaResponseType.IAM],
          identitySource: [`$request.header.${auth.options.header ?? 'Authorization'}`],
          resultsCacheTtl: ttl,
        });
        break;
      case ApiAuthType.LAMBDA_REQUEST:
        validateIdentitySources(this.scope, `${prop}.auth.identitySources`, auth.options.identitySources!, HTTP_IDENTITY_SOURCE, '$request.header.Authorization');
        authorizer = new HttpLambdaAuthorizer(id, auth.options.handler!, {
          responseTypes: [HttpLambdaResponseType.IAM],
          identitySource: auth.options.identitySources,
          resultsCacheTtl: ttl,
        });
        break;
    }
    this.authorizers.set(auth, authorizer);
    return authorizer;
  }
}
