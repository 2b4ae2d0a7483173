import { Duration, Lazy } from 'aws-cdk-lib';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { EndpointType, JsonSchemaType, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { CfnUserPool } from 'aws-cdk-lib/aws-cognito';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiAuth, ApiCustomDomain, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { RouteOptions, ServerlessApiProps } from '../../lib';
import { ECHO_ENTRY, expectApiError, inlineFunction, newStack, templateOf } from '../support/stacks';
import { itemsApi } from '../support/serverless-api-fixtures';

const JWT = { issuer: 'https://id.example.com/', audience: ['items-api'] };

/** GIVEN the shared fixture: one function behind a public GET /items route. */
const restApi = (props: Partial<ServerlessApiProps> = {}) => itemsApi(ApiKind.REST, props);

/** An OpenAPI parameter object as the REST backend writes it. */
interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
}

/** An OpenAPI operation with API Gateway's integration extension. */
interface OpenApiOperation {
  readonly operationId?: string;
  readonly parameters?: OpenApiParameter[];
  readonly requestBody?: unknown;
  readonly security?: Array<Record<string, string[]>>;
  readonly responses: Record<string, unknown>;
  readonly 'x-amazon-apigateway-integration': Record<string, unknown>;
  readonly 'x-amazon-apigateway-request-validator'?: string;
}

/** The OpenAPI document a REST API is imported from (its `Body`), resolved. */
interface OpenApiBody {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components: { readonly securitySchemes: Record<string, Record<string, unknown>>; readonly schemas: Record<string, unknown> };
  readonly [extension: string]: unknown;
}

/** The body of the one REST API in the template. */
function bodyOf(template: Template): OpenApiBody {
  const apis = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
  expect(apis).toHaveLength(1);
  return apis[0].Properties.Body as OpenApiBody;
}

/** The operation of `method` (lower case, or `x-amazon-apigateway-any-method`) under `path`; fails when there is none. */
function operationOf(body: OpenApiBody, path: string, method: string): OpenApiOperation {
  const operation = body.paths[path]?.[method];
  expect(operation).toBeDefined();
  return operation;
}

/** The security schemes that are API Gateway authorizers (Lambda or Cognito), by name. */
function authorizerSchemes(body: OpenApiBody): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(body.components.securitySchemes).filter(([, scheme]) => 'x-amazon-apigateway-authorizer' in scheme));
}

/** The names of the security schemes an operation requires (one requirement object). */
function requiredSchemes(operation: OpenApiOperation): string[] {
  expect(operation.security).toHaveLength(1);
  return Object.keys(operation.security![0]);
}

/** How many resources of each type the template has. */
function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values<{ Type: string }>(template.toJSON().Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  return counts;
}

/** The logical id of a function, as templates reference it. */
const logicalIdOf = (stack: Stack, fn: IFunction) => stack.getLogicalId(fn.node.defaultChild as CfnFunction);

