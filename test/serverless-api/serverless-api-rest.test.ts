import { Duration, Lazy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EndpointType, JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiAuth, ApiCustomDomain, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { ServerlessApiProps } from '../../lib';
import { ECHO_ENTRY, expectApiError, inlineFunction, newStack, templateOf } from '../support/stacks';
import { itemsApi } from '../support/serverless-api-fixtures';

const JWT = { issuer: 'https://id.example.com/', audience: ['items-api'] };

/** GIVEN the shared fixture: one function behind a public GET /items route. */
const restApi = (props: Partial<ServerlessApiProps> = {}) => itemsApi(ApiKind.REST, props);

describe('ServerlessApi (REST)', () => {
  test('creates a Regional REST API with a stage configured from the profile', () => {
    const { template, api } = restApi({ profile: StageProfile.test({ throttle: { rateLimit: 7, burstLimit: 9 } }) });

    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'items', EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 }),
      ]),
    });
    // The account-level CloudWatch role is never created as a side effect.
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(api.restApi).toBeDefined();
    expect(api.httpApi).toBeUndefined();
    expect(api.stageName).toBe('test');
  });

  test('writes JSON access logs with the REST fields to a log group with the profile retention', () => {
    const { template } = restApi({ profile: StageProfile.prod() });

    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      status: '$context.status',
      integrationLatency: '$context.integration.latency',
      wafStatus: '$context.waf.status',
      apiKeyId: '$context.identity.apiKeyId',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  test('one function behind many routes gets one invoke permission', () => {
    const { stack } = newStack();
    const fn = inlineFunction(stack);
    const backend = RouteIntegration.fromFunction(fn);
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      routes: {
        'GET /items': { integration: backend, auth: ApiAuth.none() },
        'POST /items': { integration: backend, auth: ApiAuth.none() },
        'GET /items/{id}': { integration: backend, auth: ApiAuth.none() },
      },
    });
    const template = templateOf(stack);

    template.resourceCountIs('AWS::ApiGateway::Method', 3);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'apigateway.amazonaws.com', Action: 'lambda:InvokeFunction' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: { Type: 'AWS_PROXY', TimeoutInMillis: Match.absent() },
      RequestParameters: { 'method.request.path.id': true },
    });
  });

  test('addRoute adds a method after construction', () => {
    const { stack, api, fn } = restApi();
    api.addRoute('DELETE /items/{id}', { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() });

    templateOf(stack).hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'DELETE' });
  });

  test('an entry route bundles one function for every route that names the entry', () => {
    const { stack } = newStack();
    const echo = RouteIntegration.entry(ECHO_ENTRY);
    const api = new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      routes: { 'GET /a': { integration: echo, auth: ApiAuth.none() }, 'GET /b': { integration: RouteIntegration.entry(ECHO_ENTRY), auth: ApiAuth.none() } },
    });
    const template = templateOf(stack);

    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    // Named after the entry's path relative to the app, not the order of the routes.
    expect(Object.keys(api.functions)).toEqual(['TestFixturesEchoHandlerFunction']);
    // Errors and throttles alarms for the function, besides the three API alarms.
    expect(api.alarms).toHaveLength(5);
  });

  test('a mock route answers with a fixed status and body, and needs no function', () => {
    const { template } = restApi({
      routes: { 'GET /health': { integration: RouteIntegration.mock({ statusCode: 203, body: JSON.stringify({ status: 'ok' }) }), auth: ApiAuth.none() } },
    });

    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: {
        Type: 'MOCK',
        RequestTemplates: { 'application/json': '{"statusCode":203}' },
        IntegrationResponses: [Match.objectLike({ StatusCode: '203', ResponseTemplates: { 'application/json': '{"status":"ok"}' } })],
      },
      MethodResponses: [{ StatusCode: '203' }],
    });
    template.resourceCountIs('AWS::Lambda::Function', 1); // only the test's own function
  });

  test('an HTTP proxy route forwards to the URL with its path parameters', () => {
    const { template } = restApi({
      routes: { 'GET /users/{id}': { integration: RouteIntegration.httpProxy('https://backend.example.com/users/{id}'), auth: ApiAuth.none() } },
    });

    template.hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: {
        Type: 'HTTP_PROXY',
        IntegrationHttpMethod: 'GET',
        Uri: 'https://backend.example.com/users/{id}',
        RequestParameters: { 'integration.request.path.id': 'method.request.path.id' },
      },
    });
  });

  describe('authorization', () => {
    test('a route without auth that is not public fails, naming the route', () => {
      const { stack } = newStack();
      const fn = inlineFunction(stack);
      const error = expectApiError(
        () => new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), routes: { 'GET /items': { integration: RouteIntegration.fromFunction(fn) } } }),
      );
      expect(error.errorId).toBe('RouteUnauthorized');
      expect(error.message).toMatch(/routes\["GET \/items"\] has no authorization.*auth: ApiAuth.none()/);
    });

    test('public together with auth is rejected', () => {
      const { stack } = newStack();
      const fn = inlineFunction(stack);
      const error = expectApiError(
        () =>
          new ServerlessApi(stack, 'Api', {
            profile: StageProfile.dev(),
            routes: { 'GET /items': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none(), auth: ApiAuth.iam() } },
          }),
      );
      expect(error.errorId).toBe('RouteAuthAmbiguous');
    });

    test('JWT auth uses the bundled token authorizer, configured from the ApiAuth', () => {
      const { template } = restApi({
        defaultAuth: ApiAuth.jwt({ ...JWT, scopes: ['items/read', 'items/write'], resultsCacheTtl: Duration.seconds(60) }),
        routes: { 'GET /items': { integration: RouteIntegration.mock() }, 'GET /other': { integration: RouteIntegration.mock() } },
      });

      template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 60,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Environment: {
          Variables: { JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: 'items-api', JWT_REQUIRED_SCOPES: 'items/read items/write' },
        },
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', AuthorizationType: 'CUSTOM' });
    });

    test('BUG: the JWT authorizer refuses tokens by throwing, so it is alarmed on the AuthorizerErrors it counts, not on Lambda Errors', () => {
      // GIVEN two JWT authorizers on one API
      const { stack, api, template } = restApi({
        defaultAuth: ApiAuth.jwt(JWT),
        routes: { 'GET /a': { integration: RouteIntegration.mock() }, 'GET /b': { integration: RouteIntegration.mock(), auth: ApiAuth.jwt({ ...JWT, audience: ['other'] }) } },
      });

      // THEN each authorizer publishes into the API's namespace under the API's name...
      const authorizers = Object.entries(api.functions).filter(([id]) => id.startsWith('Authorizer'));
      expect(authorizers).toHaveLength(2);
      for (const [, fn] of authorizers) {
        expect(stack.resolve((fn.node.defaultChild as CfnFunction).environment)).toMatchObject({
          variables: { POWERTOOLS_METRICS_NAMESPACE: 'ServerlessApi', POWERTOOLS_SERVICE_NAME: 'items' },
        });
        // ...raises no alarm on Lambda Errors (every refused token is one), only on throttles
        const lambdaAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(fn.functionName) }] } }));
        expect(lambdaAlarms.map((a) => a.Properties.MetricName)).toEqual(['Throttles']);
      }
      // ...and one alarm watches the AuthorizerErrors they count
      const counted = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'ServerlessApi', MetricName: 'AuthorizerErrors' } });
      expect(Object.values(counted)).toEqual([
        expect.objectContaining({ Properties: expect.objectContaining({ Dimensions: [{ Name: 'service', Value: 'items' }], Statistic: 'Sum', Threshold: 1 }) }),
      ]);
    });

    test('Cognito auth adds a user pool authorizer and the route scopes', () => {
      const { stack } = newStack();
      const pool = new UserPool(stack, 'Pool');
      new ServerlessApi(stack, 'Api', {
        profile: StageProfile.dev(),
        defaultAuth: ApiAuth.cognito(pool, { scopes: ['items/read'] }),
        routes: { 'GET /items': { integration: RouteIntegration.mock() } },
      });
      const template = templateOf(stack);

      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
      template.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'COGNITO_USER_POOLS', AuthorizationScopes: ['items/read'] });
    });

    test('IAM auth needs no authorizer resource', () => {
      const { template } = restApi({ defaultAuth: ApiAuth.iam(), routes: { 'GET /items': { integration: RouteIntegration.mock() } } });

      template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
      template.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' });
    });

    test('custom Lambda token and request authorizers', () => {
      const { stack } = newStack();
      const authFn = inlineFunction(stack, 'AuthFn');
      new ServerlessApi(stack, 'Api', {
        profile: StageProfile.dev(),
        routes: {
          'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.lambdaToken(authFn, { header: 'X-Token', resultsCacheTtl: Duration.seconds(0) }) },
          'GET /b': {
            integration: RouteIntegration.mock(),
            auth: ApiAuth.lambdaRequest(authFn, { identitySources: ['method.request.querystring.key'] }),
          },
        },
      });
      const template = templateOf(stack);

      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'TOKEN', IdentitySource: 'method.request.header.X-Token', AuthorizerResultTtlInSeconds: 0 });
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', IdentitySource: 'method.request.querystring.key' });
    });

    test('a route auth overrides the default, and one ApiAuth object yields one authorizer', () => {
      const shared = ApiAuth.jwt(JWT);
      const { template } = restApi({
        defaultAuth: ApiAuth.iam(),
        routes: {
          'GET /a': { integration: RouteIntegration.mock(), auth: shared },
          'GET /b': { integration: RouteIntegration.mock(), auth: shared },
          'GET /c': { integration: RouteIntegration.mock() },
        },
      });

      template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
      expect(Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties.AuthorizationType).sort()).toEqual([
        'AWS_IAM',
        'CUSTOM',
        'CUSTOM',
      ]);
    });

    test('an authorizer cache TTL over 3600 s is rejected', () => {
      const error = expectApiError(() =>
        restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.jwt({ ...JWT, resultsCacheTtl: Duration.hours(2) }) } } }),
      );
      expect(error.errorId).toBe('AuthorizerCacheTtlOutOfRange');
      expect(error.message).toMatch(/resultsCacheTtl.*Got: 7200/);
    });

    test('more than 10 authorizers on one REST API are rejected', () => {
      const routes: NonNullable<ServerlessApiProps['routes']> = {};
      for (let i = 0; i < 11; i++) routes[`GET /r${i}`] = { integration: RouteIntegration.mock(), auth: ApiAuth.jwt(JWT) };
      const error = expectApiError(() => restApi({ routes }));
      expect(error.errorId).toBe('TooManyAuthorizers');
    });
  });

  describe('CORS', () => {
    test('preflight is public and key-free, and API Gateway errors carry CORS headers', () => {
      const { template } = restApi({
        defaultAuth: ApiAuth.jwt(JWT),
        cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true },
        routes: { 'GET /items': { integration: RouteIntegration.mock(), apiKeyRequired: true } },
      });

      template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS', AuthorizationType: 'NONE', ApiKeyRequired: false });
      for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          ResponseParameters: {
            'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
            'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
          },
        });
      }
      template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', ApiKeyRequired: true });
    });

    test('several origins: error responses never echo the unchecked Origin; they carry no CORS headers', () => {
      const { template } = restApi({ cors: { allowOrigins: ['https://a.example.com', 'https://b.example.com'], allowCredentials: true } });

      template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
      expect(JSON.stringify(template.toJSON())).not.toContain('method.request.header.Origin');
    });

    test('a wildcard origin with credentials is rejected', () => {
      const error = expectApiError(() => restApi({ cors: { allowOrigins: ['*'], allowCredentials: true } }));
      expect(error.errorId).toBe('CorsWildcardWithCredentials');
      expect(error.message).toMatch(/cors\.allowOrigins.*cors\.allowCredentials.*Got: \["\*"\]/);
    });
  });

  test('request validation: a route schema becomes a model on the method, behind the API validator', () => {
    const { template } = restApi({
      routes: {
        'POST /items': {
          integration: RouteIntegration.mock(),
          auth: ApiAuth.none(),
          requestSchema: { type: JsonSchemaType.OBJECT, required: ['name'], properties: { name: { type: JsonSchemaType.STRING } } },
        },
      },
    });

    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    template.hasResourceProperties('AWS::ApiGateway::Model', { ContentType: 'application/json', Schema: Match.objectLike({ required: ['name'] }) });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
      RequestValidatorId: Match.anyValue(),
    });
  });

  describe('integration timeout', () => {
    test('is written to the integration', () => {
      const { template, fn } = restApi();
      void fn;
      const t2 = restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), timeout: Duration.seconds(5) } } }).template;
      t2.hasResourceProperties('AWS::ApiGateway::Method', { Integration: { TimeoutInMillis: 5000 } });
      template.resourceCountIs('AWS::ApiGateway::Method', 1);
    });

    test.each([Duration.millis(49), Duration.millis(29_001)])('%s is out of range on REST', (timeout) => {
      const error = expectApiError(() => restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), timeout } } }));
      expect(error.errorId).toBe('IntegrationTimeoutOutOfRange');
      expect(error.message).toMatch(new RegExp(`routes\\["GET /a"\\]\\.timeout must be from 50 ms to 29000 ms.*Got: ${timeout.toMilliseconds()} ms`));
    });
  });

  describe('caching', () => {
    const cachedProfile = StageProfile.prod({ caching: { clusterSize: '1.6', defaultTtl: Duration.seconds(0) } });

    test('a stage cache from the profile is encrypted, and a route TTL gets its own method setting and cache keys', () => {
      const { template } = restApi({
        profile: cachedProfile,
        defaultAuth: ApiAuth.jwt(JWT),
        routes: {
          'GET /items/{id}': {
            integration: RouteIntegration.mock(),
            cache: { ttl: Duration.minutes(5), keyParameters: ['method.request.querystring.fields'] },
          },
        },
      });

      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        CacheClusterEnabled: true,
        CacheClusterSize: '1.6',
        MethodSettings: Match.arrayWith([
          Match.objectLike({ ResourcePath: '/*', HttpMethod: '*', CachingEnabled: true, CacheDataEncrypted: true, CacheTtlInSeconds: 0 }),
          Match.objectLike({ ResourcePath: '/~1items~1{id}', HttpMethod: 'GET', CachingEnabled: true, CacheTtlInSeconds: 300, CacheDataEncrypted: true, LoggingLevel: 'ERROR' }),
        ]),
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        Integration: {
          CacheKeyParameters: ['method.request.path.id', 'method.request.header.Authorization', 'method.request.querystring.fields'],
        },
        RequestParameters: {
          'method.request.path.id': true,
          'method.request.header.Authorization': false,
          'method.request.querystring.fields': false,
        },
      });
    });

    test('a route cache on a stage without a cache is rejected', () => {
      const error = expectApiError(() =>
        restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), cache: { ttl: Duration.seconds(10) } } } }),
      );
      expect(error.errorId).toBe('RouteCacheWithoutStageCache');
    });

    test.each([Duration.seconds(3601), Duration.millis(1500)])('a route TTL of %s is rejected', (ttl) => {
      const error = expectApiError(() =>
        restApi({ profile: cachedProfile, routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), cache: { ttl } } } }),
      );
      expect(error.errorId).toBe('CacheTtlOutOfRange');
      expect(error.message).toMatch(/routes\["GET \/a"\]\.cache\.ttl must be whole seconds from 0 to 3600/);
    });

    test('a cache cluster size outside the allowed set is rejected', () => {
      const error = expectApiError(() => restApi({ profile: StageProfile.prod({ caching: { clusterSize: '2' } }) }));
      expect(error.errorId).toBe('CacheClusterSizeInvalid');
      expect(error.message).toMatch(/profile\.caching\.clusterSize must be one of 0\.5, 1\.6.*Got: "2"/);
    });

    test('grantInvalidateCache lets only the grantee invalidate the stage cache', () => {
      const { stack, api } = restApi({ profile: cachedProfile });
      const role = new Role(stack, 'Invalidator', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
      api.grantInvalidateCache(role);

      templateOf(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [Match.objectLike({ Action: 'execute-api:InvalidateCache', Effect: 'Allow' })] },
        Roles: [{ Ref: Match.stringLikeRegexp('Invalidator') }],
      });
    });
  });

  test('webAclArn associates the web ACL with the stage', () => {
    const arn = 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/platform/abc';
    const { template } = restApi({ webAclArn: arn });

    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: arn, ResourceArn: Match.anyValue() });
  });

  test('resourcePolicy, endpointType, clientCertificate and disableExecuteApiEndpoint reach the API', () => {
    const policy = new PolicyDocument({
      statements: [new PolicyStatement({ effect: Effect.ALLOW, principals: [new AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] })],
    });
    const { template } = restApi({ resourcePolicy: policy, endpointType: EndpointType.EDGE, clientCertificate: true, disableExecuteApiEndpoint: true });

    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: Match.objectLike({ Statement: [Match.objectLike({ Action: 'execute-api:Invoke' })] }),
      EndpointConfiguration: { Types: ['EDGE'] },
      DisableExecuteApiEndpoint: true,
    });
    template.resourceCountIs('AWS::ApiGateway::ClientCertificate', 1);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { ClientCertificateId: Match.anyValue() });
  });

  test('a custom domain gets a certificate, TLS 1.2, a base-path mapping and A/AAAA records; url uses it', () => {
    const { stack } = newStack();
    const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const api = new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      routes: { 'GET /health': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } },
      customDomain: { domainName: 'api.example.com', hostedZone: zone, basePath: 'items' },
    });
    const template = templateOf(stack);

    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'items' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'A', Name: 'api.example.com.' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'AAAA', Name: 'api.example.com.' });
    expect(api.url).toBe('https://api.example.com/items/');
    expect(api.domain?.restDomain).toBeDefined();
  });

  test('two REST APIs share one domain under different base paths', () => {
    const { stack } = newStack();
    const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', hostedZone: zone, kind: ApiKind.REST });
    const routes = { 'GET /health': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } };
    new ServerlessApi(stack, 'Orders', { profile: StageProfile.dev(), routes, customDomain: { domain, basePath: 'orders' } });
    new ServerlessApi(stack, 'Items', { profile: StageProfile.dev(), routes, customDomain: { domain, basePath: 'items' } });
    const template = templateOf(stack);

    template.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 2);
    const error = expectApiError(() => new ServerlessApi(stack, 'Again', { profile: StageProfile.dev(), routes, customDomain: { domain, basePath: 'items' } }));
    expect(error.errorId).toBe('BasePathDuplicate');
  });

  test('a domain name with uppercase letters is rejected, naming the prop', () => {
    const error = expectApiError(() => restApi({ customDomain: { domainName: 'API.example.com', certificate: undefined } }));
    // Neither certificate nor zone fails too, but the name is checked first.
    expect(error.errorId).toBe('DomainNameInvalid');
    expect(error.message).toMatch(/customDomain\.domainName must not contain uppercase letters\. Got: "API\.example\.com"/);
  });

  test('a custom domain with neither certificate nor hosted zone is rejected', () => {
    const error = expectApiError(() => restApi({ customDomain: { domainName: 'api.example.com' } }));
    expect(error.errorId).toBe('CustomDomainNeedsCertificateOrZone');
  });

  test('alarms and dashboard can be turned off', () => {
    const { template, api } = restApi({ alarms: false, dashboard: false });

    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(api.alarms).toEqual([]);
    expect(api.dashboard).toBeUndefined();
  });

  test('alarms follow AWS recommendations and notify the profile topic', () => {
    const { template, api } = restApi();

    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Statistic: 'Average',
      Threshold: 0.05,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'items' }, { Name: 'Stage', Value: 'dev' }]),
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(api.dashboard).toBeDefined();
  });

  test('functionOptions reach the created functions', () => {
    const { stack } = newStack();
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      functionOptions: { vpc, reservedConcurrentExecutions: 5, memorySize: 512, timeout: Duration.seconds(10) },
      routes: { 'GET /a': { integration: RouteIntegration.entry(ECHO_ENTRY), auth: ApiAuth.none() } },
    });

    templateOf(stack).hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      ReservedConcurrentExecutions: 5,
      MemorySize: 512,
      Timeout: 10,
    });
  });

  test('metric helpers use the REST metric names and dimensions', () => {
    const { api, stack } = restApi();

    const m = stack.resolve(api.metricServerError().toMetricConfig().metricStat);
    expect(m).toMatchObject({ metricName: '5XXError', namespace: 'AWS/ApiGateway', statistic: 'Average' });
    expect(api.metricClientError().metricName).toBe('4XXError');
    expect(api.metricLatency().metricName).toBe('Latency');
    expect(api.metricIntegrationLatency().metricName).toBe('IntegrationLatency');
    expect(api.metricCount().metricName).toBe('Count');
    expect(api.metric('CacheHitCount').metricName).toBe('CacheHitCount');
  });

  describe('route keys', () => {
    test.each([
      ['GET items', /must have a path starting with '\/'/],
      ['FETCH /items', /unknown method "FETCH"/],
      ['GET /items/', /must not end its path with '\/'/],
      ['GET /a//b', /empty path segment/],
      ['GET /{proxy+}/x', /greedy parameter "\{proxy\+\}" only as the last path segment/],
      ['GET /items/{id', /malformed path segment "\{id"/],
      ['/items', /must be 'METHOD \/path'/],
    ])('%s is rejected', (key, message) => {
      const error = expectApiError(() => restApi({ routes: { [key]: { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } }));
      expect(error.errorId).toBe('RouteKeyInvalid');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`Got: ${JSON.stringify(key)}`);
    });

    test('a duplicate route is rejected, also with other parameter names', () => {
      const { api } = restApi({ routes: { 'GET /items/{id}': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } });
      const error = expectApiError(() => api.addRoute('GET /items/{itemId}', { integration: RouteIntegration.mock(), auth: ApiAuth.none() }));
      expect(error.errorId).toBe('RouteDuplicate');
      expect(error.message).toMatch(/addRoute\("GET \/items\/\{itemId\}"\) duplicates the route "GET \/items\/\{id\}"/);
    });

    test('a greedy proxy at the end is accepted', () => {
      const { template } = restApi({ routes: { 'ANY /files/{proxy+}': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    });
  });

  test('profile checks run: a bad stage name fails naming profile.stageName', () => {
    const error = expectApiError(() => restApi({ profile: StageProfile.dev({ stageName: 'dev stage' }) }));
    expect(error.errorId).toBe('StageNameInvalid');
    expect(error.message).toMatch(/profile\.stageName must be 1 to 128 characters.*Got: "dev stage"/);
  });

  test('values that are tokens are left to CloudFormation', () => {
    const rate = Lazy.number({ produce: () => 10 });
    expect(() => restApi({ profile: StageProfile.dev({ throttle: { rateLimit: rate, burstLimit: 10 } }) }).template).not.toThrow();
  });
});
