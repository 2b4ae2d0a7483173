import { Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../../lib/core/integrations/aws-service-integration';
import { EventBridgeIntegration } from '../../../lib/core/integrations/event-bridge-integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { expectApiError } from '../../support/core-stacks';
import { expectServiceErrorAnswers, routeBindingFixture, statementsOfRole } from '../../support/route-binding';
import type { BindRoute } from '../../support/route-binding';

const CORS_HEADERS = { 'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'" };
const OPTIONS = { source: 'com.example.orders', detailType: 'OrderPlaced' };

let stack: Stack;
let binding: BindRoute;
beforeEach(() => {
  ({ stack, binding } = routeBindingFixture('POST /events'));
});

describe('RouteIntegration.eventBridge on a REST API', () => {
  test('puts the body as the detail of one event with the JSON protocol, as the shared role', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // WHEN
    const config = RouteIntegration.eventBridge(bus, OPTIONS)._bindRest(binding(ApiKind.REST));

    // THEN
    const integration = stack.resolve(config.integration);
    expect(integration).toMatchObject({
      type: 'aws',
      httpMethod: 'POST',
      uri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-west-1:events:action/PutEvents']] },
      credentials: { 'Fn::GetAtt': [expect.stringMatching(/^ApiEventBridgePutEventsRole/), 'Arn'] },
      passthroughBehavior: 'never',
      requestParameters: {
        'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'",
        'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
      },
    });
    expect(Object.keys(integration.requestTemplates)).toEqual(['application/json']);
    expect(integration.requestTemplates['application/json']).toEqual({
      'Fn::Join': [
        '',
        [
          '{"Entries":[{"EventBusName":"',
          { 'Fn::GetAtt': [stack.getLogicalId(bus.node.defaultChild as never), 'Arn'] },
          `","Source":"com.example.orders","DetailType":"OrderPlaced","Detail":"$util.escapeJavaScript($input.body).replaceAll("\\\\'","'")"}]}`,
        ],
      ],
    });
    expect(config.defaultRequestSchema).toEqual({ type: 'object' });
  });

  test('a PutEvents 200 with a failed entry answers 502 (429 when throttled), never 200', () => {
    // WHEN
    const config = RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), OPTIONS)._bindRest(binding(ApiKind.REST));

    // THEN
    const responses = config.integration.responses as Record<string, { statusCode: string; responseTemplates: Record<string, string> }>;
    const success = responses.default.responseTemplates['application/json'];
    expect(success).toBe(
      [
        `#set($failed = "$!input.path('$.FailedEntryCount')")`,
        '#if($failed != "" && $failed != "0")',
        `#set($code = "$!input.path('$.Entries[0].ErrorCode')")`,
        "#if($code.contains('Throttl'))",
        '#set($context.responseOverride.status = 429)',
        '{"message":"Too many requests: retry later","requestId":"$context.requestId"}',
        '#else',
        '#set($context.responseOverride.status = 502)',
        '{"message":"The event bus did not accept the event","requestId":"$context.requestId"}',
        '#end',
        '#else',
        `{"eventId":"$input.path('$.Entries[0].EventId')"}`,
        '#end',
      ].join('\n'),
    );
    expect(responses['4\\d{2}'].statusCode).toBe('400');
    expect(responses['5\\d{2}'].statusCode).toBe('502');
    expect(Object.keys(config.responses ?? {}).sort()).toEqual(['200', '400', '429', '500', '502']);
  });

  test("decides by EventBridge's error __type: throttling 429, a refused event 400, the API's own role or bus 500", () => {
    // WHEN
    const config = RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), OPTIONS)._bindRest(binding(ApiKind.REST));

    // THEN
    expectServiceErrorAnswers(config, ServiceErrorFormat.JSON_PROTOCOL, {
      ThrottlingException: '429',
      ValidationException: '400',
      AccessDeniedException: '500',
      ResourceNotFoundException: '500',
    });
  });

  test('escapes $ and # of the source and detail type so Velocity leaves them alone', () => {
    // WHEN
    const config = RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), { source: 'com.example', detailType: 'Order #1 "placed"' })._bindRest(
      binding(ApiKind.REST),
    );

    // THEN
    const template = JSON.stringify(stack.resolve((config.integration.requestTemplates as Record<string, string>)['application/json']));
    expect(template).toContain(JSON.stringify('"DetailType":"Order \\u00231 \\"placed\\""').slice(1, -1));
  });

  test('every answer carries the static CORS headers', () => {
    // WHEN
    const config = RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), OPTIONS)._bindRest(binding(ApiKind.REST, 'POST /events', { staticCorsHeaders: CORS_HEADERS }));

    // THEN
    for (const response of Object.values(config.integration.responses as Record<string, Record<string, unknown>>)) {
      expect(response.responseParameters).toEqual(CORS_HEADERS);
    }
    expect((config.responses as Record<string, Record<string, unknown>>)['200'].headers).toEqual({ 'Access-Control-Allow-Origin': { schema: { type: 'string' } } });
  });

  test('the role may only put events on the bus', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // WHEN
    const config = RouteIntegration.eventBridge(bus, OPTIONS)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: stack.resolve(bus.eventBusArn) }]);
  });

  test('a bus encrypted with a customer key needs no KMS grant for the caller', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus', { kmsKey: new Key(stack, 'Key') });

    // WHEN
    const config = RouteIntegration.eventBridge(bus, OPTIONS)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: stack.resolve(bus.eventBusArn) }]);
  });

  test('routes that put on one bus share one role, whatever their source', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // WHEN
    RouteIntegration.eventBridge(bus, OPTIONS)._bindRest(binding(ApiKind.REST, 'POST /a'));
    RouteIntegration.eventBridge(bus, { source: 'com.example.other', detailType: 'Other' })._bindRest(binding(ApiKind.REST, 'POST /b'));
    RouteIntegration.eventBridge(bus, OPTIONS)._bindHttp(binding(ApiKind.HTTP, 'POST /c'));

    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Role', 1);
  });
});