/** A Lambda proxy integration calling `fn`, as the REST backend writes it (a jest matcher). */
const lambdaProxyTo = (stack: Stack, fn: IFunction) => ({
  type: 'aws_proxy',
  httpMethod: 'POST',
  passthroughBehavior: 'when_no_match',
  uri: { 'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [logicalIdOf(stack, fn), 'Arn'] }, '/invocations'])] },
});

/** The SourceArn of an invoke permission, `<the API's execute-api ARN><suffix>` (a template matcher). */
const executeApiArn = (apiLogicalId: string, suffix: string) => ({ 'Fn::Join': ['', Match.arrayWith([{ Ref: apiLogicalId }, suffix])] });

/** The logical id of the one REST API in the template. */
function restApiLogicalId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::ApiGateway::RestApi'));
  expect(ids).toHaveLength(1);
  return ids[0];
}

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
    // GIVEN one function behind three routes on two paths
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
    const body = bodyOf(template);

    // THEN each route is an operation proxying to the function, without a timeout of its own
    for (const [path, method] of [['/items', 'get'], ['/items', 'post'], ['/items/{id}', 'get']]) {
      expect(operationOf(body, path, method)['x-amazon-apigateway-integration']).toEqual(lambdaProxyTo(stack, fn));
    }
    // ...the path parameter is declared, and required
    expect(operationOf(body, '/items/{id}', 'get').parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    // ...and one permission lets API Gateway invoke the function from any method and path of this API
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, fn), 'Arn'] },
      SourceArn: executeApiArn(restApiLogicalId(template), '/*/*/*'),
    });
  });

  test('one invoke permission per function per API, however many routes: a second function gets its own', () => {
    // GIVEN two functions, one behind two routes, the other behind one
    const { stack } = newStack();
    const items = inlineFunction(stack, 'Items');
    const orders = inlineFunction(stack, 'Orders');
    new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev(),
      routes: {
        'GET /items': { integration: RouteIntegration.fromFunction(items), auth: ApiAuth.none() },
        'GET /items/{id}': { integration: RouteIntegration.fromFunction(items), auth: ApiAuth.none() },
        'GET /orders': { integration: RouteIntegration.fromFunction(orders), auth: ApiAuth.none() },
      },
    });
    const template = templateOf(stack);

    // THEN there is one permission for each function (two RouteIntegration objects for one function share it)
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    for (const fn of [items, orders]) {
      template.resourcePropertiesCountIs('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, fn), 'Arn'] } }, 1);
    }
  });

  test('a route costs no CloudFormation resource: a second route on the same function adds none', () => {
    // GIVEN an API with one route, and the same API with a second route (on a new path) to the same function
    const build = (routeKeys: string[]) => {
      const { stack } = newStack();
      const fn = inlineFunction(stack);
      const routes = Object.fromEntries(routeKeys.map((key): [string, RouteOptions] => [key, { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() }]));
      new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), routes });
      return templateOf(stack);
    };
    const one = build(['GET /items']);
    const two = build(['GET /items', 'POST /items/{id}']);

    // THEN the templates have the same resources, type by type...
    expect(resourceCounts(two)).toEqual(resourceCounts(one));
    two.resourceCountIs('AWS::ApiGateway::Resource', 0);
    two.resourceCountIs('AWS::ApiGateway::Method', 0);
    two.resourceCountIs('AWS::Lambda::Permission', 1);
    // ...while the definition did grow by the route
    expect(Object.keys(bodyOf(one).paths)).toEqual(['/items']);
    expect(Object.keys(bodyOf(two).paths)).toEqual(['/items', '/items/{id}']);
    expect(Object.keys(bodyOf(two).paths['/items/{id}'])).toEqual(['post']);
  });

  test("the deployment's logical id changes when a route is added, so CloudFormation deploys the new definition", () => {
    // GIVEN the fixture synthesized twice as is, and once with one more route added after construction
    const deploymentIds = (template: Template) => Object.keys(template.findResources('AWS::ApiGateway::Deployment'));
    const build = (extraRoute?: string) => {
      const { stack, api, fn } = restApi();
      if (extraRoute) api.addRoute(extraRoute, { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() });
      return templateOf(stack);
    };
    const before = build();
    const again = build();
    const after = build('POST /items');

    // THEN the id is stable while the definition is, and new once a route is added
    expect(deploymentIds(before)).toHaveLength(1);
    expect(deploymentIds(again)).toEqual(deploymentIds(before));
    expect(deploymentIds(after)).toHaveLength(1);
    expect(deploymentIds(after)[0]).not.toBe(deploymentIds(before)[0]);
    // ...and the stage points at the new deployment
    after.hasResourceProperties('AWS::ApiGateway::Stage', { DeploymentId: { Ref: deploymentIds(after)[0] } });
  });

  test('a REST API without routes fails at synth', () => {
    // GIVEN an API without routes
    const { app, stack } = newStack();
    new ServerlessApi(stack, 'Api', { profile: StageProfile.dev() });

    // WHEN the app synthesizes THEN it fails, saying why
    expect(() => app.synth()).toThrow(/The REST API has no routes: API Gateway cannot deploy an API without methods\. Add a route\./);
  });

  test('...and synthesizes once a route is added after construction', () => {
    // GIVEN an API without routes in its props, WHEN a route is added later
    const { app, stack } = newStack();
    const api = new ServerlessApi(stack, 'Api', { profile: StageProfile.dev() });
    api.addRoute('GET /health', { integration: RouteIntegration.mock(), auth: ApiAuth.none() });

    // THEN the app synthesizes
    expect(() => app.synth()).not.toThrow();
  });

  test('addRoute adds a method after construction', () => {
    // GIVEN the fixture, WHEN a route is added after construction
    const { stack, api, fn } = restApi();
    api.addRoute('DELETE /items/{id}', { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() });

    // THEN both the synthesized body and openApiDocument have it
    const body = bodyOf(templateOf(stack));
    expect(Object.keys(body.paths)).toEqual(['/items', '/items/{id}']);
    expect(operationOf(body, '/items/{id}', 'delete')['x-amazon-apigateway-integration']).toEqual(lambdaProxyTo(stack, fn));
    expect(stack.resolve(api.openApiDocument)).toMatchObject({ paths: { '/items/{id}': { delete: { operationId: 'deleteItemsById' } } } });
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
    // One invoke permission for the one function of both routes.
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    // Named after the entry's path relative to the app, not the order of the routes.
    expect(Object.keys(api.functions)).toEqual(['TestFixturesEchoHandlerFunction']);
    // Errors and throttles alarms for the function, besides the three API alarms.
    expect(api.alarms).toHaveLength(5);
  });

  test('a mock route answers with a fixed status and body, and needs no function', () => {
    // GIVEN a mock route only (the fixture's function serves no route)
    const { template } = restApi({
      routes: { 'GET /health': { integration: RouteIntegration.mock({ statusCode: 203, body: JSON.stringify({ status: 'ok' }) }), auth: ApiAuth.none() } },
    });

    // THEN the operation is a mock answering 203 with the body
    const operation = operationOf(bodyOf(template), '/health', 'get');
    expect(operation['x-amazon-apigateway-integration']).toEqual({
      type: 'mock',
      passthroughBehavior: 'never',
      requestTemplates: { 'application/json': '{"statusCode":203}' },
      responses: { default: { statusCode: '203', responseTemplates: { 'application/json': '{"status":"ok"}' } } },
    });
    expect(Object.keys(operation.responses)).toEqual(['203']);
    // ...and no function is created or invoked for it
    template.resourceCountIs('AWS::Lambda::Function', 1); // only the test's own function
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('an HTTP proxy route forwards to the URL with its path parameters', () => {
    const { template } = restApi({
      routes: { 'GET /users/{id}': { integration: RouteIntegration.httpProxy('https://backend.example.com/users/{id}'), auth: ApiAuth.none() } },
    });

    const operation = operationOf(bodyOf(template), '/users/{id}', 'get');
    expect(operation['x-amazon-apigateway-integration']).toMatchObject({
      type: 'http_proxy',
      httpMethod: 'GET',
      uri: 'https://backend.example.com/users/{id}',
      requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
    });
    expect(operation.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  describe('authorization', () => {
    test('a route without auth that is not public fails, naming the route', () => {
      const { stack } = newStack();
      const fn = inlineFunction(stack);
      const error = expectApiError(
        () => new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), routes: { 'GET /items': { integration: RouteIntegration.fromFunction(fn) } } }),
      );
      expect(error.errorId).toBe('RouteUnauthorized');
      expect(error.message).toMatch(/routes\["GET \/items"\] has no authorization.*auth: ApiAuth\.none\(\)/);
    });

    test('ApiAuth.none() on a route makes it public under a defaultAuth; the other routes keep the default', () => {
      // GIVEN a JWT default, and one route that opts out
      const { template } = restApi({
        defaultAuth: ApiAuth.jwt(JWT),
        routes: { 'GET /health': { integration: RouteIntegration.mock(), auth: ApiAuth.none() }, 'GET /items': { integration: RouteIntegration.mock() } },
      });
      const body = bodyOf(template);

      // THEN the public operation requires no security scheme, the other the authorizer
      expect(operationOf(body, '/health', 'get').security).toEqual([]);
      expect(requiredSchemes(operationOf(body, '/items', 'get'))).toEqual(Object.keys(authorizerSchemes(body)));
      expect(Object.keys(authorizerSchemes(body))).toHaveLength(1);
    });

    test('JWT auth uses the bundled token authorizer (through its live alias), configured from the ApiAuth', () => {
      const { stack, api, template } = restApi({
        defaultAuth: ApiAuth.jwt({ ...JWT, scopes: ['items/read', 'items/write'], resultsCacheTtl: Duration.seconds(60) }),
        routes: { 'GET /items': { integration: RouteIntegration.mock() }, 'GET /other': { integration: RouteIntegration.mock() } },
      });
      const body = bodyOf(template);

      // THEN one token authorizer, reading the Authorization header, cached 60 s...
      const authorizers = authorizerSchemes(body);
      expect(Object.keys(authorizers)).toHaveLength(1);
      const [name, scheme] = Object.entries(authorizers)[0];
      expect(scheme).toMatchObject({
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authtype': 'custom',
        'x-amazon-apigateway-authorizer': { type: 'token', identitySource: 'method.request.header.Authorization', authorizerResultTtlInSeconds: 60 },
      });
      // ...invoking the bundled function's live alias (never the bare function), configured from the ApiAuth
      const authorizerFunctions = Object.entries(api.functions).filter(([id]) => id.startsWith('Authorizer'));
      expect(authorizerFunctions).toHaveLength(1);
      const [authorizerFnId, authorizerFn] = authorizerFunctions[0];
      const aliasId = stack.getLogicalId(api.releases[authorizerFnId].alias.node.defaultChild as CfnElement);
      expect(JSON.stringify(scheme)).toContain(`{"Ref":"${aliasId}"}`);
      expect(JSON.stringify(scheme)).not.toContain(logicalIdOf(stack, authorizerFn));
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Environment: {
          Variables: { JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: 'items-api', JWT_REQUIRED_SCOPES: 'items/read items/write' },
        },
      });
      // ...which API Gateway may invoke (the alias) as an authorizer of this API
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { Ref: aliasId },
        SourceArn: executeApiArn(restApiLogicalId(template), '/authorizers/*'),
      });
      // ...and every route requires it
      expect(requiredSchemes(operationOf(body, '/items', 'get'))).toEqual([name]);
      expect(requiredSchemes(operationOf(body, '/other', 'get'))).toEqual([name]);
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
      const body = bodyOf(template);

      // THEN a user pool authorizer of the pool...
      const authorizers = authorizerSchemes(body);
      expect(Object.keys(authorizers)).toHaveLength(1);
      const [name, scheme] = Object.entries(authorizers)[0];
      expect(scheme).toMatchObject({
        'x-amazon-apigateway-authtype': 'cognito_user_pools',
        'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [{ 'Fn::GetAtt': [stack.getLogicalId(pool.node.defaultChild as CfnUserPool), 'Arn'] }] },
      });
      // ...required with the route's scopes
      expect(operationOf(body, '/items', 'get').security).toEqual([{ [name]: ['items/read'] }]);
      // ...and no function to invoke
      template.resourceCountIs('AWS::Lambda::Permission', 0);
    });

    test('IAM auth needs no authorizer resource', () => {
      const { template } = restApi({ defaultAuth: ApiAuth.iam(), routes: { 'GET /items': { integration: RouteIntegration.mock() } } });
      const body = bodyOf(template);

      // THEN no authorizer: a SigV4 security scheme, which the operation requires
      expect(authorizerSchemes(body)).toEqual({});
      expect(body.components.securitySchemes).toEqual({
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      });
      expect(operationOf(body, '/items', 'get').security).toEqual([{ sigv4: [] }]);
      template.resourceCountIs('AWS::Lambda::Permission', 0);
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
      const body = bodyOf(template);

      // THEN a token authorizer reading X-Token, uncached, and a request authorizer reading the query string
      const [tokenName] = requiredSchemes(operationOf(body, '/a', 'get'));
      const [requestName] = requiredSchemes(operationOf(body, '/b', 'get'));
      expect(tokenName).not.toBe(requestName);
      const authorizers = authorizerSchemes(body);
      expect(Object.keys(authorizers).sort()).toEqual([tokenName, requestName].sort());
      expect(authorizers[tokenName]).toMatchObject({
        name: 'X-Token',
        'x-amazon-apigateway-authtype': 'custom',
        'x-amazon-apigateway-authorizer': { type: 'token', identitySource: 'method.request.header.X-Token', authorizerResultTtlInSeconds: 0 },
      });
      expect(authorizers[requestName]).toMatchObject({
        'x-amazon-apigateway-authtype': 'custom',
        'x-amazon-apigateway-authorizer': { type: 'request', identitySource: 'method.request.querystring.key' },
      });
      for (const scheme of Object.values(authorizers)) expect(JSON.stringify(scheme)).toContain(`"Fn::GetAtt":["${logicalIdOf(stack, authFn)}","Arn"]`);
      // ...and one permission for the function both authorizers invoke, scoped to this API's authorizers
      template.resourceCountIs('AWS::Lambda::Permission', 1);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, authFn), 'Arn'] },
        SourceArn: executeApiArn(restApiLogicalId(template), '/authorizers/*'),
      });
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
      const body = bodyOf(template);

      expect(Object.keys(authorizerSchemes(body))).toHaveLength(1);
      const authTypes = ['/a', '/b', '/c'].map((path) => body.components.securitySchemes[requiredSchemes(operationOf(body, path, 'get'))[0]]['x-amazon-apigateway-authtype']);
      expect(authTypes.sort()).toEqual(['awsSigv4', 'custom', 'custom']);
      expect(requiredSchemes(operationOf(body, '/a', 'get'))).toEqual(requiredSchemes(operationOf(body, '/b', 'get')));
    });

    test('an authorizer cache TTL over 3600 s is rejected', () => {
      const error = expectApiError(() =>
        restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.jwt({ ...JWT, resultsCacheTtl: Duration.hours(2) }) } } }),
      );
      expect(error.errorId).toBe('AuthorizerCacheTtlOutOfRange');
      expect(error.message).toMatch(/routes\["GET \/a"\]\.auth\.resultsCacheTtl \(seconds\) must be a whole number from 0 to 3600\. Got: 7200/);
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
      const body = bodyOf(template);
      const corsHeaders = { 'Access-Control-Allow-Origin': "'https://app.example.com'", 'Access-Control-Allow-Credentials': "'true'" };

      // THEN the preflight is a mock answering 204 with the CORS headers, requiring neither authorizer nor key
      const preflight = operationOf(body, '/items', 'options');
      expect(preflight.security).toEqual([]);
      expect(preflight['x-amazon-apigateway-integration']).toMatchObject({
        type: 'mock',
        responses: {
          default: {
            statusCode: '204',
            responseParameters: Object.fromEntries(Object.entries(corsHeaders).map(([k, v]) => [`method.response.header.${k}`, v])),
          },
        },
      });
      // ...API Gateway's own 4XX and 5XX answers carry the CORS headers
      const gatewayHeaders = { responseParameters: Object.fromEntries(Object.entries(corsHeaders).map(([k, v]) => [`gatewayresponse.header.${k}`, v])) };
      expect(body['x-amazon-apigateway-gateway-responses']).toEqual({ DEFAULT_4XX: gatewayHeaders, DEFAULT_5XX: gatewayHeaders });
      // ...and the GET requires its authorizer and the API key, read from the header
      const get = operationOf(body, '/items', 'get');
      expect(requiredSchemes(get).sort()).toEqual([...Object.keys(authorizerSchemes(body)), 'api_key'].sort());
      expect(get.security![0].api_key).toEqual([]);
      expect(body.components.securitySchemes.api_key).toEqual({ type: 'apiKey', name: 'x-api-key', in: 'header' });
      expect(body['x-amazon-apigateway-api-key-source']).toBe('HEADER');
    });

    test('several origins: error responses never echo the unchecked Origin; they carry no CORS headers', () => {
      const { template } = restApi({ cors: { allowOrigins: ['https://a.example.com', 'https://b.example.com'], allowCredentials: true } });
      const body = bodyOf(template);

      expect(body['x-amazon-apigateway-gateway-responses']).toBeUndefined();
      expect(JSON.stringify(template.toJSON())).not.toContain('method.request.header.Origin');
      // The preflight echoes the caller's Origin only when it is one of the allowed ones.
      const preflight = operationOf(body, '/items', 'options')['x-amazon-apigateway-integration'] as { responses: { default: { responseTemplates: Record<string, string> } } };
      expect(preflight.responses.default.responseTemplates['application/json']).toContain('#if($origin == "https://a.example.com" || $origin == "https://b.example.com")');
    });

    test('a wildcard origin with credentials is rejected', () => {
      const error = expectApiError(() => restApi({ cors: { allowOrigins: ['*'], allowCredentials: true } }));
      expect(error.errorId).toBe('CorsWildcardWithCredentials');
      expect(error.message).toMatch(/cors\.allowOrigins.*cors\.allowCredentials.*Got: \["\*"\]/);
    });
  });

  describe('request validation', () => {
    /** GIVEN a public POST /items route with this request schema. */
    const withSchema = (requestSchema: JsonSchema) =>
      restApi({ routes: { 'POST /items': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), requestSchema } } });

    test('a route schema becomes a model on the method, behind the API validator', () => {
      const { template } = withSchema({ type: JsonSchemaType.OBJECT, required: ['name'], properties: { name: { type: JsonSchemaType.STRING } } });
      const body = bodyOf(template);

      // THEN the API validates bodies and parameters of every method...
      expect(body['x-amazon-apigateway-request-validators']).toEqual({ 'body-and-parameters': { validateRequestBody: true, validateRequestParameters: true } });
      expect(body['x-amazon-apigateway-request-validator']).toBe('body-and-parameters');
      // ...the schema is a model...
      expect(body.components.schemas).toEqual({ PostItemsRequest: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } });
      // ...which the method's JSON body must match
      const operation = operationOf(body, '/items', 'post');
      expect(operation.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PostItemsRequest' } } } });
      expect(operation['x-amazon-apigateway-request-validator']).toBeUndefined();
    });

    test('$schema (schema: JsonSchemaVersion.DRAFT4) is dropped from the model', () => {
      const { template } = withSchema({ schema: JsonSchemaVersion.DRAFT4, type: JsonSchemaType.OBJECT, properties: { name: { type: JsonSchemaType.STRING } } });

      expect(bodyOf(template).components.schemas).toEqual({ PostItemsRequest: { type: 'object', properties: { name: { type: 'string' } } } });
    });

    test.each<[string, JsonSchema, RegExp]>([
      [
        'a type array',
        { type: [JsonSchemaType.STRING, JsonSchemaType.NULL] },
        /routes\["POST \/items"\]\.requestSchema\.type must be one type in OpenAPI 3\.0\. Got: \["string","null"\]/,
      ],
      [
        'a nested type array',
        { type: JsonSchemaType.OBJECT, properties: { name: { type: [JsonSchemaType.STRING, JsonSchemaType.INTEGER] } } },
        /routes\["POST \/items"\]\.requestSchema\.properties\.name\.type must be one type in OpenAPI 3\.0.*Got: \["string","integer"\]/,
      ],
      ['a null type', { type: JsonSchemaType.NULL }, /routes\["POST \/items"\]\.requestSchema\.type must be one of string, number, integer, boolean, array, object in OpenAPI 3\.0\. Got: "null"/],
      [
        'patternProperties',
        { type: JsonSchemaType.OBJECT, patternProperties: { '^x-': { type: JsonSchemaType.STRING } } },
        /routes\["POST \/items"\]\.requestSchema\.patternProperties is a JSON-schema keyword that OpenAPI 3\.0 schemas do not have \(patternProperties\)\. Got: \{"\^x-":\{"type":"string"\}\}/,
      ],
    ])('%s is not OpenAPI 3.0 and is rejected, naming the keyword', (_what, requestSchema, message) => {
      const error = expectApiError(() => withSchema(requestSchema));
      expect(error.errorId).toBe('RequestSchemaInvalid');
      expect(error.message).toMatch(message);
    });

    /** GIVEN two routes whose paths differ only in punctuation (both would be "postUserSettings"), each with its own schema. */
    const collidingRoutes = () =>
      bodyOf(
        restApi({
          routes: {
            'POST /user-settings': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), requestSchema: { type: JsonSchemaType.OBJECT, required: ['theme'] } },
            'POST /user/settings': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), requestSchema: { type: JsonSchemaType.OBJECT, required: ['locale'] } },
          },
        }).template,
      );

    // Library bug (lib/core/backends/rest-backend.ts addRoute): the model is named after the operation id, and a second route with the same id overwrites the first one's model.
    test('each route is validated against its own schema, also when two routes would get the same operation id', () => {
      const body = collidingRoutes();

      // THEN each request body refers to a model holding that route's schema
      const modelOf = (path: string) => {
        const ref = (operationOf(body, path, 'post').requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json'].schema.$ref;
        return body.components.schemas[ref.replace('#/components/schemas/', '')];
      };
      expect(modelOf('/user-settings')).toEqual({ type: 'object', required: ['theme'] });
      expect(modelOf('/user/settings')).toEqual({ type: 'object', required: ['locale'] });
    });

    // Library bug (lib/core/openapi/operations.ts operationId): ids are not made unique within the document.
    test('operation ids are unique in the document, as OpenAPI requires', () => {
      const body = collidingRoutes();

      expect(operationOf(body, '/user-settings', 'post').operationId).not.toBe(operationOf(body, '/user/settings', 'post').operationId);
    });
  });

  describe('integration timeout', () => {
    test('is written to the integration', () => {
      // GIVEN the fixture without a timeout, and a route with one
      const { template } = restApi();
      const t2 = restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), timeout: Duration.seconds(5) } } }).template;

      // THEN only the route with a timeout has one (the other keeps API Gateway's default)
      expect(operationOf(bodyOf(t2), '/a', 'get')['x-amazon-apigateway-integration']).toMatchObject({ timeoutInMillis: 5000 });
      expect(operationOf(bodyOf(template), '/items', 'get')['x-amazon-apigateway-integration']).not.toHaveProperty('timeoutInMillis');
    });

    test.each([Duration.millis(49), Duration.millis(29_001)])('%s is out of range on REST', (timeout) => {
      const error = expectApiError(() => restApi({ routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), timeout } } }));
      expect(error.errorId).toBe('IntegrationTimeoutOutOfRange');
      expect(error.message).toMatch(new RegExp(`routes\\["GET /a"\\]\\.timeout must be from 50 ms to 29000 ms.*Got: ${timeout.toMilliseconds()} ms`));
    });
  });

  describe('route throttles', () => {
    test("a route throttle becomes a stage method setting for the route's path and method, beside the stage-wide one", () => {
      // GIVEN a throttled route and an unthrottled one, on a stage throttled at 7/9
      const { template } = restApi({
        profile: StageProfile.test({ throttle: { rateLimit: 7, burstLimit: 9 } }),
        routes: {
          'GET /items/{id}': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), throttle: { rateLimit: 5, burstLimit: 10 } },
          'POST /items': { integration: RouteIntegration.mock(), auth: ApiAuth.none() },
        },
      });

      // THEN the stage has the stage-wide setting and one for the throttled route only, which repeats the other stage settings
      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
      expect(stage.Properties.MethodSettings).toEqual([
        expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 }),
        expect.objectContaining({
          ResourcePath: '/~1items~1{id}',
          HttpMethod: 'GET',
          ThrottlingRateLimit: 5,
          ThrottlingBurstLimit: 10,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: false,
          CachingEnabled: false,
        }),
      ]);
    });

    test('a throttled, cached route gets one method setting with both', () => {
      const { template } = restApi({
        profile: StageProfile.prod({ caching: { clusterSize: '0.5' } }),
        routes: { 'GET /items': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), throttle: { rateLimit: 5, burstLimit: 10 }, cache: { ttl: Duration.seconds(30) } } },
      });

      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
      const routeSettings = stage.Properties.MethodSettings.filter((s: { ResourcePath: string }) => s.ResourcePath === '/~1items');
      expect(routeSettings).toEqual([
        expect.objectContaining({ HttpMethod: 'GET', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10, CachingEnabled: true, CacheTtlInSeconds: 30, CacheDataEncrypted: true }),
      ]);
    });

    test.each([
      [{ rateLimit: -1, burstLimit: 10 }, 'rateLimit', '-1'],
      [{ rateLimit: 1.5, burstLimit: 10 }, 'rateLimit', '1.5'],
      [{ rateLimit: 5, burstLimit: -2 }, 'burstLimit', '-2'],
      [{ rateLimit: 5, burstLimit: 2.5 }, 'burstLimit', '2.5'],
    ])('throttle %j is rejected, naming %s', (throttle, field, got) => {
      const error = expectApiError(() => restApi({ routes: { 'GET /items': { integration: RouteIntegration.mock(), auth: ApiAuth.none(), throttle } } }));
      expect(error.errorId).toBe('RouteThrottleInvalid');
      expect(error.message).toContain(`routes["GET /items"].throttle.${field} must be a whole number from 0 to `);
      expect(error.message).toContain(`Got: ${got}`);
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
      const operation = operationOf(bodyOf(template), '/items/{id}', 'get');
      expect(operation['x-amazon-apigateway-integration']).toMatchObject({
        cacheKeyParameters: ['method.request.path.id', 'method.request.header.Authorization', 'method.request.querystring.fields'],
      });
      // Every cache key is a declared method request parameter; only the path one is required.
      expect(operation.parameters).toEqual([
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'Authorization', in: 'header', required: false, schema: { type: 'string' } },
        { name: 'fields', in: 'query', required: false, schema: { type: 'string' } },
      ]);
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

      // THEN the path keeps the greedy parameter, declared like any path parameter, with API Gateway's any-method operation
      const operation = operationOf(bodyOf(template), '/files/{proxy+}', 'x-amazon-apigateway-any-method');
      expect(operation.parameters).toEqual([{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }]);
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

describe('ServerlessApi (REST): what API Gateway would refuse or get wrong at deploy', () => {
  const CACHING = StageProfile.dev({ caching: { clusterSize: '0.5', defaultTtl: Duration.seconds(300) } });

  test('a throttled route that is not cached gets a method setting that does not cache, also on a caching stage', () => {
    // GIVEN a stage that caches GET methods for 300 s by default, and a throttled POST
    const { stack, api } = restApi({ profile: CACHING });
    api.addRoute('POST /orders', { integration: RouteIntegration.mock(), auth: ApiAuth.none(), throttle: { rateLimit: 5, burstLimit: 10 } });

    // THEN its own setting replaces the stage-wide one without switching caching on for writes
    const stage = Object.values(templateOf(stack).findResources('AWS::ApiGateway::Stage'))[0] as { Properties: { MethodSettings: Array<Record<string, unknown>> } };
    expect(stage.Properties.MethodSettings.find((s) => s.ResourcePath === '/~1orders')).toMatchObject({ HttpMethod: 'POST', CachingEnabled: false, ThrottlingRateLimit: 5 });
  });

  test("on a stage whose cache has a default TTL, a GET route is keyed like a cached route: path parameters and the caller's identity", () => {
    // GIVEN / WHEN
    const { stack, api } = restApi({ profile: CACHING, defaultAuth: ApiAuth.jwt(JWT) });
    api.addRoute('GET /items/{id}', { integration: RouteIntegration.mock() });

    // THEN
    const integration = operationOf(bodyOf(templateOf(stack)), '/items/{id}', 'get')['x-amazon-apigateway-integration'];
    expect(integration.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.Authorization']);
  });

  test('on such a stage, an IAM-authorized GET route without keyParameters fails: its callers cannot be told apart', () => {
    const { api } = restApi({ profile: CACHING });
    const error = expectApiError(() => api.addRoute('GET /private', { integration: RouteIntegration.mock(), auth: ApiAuth.iam() }));
    expect(error.errorId).toBe('RouteCacheKeyMissing');
    expect(error.message).toContain('addRoute("GET /private") (cached by profile.caching.defaultTtl) needs keyParameters');
  });

  test.each(['a~b', 'user@home', "it's"])('a path segment %s that REST APIs refuse fails at synth; HTTP APIs take it', (segment) => {
    const { api } = restApi();
    expect(expectApiError(() => api.addRoute(`GET /${segment}`, { integration: RouteIntegration.mock(), auth: ApiAuth.none() })).errorId).toBe('RouteKeyInvalid');
    const http = itemsApi(ApiKind.HTTP);
    expect(() => http.api.addRoute(`GET /${segment}`, { integration: RouteIntegration.fromFunction(http.fn), auth: ApiAuth.none() })).not.toThrow();
  });

  test('an httpProxy URL placeholder the route lacks fails; the route passes only the parameters the URL uses', () => {
    const { stack, api } = restApi();
    expect(expectApiError(() => api.addRoute('GET /x', { integration: RouteIntegration.httpProxy('https://b.example.com/{nope}'), auth: ApiAuth.none() })).errorId).toBe('HttpProxyParameterUnknown');
    api.addRoute('GET /y/{id}/{tag}', { integration: RouteIntegration.httpProxy('https://b.example.com/things/{id}'), auth: ApiAuth.none() });
    expect(operationOf(bodyOf(templateOf(stack)), '/y/{id}/{tag}', 'get')['x-amazon-apigateway-integration'].requestParameters).toEqual({
      'integration.request.path.id': 'method.request.path.id',
    });
  });

  test('exposeHeaders reach the answers API Gateway writes itself (gateway responses and mock answers)', () => {
    const { template } = itemsApi(ApiKind.REST, { cors: { allowOrigins: ['https://app.example.com'], exposeHeaders: ['X-Request-Id', 'ETag'] } }, { integration: RouteIntegration.mock() });
    const body = bodyOf(template);
    expect(body['x-amazon-apigateway-gateway-responses']).toMatchObject({
      DEFAULT_4XX: { responseParameters: { 'gatewayresponse.header.Access-Control-Expose-Headers': "'X-Request-Id,ETag'" } },
    });
    const answer = (operationOf(body, '/items', 'get')['x-amazon-apigateway-integration'].responses as Record<string, { responseParameters: Record<string, string> }>).default;
    expect(answer.responseParameters['method.response.header.Access-Control-Expose-Headers']).toBe("'X-Request-Id,ETag'");
  });

  test('a private endpoint without a resource policy fails at synth', () => {
    const error = expectApiError(() => restApi({ endpointType: EndpointType.PRIVATE }));
    expect(error.errorId).toBe('PrivateApiPolicyMissing');
  });

  test.each(['anyOf', 'oneOf', 'allOf'])('a composed schema (%s) fails: API Gateway\'s import drops it, and the body would go unchecked', (keyword) => {
    const { api } = restApi();
    const requestSchema = { type: JsonSchemaType.OBJECT, properties: { a: { [keyword]: [{ type: JsonSchemaType.STRING }, { type: JsonSchemaType.NUMBER }] } } } as JsonSchema;
    const error = expectApiError(() => api.addRoute('POST /c', { integration: RouteIntegration.mock(), auth: ApiAuth.none(), requestSchema }));
    expect(error.errorId).toBe('RequestSchemaInvalid');
    expect(error.message).toContain(`addRoute("POST /c").requestSchema.properties.a.${keyword}`);
  });

  test('a schema $ref to a model the API does not have fails the synth', () => {
    const { stack, api } = restApi();
    api.addRoute('POST /r', { integration: RouteIntegration.mock(), auth: ApiAuth.none(), requestSchema: { ref: '#/components/schemas/Missing' } });
    expect(() => templateOf(stack)).toThrow(/refers to #\/components\/schemas\/Missing, which is not a model of this API/);
  });
});
