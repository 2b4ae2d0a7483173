import { Duration, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EndpointType, JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { IConstruct } from 'constructs';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiAuth, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { RouteOptions, ServerlessApiProps } from '../../lib';
import { expectApiError, inlineFunction, newStack, templateOf } from '../support/stacks';
import { itemsApi } from '../support/serverless-api-fixtures';

const JWT = { issuer: 'https://id.example.com/', audience: ['items-api'] };

/** GIVEN the shared fixture: one function behind a public GET /items route. */
const httpApi = (props: Partial<ServerlessApiProps> = {}, route: Partial<RouteOptions> = {}) => itemsApi(ApiKind.HTTP, props, route);

describe('ServerlessApi (HTTP)', () => {
  test('creates an HTTP API with a throttled, logged, auto-deployed stage and no X-Ray setting', () => {
    const { template, api } = httpApi({ profile: StageProfile.prod() });

    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'items', ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"') },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    expect(JSON.stringify(stage.Properties)).not.toMatch(/Tracing/);
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({ integrationError: '$context.integrationErrorMessage' });
    expect(api.httpApi).toBeDefined();
    expect(api.restApi).toBeUndefined();
  });

  test('routes share one integration and one permission per function', () => {
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    const backend = RouteIntegration.fromFunction(fn);
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      kind: ApiKind.HTTP,
      routes: { 'GET /a': { integration: backend, auth: ApiAuth.none() }, 'POST /a': { integration: backend, auth: ApiAuth.none() }, 'GET /b/{id}': { integration: backend, auth: ApiAuth.none() } },
    });
    const template = templateOf(stack);

    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /b/{id}', AuthorizationType: 'NONE' });
  });

  test('JWT auth is native, with route scopes', () => {
    // GIVEN a route without its own auth, so the API's defaultAuth applies
    const { template } = httpApi({ defaultAuth: ApiAuth.jwt({ ...JWT, scopes: ['items/read'] }) }, { auth: undefined });

    // THEN

    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: JWT.issuer, Audience: JWT.audience },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'JWT', AuthorizationScopes: ['items/read'] });
    template.resourceCountIs('AWS::Lambda::Function', 1); // no authorizer function on HTTP
  });

  test('IAM and Lambda authorizers', () => {
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      kind: ApiKind.HTTP,
      routes: {
        'GET /iam': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.iam() },
        'GET /token': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.lambdaToken(fn) },
        'GET /request': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.lambdaRequest(fn, { identitySources: ['$request.header.X-Key'] }) },
      },
    });
    const template = templateOf(stack);

    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /iam', AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.Authorization'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.X-Key'] });
  });

  test('Cognito auth on HTTP needs the accepted app clients', () => {
    const { stack } = newStack();
    const pool = new UserPool(stack, 'Pool');
    const client = pool.addClient('Web');
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      kind: ApiKind.HTTP,
      defaultAuth: ApiAuth.cognito(pool, { userPoolClients: [client] }),
      routes: { 'GET /a': { integration: RouteIntegration.httpProxy('https://example.com/a') } },
    });
    templateOf(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });

    const { stack: other } = newStack();
    const otherPool = new UserPool(other, 'Pool');
    const error = expectApiError(
      () =>
        new ServerlessApi(other, 'Api', {
          profile: StageProfile.dev(),
          kind: ApiKind.HTTP,
          defaultAuth: ApiAuth.cognito(otherPool),
          routes: { 'GET /a': { integration: RouteIntegration.httpProxy('https://example.com/a') } },
        }),
    );
    expect(error.errorId).toBe('CognitoClientsRequired');
  });

  test('a request authorizer’s identity sources must be in HTTP syntax, named by the route', () => {
    // GIVEN a request authorizer written with REST's syntax
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    const auth = ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.Authorization'] });

    // WHEN it authorizes a route of an HTTP API
    const error = expectApiError(
      () => new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), kind: ApiKind.HTTP, routes: { 'GET /a': { integration: RouteIntegration.fromFunction(fn), auth } } }),
    );

    // THEN
    expect(error.errorId).toBe('IdentitySourcesInvalid');
    expect(error.message).toMatch(/routes\["GET \/a"\]\.auth\.identitySources entries must match .* on a HTTP API, e\.g\. "\$request\.header\.Authorization"/);
    expect(error.message).toMatch(/Got: "method\.request\.header\.Authorization"/);
  });

  test('an authorizer cache TTL above 3600 s is rejected, named by the route', () => {
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    const error = expectApiError(
      () =>
        new ServerlessApi(stack, 'Api', {
          profile: StageProfile.dev(),
          kind: ApiKind.HTTP,
          routes: { 'GET /a': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.lambdaToken(fn, { resultsCacheTtl: Duration.seconds(3601) }) } },
        }),
    );

    expect(error.errorId).toBe('AuthorizerCacheTtlOutOfRange');
    expect(error.message).toMatch(/routes\["GET \/a"\]\.auth\.resultsCacheTtl \(seconds\) must be a whole number from 0 to 3600/);
    expect(error.message).toMatch(/Got: 3601/);
  });

  test('an ApiAuth.none() route is acknowledged for APIG4 and the Control Tower rule on that route only', () => {
    // GIVEN a public route and a JWT route
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    const api = new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      kind: ApiKind.HTTP,
      defaultAuth: ApiAuth.jwt(JWT),
      routes: { 'GET /health': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() }, 'GET /items': { integration: RouteIntegration.fromFunction(fn) } },
    });

    // THEN
    const acknowledged = (c: IConstruct) => Object.keys(Object.assign({}, ...c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data)));
    const routes = api.httpApi!.node.findAll().filter((c): c is HttpRoute => c instanceof HttpRoute);
    const byKey = Object.fromEntries(routes.map((r) => [(r.node.defaultChild as CfnRoute).routeKey, acknowledged(r)]));
    expect(byKey['GET /health'].sort()).toEqual(['AwsSolutions::AwsSolutions-APIG4', 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check']);
    expect(byKey['GET /items']).toEqual([]);
    for (const scope of [api, api.httpApi!, api.httpStage!]) expect(acknowledged(scope)).not.toContain('AwsSolutions::AwsSolutions-APIG4');
  });

  test('an HTTP proxy route', () => {
    const { template } = httpApi({}, { integration: RouteIntegration.httpProxy('https://backend.example.com/items') });

    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: 'https://backend.example.com/items',
      IntegrationMethod: 'GET',
    });
  });

  test('CORS is answered by the API itself', () => {
    const { template } = httpApi({ cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true, maxAge: Duration.minutes(1) } });

    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowOrigins: ['https://app.example.com'], AllowCredentials: true, MaxAge: 60, AllowHeaders: Match.arrayWith(['Authorization']) },
    });
  });

  test('integration timeout up to 30 s', () => {
    httpApi({}, { timeout: Duration.seconds(30) }).template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { TimeoutInMillis: 30000 });
    const error = expectApiError(() => httpApi({}, { timeout: Duration.millis(30_001) }));
    expect(error.errorId).toBe('IntegrationTimeoutOutOfRange');
    expect(error.message).toMatch(/timeout must be from 50 ms to 30000 ms for a HTTP API\. Got: 30001 ms/);
  });

  describe('REST-only features fail at synth, naming the feature', () => {
    test.each<[string, Partial<ServerlessApiProps>, RegExp]>([
      ['caching', { profile: StageProfile.prod({ caching: {} }) }, /caching \(profile\.caching\)/],
      ['WAF', { webAclArn: 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/x/y' }, /WAF \(webAclArn\)/],
      ['X-Ray', { tracing: true }, /X-Ray tracing on the stage \(tracing\)/],
      ['resource policy', { resourcePolicy: new PolicyDocument() }, /resource policies \(resourcePolicy\)/],
      ['edge endpoint', { endpointType: EndpointType.EDGE }, /private or edge endpoints \(endpointType\)/],
      ['client certificate', { clientCertificate: true }, /client certificates/],
    ])('%s', (_name, props, feature) => {
      const error = expectApiError(() => httpApi(props));
      expect(error.errorId).toBe('RestOnlyFeature');
      expect(error.message).toMatch(feature);
      expect(error.message).toMatch(/needs kind ApiKind\.REST.*Got: kind HTTP/);
    });

    test.each<[string, Partial<RouteOptions>, RegExp]>([
      ['request validation', { requestSchema: { type: JsonSchemaType.OBJECT } }, /request validation \(requestSchema\)/],
      ['API keys', { apiKeyRequired: true }, /API keys \(apiKeyRequired\)/],
      ['route cache', { cache: { ttl: Duration.seconds(10) } }, /caching \(cache\)/],
    ])('route %s', (_name, route, feature) => {
      const error = expectApiError(() => httpApi({}, route));
      expect(error.errorId).toBe('RestOnlyFeature');
      expect(error.message).toMatch(feature);
      expect(error.message).toMatch(/routes\["GET \/items"\]/);
      expect(error.message).toMatch(/Got: kind HTTP/);
    });

    test('route mock integration fails as an integration HTTP APIs do not offer', () => {
      // GIVEN / WHEN a mock integration (a fixed answer from API Gateway, REST only) on an HTTP route
      const error = expectApiError(() => httpApi({}, { integration: RouteIntegration.mock({ body: JSON.stringify({ status: 'ok' }) }) }));

      // THEN
      expect(error.errorId).toBe('IntegrationUnsupported');
      expect(error.message).toMatch(/routes\["GET \/items"\]\.integration: RouteIntegration\.mock is offered on REST APIs only/);
      expect(error.message).toMatch(/Got: kind HTTP/);
    });
  });

  test('a custom domain maps the stage through an API mapping', () => {
    const { stack } = newStack();
    const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const fn = inlineFunction(stack);
    const api = new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      kind: ApiKind.HTTP,
      routes: { 'GET /a': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() } },
      customDomain: { domainName: 'api.dev.example.com', hostedZone: zone },
    });
    const template = templateOf(stack);

    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.dev.example.com',
      DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL', IpAddressType: 'dualstack' })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    expect(api.url).toBe('https://api.dev.example.com/');
  });

  test('alarms use the HTTP metric names and the ApiId dimension', () => {
    const { template, api } = httpApi();

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Statistic: 'Average',
      Threshold: 0.05,
      Dimensions: Match.arrayWith([{ Name: 'ApiId', Value: Match.anyValue() }]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '4xx', EvaluationPeriods: 5 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p90', Threshold: 2500 });
    expect(api.metricServerError().metricName).toBe('5xx');
  });

  describe('route throttle', () => {
    test('becomes a RouteSettings entry of the stage keyed by route key, and the stage waits for the route', () => {
      // GIVEN
      const { stack } = newStack();
      const backend = RouteIntegration.fromFunction(inlineFunction(stack));

      // WHEN two routes are throttled differently and a third is not
      new ServerlessApi(stack, 'Api', {
        profile: StageProfile.dev(),
        kind: ApiKind.HTTP,
        defaultAuth: ApiAuth.none(),
        routes: {
          'GET /items': { integration: backend, throttle: { rateLimit: 5, burstLimit: 10 } },
          'POST /items': { integration: backend, throttle: { rateLimit: 0, burstLimit: 0 } },
          'GET /health': { integration: backend },
        },
      });

      // THEN
      const template = templateOf(stack);
      const routeIds = Object.fromEntries(Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).map(([id, r]) => [r.Properties.RouteKey, id]));
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stage.Properties.RouteSettings).toEqual({
        'GET /items': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        'POST /items': { ThrottlingRateLimit: 0, ThrottlingBurstLimit: 0 },
      });
      expect(stage.DependsOn).toEqual(expect.arrayContaining([routeIds['GET /items'], routeIds['POST /items']]));
      expect(stage.DependsOn).not.toContain(routeIds['GET /health']);
      // The stage-wide throttle from the profile is unchanged.
      expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: StageProfile.dev().throttle.rateLimit });
    });

    test('without a route throttle the stage has no RouteSettings', () => {
      const { template } = httpApi();

      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { RouteSettings: Match.absent() });
    });

    test.each<[string, { rateLimit: number; burstLimit: number }, RegExp, RegExp]>([
      ['a negative rate', { rateLimit: -1, burstLimit: 10 }, /routes\["GET \/items"\]\.throttle\.rateLimit must be a whole number from 0/, /Got: -1/],
      ['a fractional burst', { rateLimit: 10, burstLimit: 2.5 }, /routes\["GET \/items"\]\.throttle\.burstLimit must be a whole number from 0/, /Got: 2\.5/],
    ])('%s is rejected with RouteThrottleInvalid', (_name, throttle, prop, got) => {
      const error = expectApiError(() => httpApi({}, { throttle }));

      expect(error.errorId).toBe('RouteThrottleInvalid');
      expect(error.message).toMatch(prop);
      expect(error.message).toMatch(got);
    });
  });

  describe('openApiDocument', () => {
    test('lists each route with its operationId, path parameters and security', () => {
      // GIVEN a public route, a JWT route with scopes and path parameters, and an IAM route
      const { stack } = newStack();
      const backend = RouteIntegration.fromFunction(inlineFunction(stack));
      const jwt = ApiAuth.jwt({ ...JWT, scopes: ['items/read'] });

      // WHEN
      const api = new ServerlessApi(stack, 'Api', {
        profile: StageProfile.dev(),
        kind: ApiKind.HTTP,
        apiName: 'items',
        routes: {
          'GET /health': { integration: backend, auth: ApiAuth.none() },
          'GET /items/{id}/tags/{tag}': { integration: backend, auth: jwt },
          'DELETE /items/{id}': { integration: backend, auth: ApiAuth.iam() },
        },
      });

      // THEN
      const doc = stack.resolve(api.openApiDocument) as { openapi: string; info: { title: string }; paths: Record<string, Record<string, Record<string, unknown>>>; components: { securitySchemes: Record<string, Record<string, unknown>> } };
      expect(doc.openapi).toMatch(/^3\.0/);
      expect(doc.info.title).toBe('items');
      expect(Object.keys(doc.paths).sort()).toEqual(['/health', '/items/{id}', '/items/{id}/tags/{tag}']);
      expect(doc.paths['/health'].get).toMatchObject({ operationId: 'getHealth', security: [] });
      expect(doc.paths['/health'].get.parameters).toBeUndefined();
      expect(doc.paths['/items/{id}/tags/{tag}'].get).toMatchObject({
        operationId: 'getItemsByIdTagsByTag',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'tag', in: 'path', required: true, schema: { type: 'string' } },
        ],
        // The scheme is http bearer: OpenAPI 3.0 lists scopes only for oauth2/openIdConnect schemes, so the array is empty.
        security: [{ Authorizer1: [] }],
      });
      expect(doc.paths['/items/{id}'].delete).toMatchObject({
        operationId: 'deleteItemsById',
        parameters: [{ name: 'id', in: 'path', required: true }],
        security: [{ sigv4: [] }],
      });
      expect(doc.components.securitySchemes).toEqual({
        Authorizer1: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        sigv4: expect.objectContaining({ type: 'apiKey', name: 'Authorization', in: 'header' }),
      });
      // HTTP APIs are built from resources, not from this document: it carries no API Gateway extensions.
      expect(JSON.stringify(doc)).not.toMatch(/x-amazon-apigateway/);
    });

    test('a route added later with addRoute is listed too', () => {
      const { api, stack } = httpApi();

      api.addRoute('POST /items', { integration: RouteIntegration.httpProxy('https://backend.example.com/items'), auth: ApiAuth.none() });

      const doc = stack.resolve(api.openApiDocument) as { paths: Record<string, Record<string, Record<string, unknown>>> };
      expect(Object.keys(doc.paths['/items']).sort()).toEqual(['get', 'post']);
      expect(doc.paths['/items'].post).toMatchObject({ operationId: 'postItems', security: [] });
    });
  });

  test('grantInvalidateCache is REST-only', () => {
    const { api, stack } = httpApi();
    const error = expectApiError(() => api.grantInvalidateCache(inlineFunction(stack, 'Other')));
    expect(error.errorId).toBe('RestOnlyFeature');
  });
});
