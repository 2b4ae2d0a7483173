import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { accessLogFormat } from '../core/access-log-format';
import { ApiAuthType } from '../core/api-auth';
import type { ApiAuth } from '../core/api-auth';
import { ApiKind } from '../core/api-kind';
import { ApiMetrics } from '../core/api-metrics';
import type { ApiCustomDomain } from '../core/custom-domain';
import { ApiPatternsError, describeValue } from '../core/errors';
import { API_GATEWAY_LIMITS } from '../core/limits';
import { validateIntegerRange } from '../core/validation';
import type { ApiBackend, ApiBackendProps, ResolvedRoute } from './api-backend';
import { RouteIntegrationType } from './route-integration';

/** The HTTP API (v2) flavour of ServerlessApi. */
export class HttpBackend implements ApiBackend {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly url: string;
  public readonly metrics: ApiMetrics;

  private readonly authorizers = new Map<ApiAuth, apigwv2.IHttpRouteAuthorizer>();
  private readonly integrations = new Map<IFunction | string, apigwv2.HttpRouteIntegration>();

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
    this.stage = new apigwv2.HttpStage(scope, 'Stage', {
      httpApi: this.api,
      stageName: profile.stageName,
      autoDeploy: true,
      throttle: { rateLimit: profile.throttle.rateLimit, burstLimit: profile.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(props.accessLogGroup),
        format: AccessLogFormat.custom(accessLogFormat(ApiKind.HTTP)),
      },
    });
    this.url = `${this.stage.url.replace(/\/$/, '')}/`;
    this.metrics = new ApiMetrics({ kind: ApiKind.HTTP, apiIdentifier: this.api.apiId, stageName: profile.stageName });
  }

  public mapDomain(domain: ApiCustomDomain, basePath?: string): void {
    domain.mapV2Stage(`Mapping${basePath ?? 'Root'}${this.api.node.addr.slice(0, 8)}`, this.api, this.stage, ApiKind.HTTP, basePath);
  }

  public addRoute(r: ResolvedRoute): void {
    const { route } = r;
    this.api.addRoutes({
      path: route.path,
      methods: [route.method as apigwv2.HttpMethod],
      integration: this.integrationFor(r),
      authorizer: r.auth ? this.authorizerFor(r.prop, r.auth) : new apigwv2.HttpNoneAuthorizer(),
      authorizationScopes: r.auth && r.auth.scopes.length > 0 ? r.auth.scopes : undefined,
    });
  }

  private integrationFor(r: ResolvedRoute): apigwv2.HttpRouteIntegration {
    const { options } = r;
    const key = r.fn ?? `${options.integration.config.url} ${r.route.method} ${options.timeout?.toMilliseconds() ?? ''}`;
    const existing = this.integrations.get(key);
    if (existing) return existing;
    let integration: apigwv2.HttpRouteIntegration;
    if (options.integration.type === RouteIntegrationType.HTTP_PROXY) {
      const cfg = options.integration.config;
      const method = cfg.httpProxy?.method ?? r.route.method;
      integration = new HttpUrlIntegration(`Integration${this.integrations.size + 1}`, cfg.url!, {
        method: method as apigwv2.HttpMethod,
        timeout: options.timeout,
      });
    } else {
      // One integration and one invoke permission per function, however many routes it serves.
      integration = new HttpLambdaIntegration(`Integration${this.integrations.size + 1}`, r.fn!, {
        timeout: options.timeout,
        scopePermissionToRoute: false,
      });
    }
    this.integrations.set(key, integration);
    return integration;
  }

  private authorizerFor(prop: string, auth: ApiAuth): apigwv2.IHttpRouteAuthorizer {
    const existing = this.authorizers.get(auth);
    if (existing) return existing;
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
