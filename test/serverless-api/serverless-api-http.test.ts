import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EndpointType, JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
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
    const { template } = httpApi({ defaultAuth: ApiAuth.jwt({ ...JWT, scopes: ['items/read'] }) }, { public: undefined });

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
      expect(error.message).toMatch(/needs protocol ApiKind\.REST.*Got: protocol HTTP/);
    });

    test.each<[string, Partial<RouteOptions>, RegExp]>([
      ['request validation', { requestSchema: { type: JsonSchemaType.OBJECT } }, /request validation \(requestSchema\)/],
      ['API keys', { apiKeyRequired: true }, /API keys \(apiKeyRequired\)/],
      ['route cache', { cache: { ttl: Duration.seconds(10) } }, /caching \(cache\)/],
      ['mock integration', { integration: RouteIntegration.mock() }, /mock integrations/],
    ])('route %s', (_name, route, feature) => {
      const error = expectApiError(() => httpApi({}, route));
      expect(error.errorId).toBe('RestOnlyFeature');
      expect(error.message).toMatch(feature);
      expect(error.message).toMatch(/routes\["GET \/items"\]/);
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

  test('grantInvalidateCache is REST-only', () => {
    const { api, stack } = httpApi();
    const error = expectApiError(() => api.grantInvalidateCache(inlineFunction(stack, 'Other')));
    expect(error.errorId).toBe('RestOnlyFeature');
  });
});