describe('RouteIntegration.eventBridge options', () => {
  test.each([
    ['starts with aws.', 'aws.orders', /must not start with 'aws\.'/],
    ['is empty', '', /1 to 256 characters/],
    ['is over 256 characters', 's'.repeat(257), /1 to 256 characters/],
    ['holds $', 'com.$example', /must not contain '\$'/],
  ])('refuses a source that %s', (_what, source, pattern) => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // THEN
    expectApiError(() => RouteIntegration.eventBridge(bus, { source, detailType: 'X' }), 'EventBridgeSourceInvalid', /RouteIntegration\.eventBridge\(bus, options\)\.source/, pattern);
  });

  test.each([
    ['is empty', '', /1 to 128 characters/],
    ['is over 128 characters', 'd'.repeat(129), /1 to 128 characters/],
    ['holds $', 'Order$Placed', /must not contain '\$'/],
  ])('refuses a detail type that %s', (_what, detailType, pattern) => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // THEN
    expectApiError(
      () => RouteIntegration.eventBridge(bus, { source: 'com.example', detailType }),
      'EventBridgeDetailTypeInvalid',
      /RouteIntegration\.eventBridge\(bus, options\)\.detailType/,
      pattern,
    );
  });

  test('skips the checks for unresolved tokens', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');
    const late = Lazy.string({ produce: () => 'aws.late' });

    // THEN
    expect(() => RouteIntegration.eventBridge(bus, { source: late, detailType: late })).not.toThrow();
  });

  test('accepts a 128-character detail type and a 256-character source', () => {
    expect(() => RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), { source: 's'.repeat(256), detailType: 'd'.repeat(128) })).not.toThrow();
  });
});

describe('RouteIntegration.eventBridge on an HTTP API', () => {
  test('binds the EventBridge-PutEvents subtype with the whole body as detail and the shared role', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');
    const http = new HttpApi(stack, 'Http');

    // WHEN
    const { integration } = RouteIntegration.eventBridge(bus, OPTIONS)._bindHttp(binding(ApiKind.HTTP));
    http.addRoutes({ path: '/events', methods: [HttpMethod.POST], integration });

    // THEN
    const template = Template.fromStack(stack);
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(roleId).toMatch(/^ApiEventBridgePutEventsRole/);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'EventBridge-PutEvents',
      PayloadFormatVersion: '1.0',
      CredentialsArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      RequestParameters: {
        EventBusName: { 'Fn::GetAtt': [stack.getLogicalId(bus.node.defaultChild as never), 'Arn'] },
        Source: 'com.example.orders',
        DetailType: 'OrderPlaced',
        Detail: '$request.body',
      },
    });
  });

  test('routes with the same bus, source and detail type share one integration', () => {
    // GIVEN
    const bus = new EventBus(stack, 'Bus');

    // THEN
    expect(RouteIntegration.eventBridge(bus, OPTIONS)._shareKey()).toBe(RouteIntegration.eventBridge(bus, { ...OPTIONS })._shareKey());
    expect(RouteIntegration.eventBridge(bus, OPTIONS)._shareKey()).not.toBe(RouteIntegration.eventBridge(bus, { ...OPTIONS, detailType: 'Other' })._shareKey());
    expect(RouteIntegration.eventBridge(bus, OPTIONS)._shareKey()).not.toBe(RouteIntegration.eventBridge(new EventBus(stack, 'Other'), OPTIONS)._shareKey());
  });

  test('the factory returns the EventBridge kind', () => {
    const integration = RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), OPTIONS);
    expect(integration).toBeInstanceOf(EventBridgeIntegration);
    expect(integration.kindName).toBe('RouteIntegration.eventBridge');
  });
});
