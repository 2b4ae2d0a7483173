import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { Authorization, HttpAuthConfig } from '../auth/authorization';
import { acknowledgeGuardRule, acknowledgeRule } from '../compliance/acknowledgments';
import type { ApiCustomDomain } from '../domain/custom-domain';
import type { RouteBinding } from '../integrations/integration';
import { ApiMetrics } from '../observability/api-metrics';
import { emptyDocument, OperationIds, operationKey, pathParameters } from '../openapi/operations';
import type { TableRoute } from '../routing/route-table';
import { throttleV2Route, v2StageOptions } from '../stage/v2-stage';
import type { ApiBackend, ApiBackendProps } from './api-backend';
import { BoundAuthorizations } from './bound-authorizations';

/**
 * The HTTP API (v2) backend: routes and integrations are aws-cdk-lib resources (a route and, per
 * backend, an integration), and `document` describes them as OpenAPI 3.0 (routes, parameters,
 * security) without API Gateway's extensions.
 */
export class HttpBackend implements ApiBackend {
  public readonly kind = ApiKind.HTTP;
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly url: string;
  public readonly metrics: ApiMetrics;
  public readonly document: Record<string, unknown>;

  private readonly authorizers: BoundAuthorizations<HttpAuthConfig>;
  private readonly integrations = new Map<string, apigwv2.HttpRouteIntegration>();
  private readonly operationIds = new OperationIds();

  constructor(
    private readonly scope: Construct,
    private readonly props: ApiBackendProps,
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
    this.document = emptyDocument(props.apiName, props.description);
    this.authorizers = new BoundAuthorizations(scope, ApiKind.HTTP, props.jwtAuthorizerFunction, (auth, binding) => auth._bindHttp(binding));
  }

  public mapDomain(domain: ApiCustomDomain, basePath?: string): void {
    domain.mapV2Stage(this.scope, 'DomainMapping', this.api, this.stage, ApiKind.HTTP, basePath);
  }

  public addRoute(r: TableRoute): void {
    const { route, options } = r;
    const auth = r.auth.isPublic ? undefined : this.authorizerFor(r.prop, r.auth);
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [route.method as apigwv2.HttpMethod],
      integration: this.integrationFor(r),
      authorizer: auth?.authorizer ?? new apigwv2.HttpNoneAuthorizer(),
      authorizationScopes: auth && r.auth.scopes.length > 0 ? r.auth.scopes : undefined,
    });
    if (options.timeout) {
      // HTTP APIs allow up to 30 s, while aws-cdk-lib's integrations check for 29 s: the timeout is set on the
      // resource itself. The integration is created under the first route that uses it; later routes share it.
      const cfn = created.node.findAll().find((c): c is apigwv2.CfnIntegration => c instanceof apigwv2.CfnIntegration);
      cfn?.addPropertyOverride('TimeoutInMillis', options.timeout.toMilliseconds());
    }
    if (options.throttle) throttleV2Route(this.stage, created, route.key, options.throttle);
    if (r.auth.isPublic) {
      const reason = `Route ${route.key} is explicitly public (auth: ApiAuth.none()) by the API owner's choice, e.g. a health check; every other route has an authorizer.`;
      acknowledgeGuardRule(created, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(created, 'AwsSolutions', 'APIG4', reason);
    }
    this.describe(r, auth?.name);
  }

  /** Adds the route to the descriptive OpenAPI document. */
  private describe(r: TableRoute, schemeName: string | undefined): void {
    const paths = this.document.paths as Record<string, Record<string, unknown>>;
    const item = (paths[r.route.path] ??= {});
    item[operationKey(r.route)] = {
      operationId: this.operationIds.next(r.route),
      ...(r.route.parameters.length > 0 ? { parameters: pathParameters(r.route) } : {}),
      // Scopes are checked by the authorizer; OpenAPI lists them only for OAuth2 schemes.
      security: schemeName ? [{ [schemeName]: [] }] : [],
      responses: { '200': { description: 'The answer of the backend' } },
    };
  }

  /** The route's integration: routes share one when their integrations share a backend and a timeout. */
  private integrationFor(r: TableRoute): apigwv2.HttpRouteIntegration {
    const timeout = r.options.timeout;
    const binding: RouteBinding = {
      scope: this.scope,
      prop: r.prop,
      kind: ApiKind.HTTP,
      route: r.route,
      timeout,
      cors: this.props.cors,
      integrationId: `Integration${this.integrations.size + 1}`,
      entryFunction: (entry, entryOptions) => this.props.entryFunction(entry, entryOptions, `${r.prop}.integration`),
    };
    const key = `${r.options.integration._shareKey(binding)} ${timeout?.toMilliseconds() ?? ''}`;
    const existing = this.integrations.get(key);
    if (existing) return existing;
    const { integration } = r.options.integration._bindHttp(binding);
    this.integrations.set(key, integration);
    return integration;
  }

  private authorizerFor(prop: string, auth: Authorization): { readonly authorizer: apigwv2.IHttpRouteAuthorizer; readonly name: string } {
    const { name, config } = this.authorizers.of(prop, auth);
    // Described for clients: SigV4 for IAM, a bearer token for every authorizer.
    (this.document.components as Record<string, Record<string, unknown>>).securitySchemes[name] = config.isAuthorizer
      ? { type: 'http', scheme: 'bearer', description: auth.description }
      : { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS SigV4' };
    return { authorizer: config.authorizer, name };
  }
}
