import { Duration, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { WebSocketRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IConstruct } from 'constructs';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ApiAuth, ApiCustomDomain, ApiKind, PowertoolsLayer, RealtimeWebSocketApi, StageProfile } from '../../lib';
import { inlineFunction, templateOf } from '../support/stacks';
import { JWT, logicalIdOf, resolvedJson, userRouteFunction, webSocketApi } from '../support/realtime-websocket-api-fixtures';

/** The rules acknowledged on a construct itself (not inherited from its scope), with their reasons. */
function acknowledgedOn(construct: IConstruct): Record<string, string> {
  return Object.assign({}, ...construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data as Record<string, string>));
}

/** The rules acknowledged on each route of the API, by route key. */
function acknowledgedByRoute(api: RealtimeWebSocketApi): Record<string, Record<string, string>> {
  const routes = api.api.node.findAll().filter((c): c is WebSocketRoute => c instanceof WebSocketRoute);
  return Object.fromEntries(routes.map((route) => [route.routeKey, acknowledgedOn(route)]));
}

const APIG4 = 'AwsSolutions::AwsSolutions-APIG4';
const CT_AUTHORIZATION = 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check';

describe('RealtimeWebSocketApi', () => {
  describe('API and routes', () => {
    test('creates a WebSocket API that selects routes on $request.body.action', () => {
      // GIVEN / WHEN
      const { template } = webSocketApi({ description: 'Chat rooms' });

      // THEN
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        Name: 'chat',
        Description: 'Chat rooms',
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      });
    });

    test('names the API after the construct path when apiName is not given', () => {
      const { template } = webSocketApi({ apiName: undefined });

      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'TestStack-Chat' });
    });

    test('creates the six built-in routes, each with its own handler', () => {
      const { template, api } = webSocketApi();

      template.resourceCountIs('AWS::ApiGatewayV2::Route', 6);
      template.resourceCountIs('AWS::ApiGatewayV2::Integration', 6);
      template.resourceCountIs('AWS::Lambda::Function', 6);
      for (const key of ['$connect', '$disconnect', '$default', 'subscribe', 'unsubscribe', 'publish']) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'NONE' });
      }
      expect(api.handlers.authorizer).toBeUndefined();
    });

    test('BUILT_IN_ROUTES lists the route keys the construct creates', () => {
      const { template } = webSocketApi();

      const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
      expect([...keys].sort()).toEqual([...RealtimeWebSocketApi.BUILT_IN_ROUTES].sort());
    });

    test('functions lists every function the construct created, by construct id, and no user route function', () => {
      // GIVEN / WHEN a JWT-authorized API with a user route
      const { api } = webSocketApi((s) => ({ connectAuth: ApiAuth.jwt(JWT), routes: { sendMessage: userRouteFunction(s) } }));

      // THEN
      expect(Object.keys(api.functions).sort()).toEqual(
        ['AuthorizerHandler', 'ConnectHandler', 'DefaultHandler', 'DisconnectHandler', 'PublishHandler', 'SubscribeHandler', 'UnsubscribeHandler'],
      );
      expect(api.functions.PublishHandler).toBe(api.handlers.publish);
      expect(api.functions.DefaultHandler).toBe(api.handlers.fallback);
      expect(api.functions.AuthorizerHandler).toBe(api.handlers.authorizer);
    });

    test('sends the answers of $default, subscribe, unsubscribe and publish back to the caller', () => {
      const { template } = webSocketApi();

      template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 4);
      const routes = template.findResources('AWS::ApiGatewayV2::Route');
      const routeIdByKey = Object.fromEntries(Object.entries(routes).map(([id, r]) => [r.Properties.RouteKey, id]));
      for (const key of ['$default', 'subscribe', 'unsubscribe', 'publish']) {
        template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', { RouteId: { Ref: routeIdByKey[key] }, RouteResponseKey: '$default' });
        expect(routes[routeIdByKey[key]].Properties.RouteResponseSelectionExpression).toBe('$default');
      }
      for (const key of ['$connect', '$disconnect']) {
        expect(routes[routeIdByKey[key]].Properties.RouteResponseSelectionExpression).toBeUndefined();
      }
    });

    test('integrations are Lambda proxies with API Gateway’s default timeout unless one is set', () => {
      const { template } = webSocketApi();

      template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', TimeoutInMillis: Match.absent() });
    });

    test('integrationTimeout is written on every built-in integration', () => {
      const { template } = webSocketApi({ integrationTimeout: Duration.seconds(29) });

      template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { TimeoutInMillis: 29000 });
    });

    test('the shortest integration timeout, 50 ms, is accepted', () => {
      const { template } = webSocketApi({ integrationTimeout: Duration.millis(50) });

      template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { TimeoutInMillis: 50 });
    });

    test("lets API Gateway invoke each handler's live alias (never the bare function), scoped to this API", () => {
      const { template, stack, api } = webSocketApi();

      template.resourceCountIs('AWS::Lambda::Permission', 6);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { Ref: logicalIdOf(stack, api.releases.PublishHandler.alias) },
        SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalIdOf(stack, api.api) }])] }),
      });
      const permitted = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties.FunctionName);
      const aliases = Object.values(api.releases).map((r) => ({ Ref: logicalIdOf(stack, r.alias) }));
      expect(permitted).toEqual(expect.arrayContaining(aliases));
      expect(permitted).toHaveLength(aliases.length);
    });
  });

  describe('$connect authorization', () => {
    test('ApiAuth.none() leaves $connect without an authorizer', () => {
      const { template } = webSocketApi({ connectAuth: ApiAuth.none() });

      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'NONE', AuthorizerId: Match.absent() });
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    });

    test('ApiAuth.jwt adds a bundled REQUEST authorizer (called through its live alias) reading the token query parameter, on $connect only', () => {
      // GIVEN / WHEN
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      // THEN
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.querystring.token'],
        AuthorizerUri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ Ref: logicalIdOf(stack, api.releases.AuthorizerHandler.alias) }])],
        }),
      });
      expect(api.functions.AuthorizerHandler).toBe(api.handlers.authorizer);
      const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      const others = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((r) => r.Properties.RouteKey !== '$connect');
      expect(others).toHaveLength(5);
      for (const route of others) {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
      template.resourceCountIs('AWS::Lambda::Function', 7);
      template.resourceCountIs('AWS::Lambda::Permission', 7);
    });

    test('the JWT authorizer function gets the issuer and audiences, and no scope setting without scopes', () => {
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.authorizer!)];
      expect(fn.Properties.Environment.Variables).toMatchObject({ JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'chat,chat-admin' });
      expect(fn.Properties.Environment.Variables.JWT_REQUIRED_SCOPES).toBeUndefined();
      expect(fn.Properties.Environment.Variables.JWT_JWKS_URI).toBeUndefined();
    });

    test('the JWT authorizer function gets the required scopes and the JWKS URI when given', () => {
      const { template } = webSocketApi({
        connectAuth: ApiAuth.jwt({ ...JWT, scopes: ['chat/read', 'chat/write'], jwksUri: 'https://keys.example.com/jwks.json' }),
      });

      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            JWT_ISSUER: JWT.issuer,
            JWT_REQUIRED_SCOPES: 'chat/read chat/write',
            JWT_JWKS_URI: 'https://keys.example.com/jwks.json',
          }),
        },
      });
    });

    test('ApiAuth.iam() makes $connect require SigV4, with no authorizer resource', () => {
      const { template, api } = webSocketApi({ connectAuth: ApiAuth.iam() });

      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'AWS_IAM' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'publish', AuthorizationType: 'NONE' });
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
      expect(api.handlers.authorizer).toBeUndefined();
    });

    test('ApiAuth.lambdaRequest runs the given function with the given identity sources', () => {
      // GIVEN
      let authorizerFn: ReturnType<typeof inlineFunction> | undefined;
      // WHEN
      const { template, stack, api } = webSocketApi((s) => {
        authorizerFn = inlineFunction(s, 'MyAuthorizer');
        return { connectAuth: ApiAuth.lambdaRequest(authorizerFn, { identitySources: ['route.request.header.X-Api-Key'] }) };
      });

      // THEN
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.header.X-Api-Key'],
        AuthorizerUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalIdOf(stack, authorizerFn!), 'Arn'] }])] }),
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM' });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, authorizerFn!), 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
      });
      expect(api.handlers.authorizer).toBeUndefined();
    });
  });

  describe('acknowledgments of the authorization rules (cdk-nag APIG4, Control Tower)', () => {
    test('connectAuth: ApiAuth.none() acknowledges both rules on $connect, naming the explicit choice', () => {
      // GIVEN / WHEN
      const { api } = webSocketApi({ connectAuth: ApiAuth.none() });

      // THEN
      const connect = acknowledgedByRoute(api).$connect;
      expect(Object.keys(connect).sort()).toEqual([APIG4, CT_AUTHORIZATION]);
      expect(connect[APIG4]).toMatch(/connectAuth: ApiAuth\.none\(\), an explicit choice to accept connections without authorization/);
      expect(connect[CT_AUTHORIZATION]).toBe(connect[APIG4]);
    });

    test('the public-$connect acknowledgment is on $connect only: no other route, and not the API, stage or construct', () => {
      const { api } = webSocketApi((s) => ({ connectAuth: ApiAuth.none(), routes: { sendMessage: userRouteFunction(s) } }));

      const byRoute = acknowledgedByRoute(api);
      expect(Object.keys(byRoute).sort()).toEqual(['$connect', '$default', '$disconnect', 'publish', 'sendMessage', 'subscribe', 'unsubscribe']);
      for (const [key, rules] of Object.entries(byRoute)) {
        if (key === '$connect') continue;
        // Every other route is acknowledged for its own reason: it runs on an already-authorized connection.
        expect(rules[APIG4]).toMatch(/authorizes a WebSocket connection once, on \$connect/);
        expect(rules[APIG4]).not.toMatch(/ApiAuth\.none/);
      }
      // Acknowledgments apply to children too: none may sit on a scope that holds every route.
      for (const scope of [api, api.api, api.stage]) {
        expect(Object.keys(acknowledgedOn(scope))).not.toEqual(expect.arrayContaining([APIG4]));
        expect(Object.keys(acknowledgedOn(scope))).not.toEqual(expect.arrayContaining([CT_AUTHORIZATION]));
      }
    });

    test.each([
      ['ApiAuth.jwt', () => ApiAuth.jwt(JWT)],
      ['ApiAuth.iam', () => ApiAuth.iam()],
    ])('with %s, $connect is not acknowledged: it has an authorizer', (_name, auth) => {
      const { api } = webSocketApi({ connectAuth: auth() });

      const byRoute = acknowledgedByRoute(api);
      expect(byRoute.$connect).toEqual({});
      expect(Object.keys(byRoute.publish).sort()).toEqual([APIG4, CT_AUTHORIZATION]);
    });
  });

  describe('route throttles', () => {
    /** The stage as synthesized, and the logical id of each route by route key. */
    function stageAndRoutes(template: ReturnType<typeof webSocketApi>['template']) {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      const routeIds = Object.fromEntries(Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).map(([id, r]) => [r.Properties.RouteKey, id]));
      return { stage, routeIds };
    }

    test('routeThrottles on $connect and on a user route become RouteSettings keyed by route key; the stage waits for those routes', () => {
      // GIVEN / WHEN
      const { template } = webSocketApi((s) => ({
        routes: { sendMessage: userRouteFunction(s) },
        routeThrottles: { $connect: { rateLimit: 10, burstLimit: 20 }, sendMessage: { rateLimit: 1, burstLimit: 2 } },
      }));

      // THEN
      const { stage, routeIds } = stageAndRoutes(template);
      // A route's settings replace the stage's defaults: each repeats the profile's execution logging.
      const logging = { LoggingLevel: 'INFO', DataTraceEnabled: false };
      expect(stage.Properties.RouteSettings).toEqual({
        $connect: { ...logging, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        sendMessage: { ...logging, ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 },
      });
      expect(stage.DependsOn).toEqual(expect.arrayContaining([routeIds.$connect, routeIds.sendMessage]));
      expect(stage.DependsOn).not.toContain(routeIds.publish);
      // The stage-wide settings from the profile stay as they were.
      expect(stage.Properties.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: StageProfile.dev().throttle.rateLimit,
        ThrottlingBurstLimit: StageProfile.dev().throttle.burstLimit,
        LoggingLevel: 'INFO',
      });
    });

    test('addRoute(name, fn, { throttle }) throttles that route next to routeThrottles', () => {
      // GIVEN
      const { stack, api } = webSocketApi({ routeThrottles: { publish: { rateLimit: 50, burstLimit: 100 } } });

      // WHEN
      api.addRoute('typing', userRouteFunction(stack), { throttle: { rateLimit: 3, burstLimit: 4 } });

      // THEN
      const { stage, routeIds } = stageAndRoutes(templateOf(stack));
      const logging = { LoggingLevel: 'INFO', DataTraceEnabled: false };
      expect(stage.Properties.RouteSettings).toEqual({
        publish: { ...logging, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        typing: { ...logging, ThrottlingRateLimit: 3, ThrottlingBurstLimit: 4 },
      });
      expect(stage.DependsOn).toEqual(expect.arrayContaining([routeIds.publish, routeIds.typing]));
    });

    test('without route throttles the stage has no RouteSettings and waits for no route', () => {
      const { template } = webSocketApi();

      const { stage, routeIds } = stageAndRoutes(template);
      expect(stage.Properties.RouteSettings).toBeUndefined();
      for (const id of Object.values(routeIds)) expect(stage.DependsOn ?? []).not.toContain(id);
    });
  });

  describe('stage', () => {
    test('is auto-deployed and throttled from the profile', () => {
      const { template, api } = webSocketApi({ profile: StageProfile.test({ stageName: 'staging', throttle: { rateLimit: 12, burstLimit: 34 } }) });

      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: 'staging',
        AutoDeploy: true,
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 12, ThrottlingBurstLimit: 34 }),
      });
      expect(api.stageName).toBe('staging');
    });

    test('writes one-line JSON access logs with the connection, event type and route', () => {
      const { template, stack, api } = webSocketApi();

      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, api.accessLogGroup), 'Arn'] });
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
      expect(format).toMatchObject({
        connectionId: '$context.connectionId',
        eventType: '$context.eventType',
        routeKey: '$context.routeKey',
        requestId: '$context.requestId',
        integrationError: '$context.integration.error',
        authorizerError: '$context.authorizer.error',
      });
      expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/\n/);
    });

    test('the access-log group takes retention and key from the profile', () => {
      const { template, stack, api } = webSocketApi((s) => ({ profile: StageProfile.prod({ logEncryptionKey: new Key(s, 'LogKey') }) }));

      const logGroup = template.findResources('AWS::Logs::LogGroup')[logicalIdOf(stack, api.accessLogGroup)];
      expect(logGroup).toMatchObject({
        Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('LogKey')), 'Arn'] } },
        DeletionPolicy: 'Retain',
      });
    });

    test.each([
      ['dev', StageProfile.dev(), 'INFO', false],
      ['prod', StageProfile.prod(), 'ERROR', false],
      ['dev with data trace', StageProfile.dev({ dataTrace: true }), 'INFO', true],
      ['test with logging off', StageProfile.test({ executionLogLevel: MethodLoggingLevel.OFF }), 'OFF', false],
    ])('execution logs from the %s profile', (_name, profile, level, dataTrace) => {
      const { template } = webSocketApi({ profile });

      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: Match.objectLike({ LoggingLevel: level, DataTraceEnabled: dataTrace }),
      });
    });

    test('a tracing profile traces the functions, and writes no tracing setting on the WebSocket stage', () => {
      // GIVEN a profile with X-Ray tracing, which API Gateway supports on REST stages only
      const { template } = webSocketApi({ profile: StageProfile.dev({ tracing: true }) });

      // THEN
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      expect(JSON.stringify(stage.Properties)).not.toMatch(/Tracing|XRay/i);
      template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    });

    test('a profile without tracing leaves the functions untraced', () => {
      const { template } = webSocketApi({ profile: StageProfile.dev({ tracing: false }) });

      template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
    });
  });

  describe('connection table', () => {
    test('has the key schema, index, TTL, billing, backups and encryption the handlers rely on', () => {
      const { template } = webSocketApi();

      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'connectionId', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byChannel',
            KeySchema: [
              { AttributeName: 'channel', KeyType: 'HASH' },
              { AttributeName: 'connectionId', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      });
    });

    test('is retained with a prod profile', () => {
      const { template } = webSocketApi({ profile: StageProfile.prod() });

      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('is deleted with a dev profile', () => {
      const { template } = webSocketApi({ profile: StageProfile.dev() });

      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('is encrypted with the customer-managed tableEncryptionKey', () => {
      const { template, stack } = webSocketApi((s) => ({ tableEncryptionKey: new Key(s, 'TableKey') }));

      template.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('TableKey')), 'Arn'] } },
      });
    });

    test('every handler gets the table and index names', () => {
      const { template, stack, api } = webSocketApi();

      const tableId = logicalIdOf(stack, api.connectionsTable);
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(6);
      for (const fn of functions) {
        expect(fn.Properties.Environment.Variables).toMatchObject({ CONNECTIONS_TABLE_NAME: { Ref: tableId }, CHANNEL_INDEX_NAME: 'byChannel' });
      }
    });
  });

  describe('handler environment', () => {
    test('the publish handler gets the callback URL and the default fan-out concurrency', () => {
      const { template, stack, api } = webSocketApi();

      const publish = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.publish)];
      expect(publish.Properties.Environment.Variables).toMatchObject({ CALLBACK_URL: resolvedJson(stack, api.callbackUrl), FANOUT_CONCURRENCY: '100' });
    });

    test.each([1, 250, 1000])('fanoutConcurrency %d reaches the publish handler', (concurrency) => {
      const { template, stack, api } = webSocketApi({ fanoutConcurrency: concurrency });

      const publish = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.publish)];
      expect(publish.Properties.Environment.Variables.FANOUT_CONCURRENCY).toBe(String(concurrency));
    });

    test('the publish handler knows the integration timeout it must answer within (default 29 s)', () => {
      const fallback = webSocketApi();
      const given = webSocketApi({ integrationTimeout: Duration.seconds(12) });
      const envOf = (t: typeof fallback) =>
        t.template.findResources('AWS::Lambda::Function')[logicalIdOf(t.stack, t.api.handlers.publish)].Properties.Environment.Variables;
      expect(envOf(fallback).INTEGRATION_TIMEOUT_MS).toBe('29000');
      expect(envOf(given).INTEGRATION_TIMEOUT_MS).toBe('12000');
    });

    test.each([[undefined, '100'], [1, '1'], [1000, '1000']])('maxSubscriptionsPerConnection %p reaches the subscribe handler as %s', (value, expected) => {
      const { template, stack, api } = webSocketApi({ maxSubscriptionsPerConnection: value });
      const subscribe = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.subscribe)];
      expect(subscribe.Properties.Environment.Variables.MAX_SUBSCRIPTIONS_PER_CONNECTION).toBe(expected);
    });

    test('the default handler lists the built-in message routes', () => {
      const { template, stack, api } = webSocketApi();

      const fallback = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.fallback)];
      expect(fallback.Properties.Environment.Variables.AVAILABLE_ROUTES).toBe('subscribe,unsubscribe,publish');
    });

    test('the default handler also lists user routes, including those added after construction', () => {
      // GIVEN an API with one user route from props
      const { stack, api } = webSocketApi((s) => ({ routes: { sendMessage: userRouteFunction(s) } }));

      // WHEN another is added later
      api.addRoute('typing', userRouteFunction(stack, 'Typing'));

      // THEN
      const fallback = templateOf(stack).findResources('AWS::Lambda::Function')[logicalIdOf(stack, api.handlers.fallback)];
      expect(fallback.Properties.Environment.Variables.AVAILABLE_ROUTES).toBe('subscribe,unsubscribe,publish,sendMessage,typing');
    });

    test('functionOptions reach every function the construct creates', () => {
      const { template } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT), functionOptions: { memorySize: 512, timeout: Duration.seconds(10) } });

      template.resourceCountIs('AWS::Lambda::Function', 7);
      template.allResourcesProperties('AWS::Lambda::Function', {
        MemorySize: 512,
        Timeout: 10,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      });
    });
  });

  describe('Powertools layer', () => {
    test('every built-in handler, the JWT authorizer too, runs with the Powertools layer the library ships', () => {
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
      template.resourceCountIs('AWS::Lambda::Function', 7);
      const layerId = stack.getLogicalId(api.powertoolsLayer.node.defaultChild as CfnElement);
      template.allResourcesProperties('AWS::Lambda::Function', { Layers: [{ Ref: layerId }] });
      expect(api.powertoolsLayer).toBe(PowertoolsLayer.bundled(stack));
    });

    test('two APIs in one stack share the layer', () => {
      const { stack, api } = webSocketApi();
      const second = new RealtimeWebSocketApi(stack, 'Feed', { profile: StageProfile.dev(), apiName: 'feed', connectAuth: ApiAuth.none() });

      expect(second.powertoolsLayer).toBe(api.powertoolsLayer);
      templateOf(stack).resourceCountIs('AWS::Lambda::LayerVersion', 1);
    });

    test('powertoolsLayer replaces the shipped layer everywhere', () => {
      const arn = 'arn:aws:lambda:eu-central-1:111122223333:layer:powertools-2_36_0:3';
      const { template, api } = webSocketApi((s) => ({ connectAuth: ApiAuth.jwt(JWT), powertoolsLayer: LayerVersion.fromLayerVersionArn(s, 'Own', arn) }));

      template.allResourcesProperties('AWS::Lambda::Function', { Layers: [arn] });
      template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
      expect(api.powertoolsLayer.layerVersionArn).toBe(arn);
    });

    test('PowertoolsLayer selects AWS’s layer of the pinned version', () => {
      const { template } = webSocketApi((s) => ({ powertoolsLayer: PowertoolsLayer.awsManaged(s) }));

      const [parameterId] = Object.keys(template.findParameters('*', { Default: PowertoolsLayer.AWS_PARAMETER }));
      template.allResourcesProperties('AWS::Lambda::Function', { Layers: [{ Ref: parameterId }] });
      template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    });

    test('user route functions are left as their owner built them', () => {
      const { template, stack } = webSocketApi((s) => ({ routes: { sendMessage: userRouteFunction(s) } }));

      const user = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, stack.node.findChild('SendMessage') as LambdaFunction)];
      expect(user.Properties.Layers).toBeUndefined();
    });
  });

  describe('user routes', () => {
    test('props.routes adds a route with an integration, a route response and an invoke permission', () => {
      // GIVEN
      let fn: ReturnType<typeof userRouteFunction> | undefined;
      // WHEN
      const { template, stack } = webSocketApi((s) => {
        fn = userRouteFunction(s);
        return { routes: { sendMessage: fn } };
      });

      // THEN
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 7);
      template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 5);
      const routeId = Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(([, r]) => r.Properties.RouteKey === 'sendMessage')![0];
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'sendMessage', AuthorizationType: 'NONE', RouteResponseSelectionExpression: '$default' });
      template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', { RouteId: { Ref: routeId }, RouteResponseKey: '$default' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalIdOf(stack, fn!), 'Arn'] }])] }),
      });
      template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, fn!), 'Arn'] } });
    });

    test('a user route function gets the table, index and callback URL', () => {
      const { stack, api } = webSocketApi();
      const fn = userRouteFunction(stack);

      api.addRoute('sendMessage', fn);

      const synthesized = templateOf(stack).findResources('AWS::Lambda::Function')[logicalIdOf(stack, fn)];
      expect(synthesized.Properties.Environment.Variables).toMatchObject({
        CONNECTIONS_TABLE_NAME: { Ref: logicalIdOf(stack, api.connectionsTable) },
        CHANNEL_INDEX_NAME: 'byChannel',
        CALLBACK_URL: resolvedJson(stack, api.callbackUrl),
      });
    });

    test('addRoute options.timeout is written on that route’s integration only', () => {
      const { stack, api } = webSocketApi({ integrationTimeout: Duration.seconds(5) });
      const fn = userRouteFunction(stack);

      api.addRoute('slow', fn, { timeout: Duration.seconds(29) });

      const template = templateOf(stack);
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalIdOf(stack, fn), 'Arn'] }])] }),
        TimeoutInMillis: 29000,
      });
      const timeouts = Object.values(template.findResources('AWS::ApiGatewayV2::Integration')).map((i) => i.Properties.TimeoutInMillis);
      expect(timeouts.sort()).toEqual([29000, 5000, 5000, 5000, 5000, 5000, 5000]);
    });

    test('a user route without options.timeout takes integrationTimeout', () => {
      const { stack, api } = webSocketApi({ integrationTimeout: Duration.seconds(3) });

      api.addRoute('fast', userRouteFunction(stack));

      templateOf(stack).allResourcesProperties('AWS::ApiGatewayV2::Integration', { TimeoutInMillis: 3000 });
    });

    test.each(['a', 'send_message', 'chat.send', 'ns:action', 'kebab-case', 'x'.repeat(128)])('accepts the route name %s', (name) => {
      const { stack, api } = webSocketApi();

      api.addRoute(name, userRouteFunction(stack));

      templateOf(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: name });
    });

    test('an imported function can back a route (no environment to set)', () => {
      const { stack, api } = webSocketApi();
      const imported = LambdaFunction.fromFunctionAttributes(stack, 'Imported', {
        functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:imported',
        sameEnvironment: true,
      });

      api.addRoute('imported', imported);

      const template = templateOf(stack);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'imported' });
      template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:imported' });
    });
  });

  describe('user routes sharing names or functions', () => {
    test('two valid route names that differ only in punctuation both get alarms', () => {
      // 'chat.send' and 'chat-send' both reduce to the alarm id 'chatsendRoute'.
      const { stack, api } = webSocketApi();
      api.addRoute('chat.send', userRouteFunction(stack, 'Dotted'));

      expect(() => api.addRoute('chat-send', userRouteFunction(stack, 'Dashed'))).not.toThrow();
      templateOf(stack).resourceCountIs('AWS::CloudWatch::Alarm', 3 + 1 + 2 * 6 + 2 * 2);
    });

    test('a function behind two routes is alarmed once', () => {
      const { stack, api } = webSocketApi();
      const shared = userRouteFunction(stack, 'Shared');

      api.addRoute('join', shared);
      api.addRoute('leave', shared);

      templateOf(stack).resourceCountIs('AWS::CloudWatch::Alarm', 3 + 1 + 2 * 6 + 2);
    });
  });

  describe('custom domain', () => {
    test('creates a TLS 1.2 Regional domain, an API mapping and A/AAAA records, and serves wss:// on it', () => {
      // GIVEN / WHEN
      const { template, stack, api } = webSocketApi((s) => ({
        customDomain: { domainName: 'ws.example.com', hostedZone: HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' }) },
      }));

      // THEN
      template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: 'ws.example.com',
        DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL' })],
      });
      template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
      template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
        ApiId: { Ref: logicalIdOf(stack, api.api) },
        Stage: 'dev',
        ApiMappingKey: Match.absent(),
      });
      template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'ws.example.com.', Type: 'A' });
      template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'ws.example.com.', Type: 'AAAA' });
      expect(api.url).toBe('wss://ws.example.com/');
      expect(api.domain?.kind).toBe(ApiKind.WEBSOCKET);
    });

    test('a base path becomes the API mapping key and part of the URL', () => {
      const { template, api } = webSocketApi((s) => ({
        customDomain: {
          domainName: 'ws.example.com',
          hostedZone: HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' }),
          basePath: 'chat',
        },
      }));

      template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'chat' });
      expect(api.url).toBe('wss://ws.example.com/chat');
    });

    test('a shared WEBSOCKET ApiCustomDomain is mapped, not recreated', () => {
      let shared: ApiCustomDomain | undefined;
      const { template, api } = webSocketApi((s) => {
        const zone = HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
        shared = new ApiCustomDomain(s, 'Shared', { domainName: 'rt.example.com', hostedZone: zone, kind: ApiKind.WEBSOCKET });
        return { customDomain: { domain: shared, basePath: 'feed' } };
      });

      template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'feed' });
      expect(api.domain).toBe(shared);
      expect(api.url).toBe('wss://rt.example.com/feed');
    });
  });

  describe('URLs', () => {
    test('url is the stage’s wss:// execute-api URL without a custom domain', () => {
      const { stack, api } = webSocketApi();

      expect(stack.resolve(api.url)).toEqual({
        'Fn::Join': ['', ['wss://', { Ref: logicalIdOf(stack, api.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev']],
      });
      expect(api.domain).toBeUndefined();
    });

    test('executeApiUrl stays the stage’s wss:// execute-api URL when url is the custom domain’s', () => {
      const { stack, api } = webSocketApi((s) => ({
        customDomain: { domainName: 'ws.example.com', hostedZone: HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' }) },
      }));

      expect(api.url).toBe('wss://ws.example.com/');
      expect(stack.resolve(api.executeApiUrl)).toEqual({
        'Fn::Join': ['', ['wss://', { Ref: logicalIdOf(stack, api.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev']],
      });
    });

    test('callbackUrl is the https:// @connections endpoint of the stage, also with a custom domain', () => {
      const { stack, api } = webSocketApi((s) => ({
        profile: StageProfile.prod(),
        customDomain: { domainName: 'ws.example.com', hostedZone: HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' }) },
      }));

      expect(stack.resolve(api.callbackUrl)).toEqual({
        'Fn::Join': ['', ['https://', { Ref: logicalIdOf(stack, api.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']],
      });
    });
  });

  describe('alarms and dashboard', () => {
    test('creates AWS’s recommended WebSocket alarms on ApiId and Stage', () => {
      const { template, stack, api } = webSocketApi();
      const dimensions = [
        { Name: 'ApiId', Value: { Ref: logicalIdOf(stack, api.api) } },
        { Name: 'Stage', Value: 'dev' },
      ];

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'ExecutionError',
        Dimensions: dimensions,
        Statistic: 'Average',
        Period: 60,
        Threshold: 0.05,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ClientError',
        Dimensions: dimensions,
        Statistic: 'Average',
        Threshold: 0.05,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IntegrationLatency',
        Dimensions: dimensions,
        ExtendedStatistic: 'p90',
        Threshold: 2000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
      });
    });

    test('adds error and throttle alarms for every handler, without actions when the profile has no topic', () => {
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      // 3 API alarms + errors and throttles of the 6 handlers + throttles of the authorizer + handler internal errors + authorizer errors
      template.resourceCountIs('AWS::CloudWatch::Alarm', 18);
      expect(api.alarms).toHaveLength(18);
      for (const fn of [api.handlers.connect, api.handlers.publish, api.handlers.authorizer!]) {
        for (const metricName of ['Errors', 'Throttles']) {
          if (fn === api.handlers.authorizer && metricName === 'Errors') continue;
          template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, fn) } }],
            Statistic: 'Sum',
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          });
        }
      }
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent(), OKActions: Match.absent() });
    });

    test('BUG: the JWT authorizer refuses tokens by throwing, so its Lambda Errors raise no alarm; its own AuthorizerErrors do', () => {
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      const authorizerErrors = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, api.handlers.authorizer!) } }] },
      });
      expect(authorizerErrors).toEqual({});
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'RealtimeWebSocketApi', MetricName: 'AuthorizerErrors' });
    });

    test('user routes get function alarms too', () => {
      const { template } = webSocketApi((s) => ({ routes: { sendMessage: userRouteFunction(s) } }));

      template.resourceCountIs('AWS::CloudWatch::Alarm', 3 + 1 + 2 * 7);
    });

    test('failures the route handlers answer (500) instead of throwing raise an alarm on the metric the handlers publish', () => {
      // GIVEN a JWT-authorized API: the authorizer publishes its own error count too
      const { template, stack, api } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

      // THEN every function publishes into one namespace, under the API's service name...
      expect(Object.values(api.handlers)).toHaveLength(7);
      for (const fn of Object.values(api.handlers)) {
        expect(resolvedJson(stack, (fn.node.defaultChild as CfnFunction).environment)).toMatchObject({
          variables: { POWERTOOLS_METRICS_NAMESPACE: 'RealtimeWebSocketApi', POWERTOOLS_SERVICE_NAME: 'chat' },
        });
      }
      // ...and the alarms watch exactly that metric (Powertools' default dimension is `service`)
      for (const metricName of ['InternalErrors', 'AuthorizerErrors']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'RealtimeWebSocketApi',
          MetricName: metricName,
          Dimensions: [{ Name: 'service', Value: 'chat' }],
          Statistic: 'Sum',
          Period: 60,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
      expect(api.metricHandlerInternalErrors().namespace).toBe('RealtimeWebSocketApi');
      expect(RealtimeWebSocketApi.HANDLER_METRICS_NAMESPACE).toBe('RealtimeWebSocketApi');
    });

    test('without the bundled JWT authorizer there is no authorizer-errors alarm', () => {
      const { template } = webSocketApi();
      expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName)).not.toContain('AuthorizerErrors');
    });

    test('the profile’s thresholds and alarm topic are used', () => {
      const { template, stack } = webSocketApi((s) => ({
        profile: StageProfile.prod({
          alarmTopic: new Topic(s, 'OnCall'),
          alarmThresholds: { serverErrorRate: 0.1, integrationLatencyP90: Duration.seconds(1) },
        }),
      }));

      const topicRef = { Ref: logicalIdOf(stack, stack.node.findChild('OnCall')) };
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicRef], OKActions: [topicRef] });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionError', Threshold: 0.1 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IntegrationLatency', Threshold: 1000 });
    });

    // The default release policy tolerates alarms: false (its deployment groups then watch no alarm);
    // a policy given explicitly with rollback fails instead (test/core/release/function-releases.test.ts).
    test('alarms: false creates none', () => {
      const { template, api } = webSocketApi({ alarms: false });

      template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      expect(api.alarms).toEqual([]);
    });

    test('alarms: false also skips the alarms of routes added later', () => {
      const { stack, api } = webSocketApi({ alarms: false });

      api.addRoute('later', userRouteFunction(stack));

      templateOf(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
      expect(api.alarms).toEqual([]);
    });

    test('creates a dashboard by default, none with dashboard: false', () => {
      const withDashboard = webSocketApi();
      withDashboard.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(withDashboard.api.dashboard).toBeDefined();

      const without = webSocketApi({ dashboard: false });
      without.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      expect(without.api.dashboard).toBeUndefined();
    });
  });

  describe('metrics', () => {
    test.each([
      ['metricExecutionError', 'ExecutionError', 'Average'],
      ['metricClientError', 'ClientError', 'Average'],
      ['metricMessageCount', 'MessageCount', 'Sum'],
      ['metricConnectCount', 'ConnectCount', 'Sum'],
      ['metricIntegrationLatency', 'IntegrationLatency', 'p90'],
    ] as const)('%s is %s (%s, 1 minute) on ApiId and Stage', (helper, metricName, statistic) => {
      const { stack, api } = webSocketApi();

      const metric = api[helper]();

      expect(metric.namespace).toBe('AWS/ApiGateway');
      expect(metric.metricName).toBe(metricName);
      expect(metric.statistic).toBe(statistic);
      expect(metric.period.toSeconds()).toBe(60);
      expect(stack.resolve(metric.dimensions)).toEqual({ ApiId: { Ref: logicalIdOf(stack, api.api) }, Stage: 'dev' });
    });

    test('metric() takes any name, and the helpers take overrides', () => {
      const { api } = webSocketApi();

      expect(api.metric('ConnectCount').statistic).toBe('Sum');
      const custom = api.metricExecutionError({ statistic: 'Maximum', period: Duration.minutes(5) });
      expect(custom.statistic).toBe('Maximum');
      expect(custom.period.toMinutes()).toBe(5);
    });
  });
});

