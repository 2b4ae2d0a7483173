import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../../lib/core/integrations/aws-service-integration';
import { KinesisIntegration } from '../../../lib/core/integrations/kinesis-integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { expectApiError } from '../../support/core-stacks';
import { expectServiceErrorAnswers, routeBindingFixture, statementsOfRole } from '../../support/route-binding';
import type { BindRoute } from '../../support/route-binding';

const CORS_HEADERS = { 'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'" };

let stack: Stack;
let binding: BindRoute;
beforeEach(() => {
  ({ stack, binding } = routeBindingFixture('POST /events'));
});

/** The REST request template of a binding, with the stream ARN token shown as STREAM_ARN. */
function requestTemplate(integration: KinesisIntegration, routeKey = 'POST /events'): string {
  const config = integration._bindRest(binding(ApiKind.REST, routeKey));
  const template = stack.resolve((config.integration.requestTemplates as Record<string, string>)['application/json']) as { 'Fn::Join': [string, unknown[]] };
  return template['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'STREAM_ARN')).join('');
}

describe('RouteIntegration.kinesis on a REST API', () => {
  test('writes the base64 body with the request id as partition key, as the shared role, and answers 200 with the sequence number', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');

    // WHEN
    const config = RouteIntegration.kinesis(stream)._bindRest(binding(ApiKind.REST));

    // THEN
    const integration = stack.resolve(config.integration);
    expect(integration).toMatchObject({
      type: 'aws',
      httpMethod: 'POST',
      uri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-west-1:kinesis:action/PutRecord']] },
      credentials: { 'Fn::GetAtt': [expect.stringMatching(/^ApiKinesisPutRecordRole/), 'Arn'] },
      passthroughBehavior: 'never',
      requestParameters: {
        'integration.request.header.X-Amz-Target': "'Kinesis_20131202.PutRecord'",
        'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
      },
    });
    expect(integration.requestTemplates['application/json']['Fn::Join'][1]).toEqual([
      '{"StreamARN":"',
      { 'Fn::GetAtt': [stack.getLogicalId(stream.node.defaultChild as never), 'Arn'] },
      `","PartitionKey":"$util.escapeJavaScript("$!context.requestId").replaceAll("\\\\'","'")","Data":"$util.base64Encode($input.body)"}`,
    ]);
    expect(integration.responses.default).toEqual({
      statusCode: '200',
      responseTemplates: { 'application/json': `{"sequenceNumber":"$input.path('$.SequenceNumber')","shardId":"$input.path('$.ShardId')"}` },
    });
    expect(config.defaultRequestSchema).toEqual({ type: 'object' });
    expect(config.requestParameters).toBeUndefined();
  });

  test('maps service errors to 400 (429 on exceeded throughput) and 502, never to 200, with the CORS headers', () => {
    // WHEN
    const config = RouteIntegration.kinesis(new Stream(stack, 'Stream'))._bindRest(binding(ApiKind.REST, 'POST /events', { staticCorsHeaders: CORS_HEADERS }));

    // THEN
    const responses = config.integration.responses as Record<string, { statusCode: string; responseTemplates: Record<string, string>; responseParameters: unknown }>;
    expect(Object.fromEntries(Object.entries(responses).map(([pattern, r]) => [pattern, r.statusCode]))).toEqual({ default: '200', '4\\d{2}': '400', '5\\d{2}': '502' });
    expectServiceErrorAnswers(config, ServiceErrorFormat.JSON_PROTOCOL, {
      ProvisionedThroughputExceededException: '429',
      KMSThrottlingException: '429',
      InvalidArgumentException: '400',
      ResourceNotFoundException: '500',
      KMSDisabledException: '500',
      AccessDeniedException: '500',
    });
    for (const response of Object.values(responses)) expect(response.responseParameters).toEqual(CORS_HEADERS);
    expect(Object.keys(config.responses ?? {}).sort()).toEqual(['200', '400', '429', '500', '502']);
  });

  test('reads a header partition key whatever the case the client sent the header name in', () => {
    // GIVEN
    const integration = RouteIntegration.kinesis(new Stream(stack, 'Stream'), { partitionKey: '$request.header.X-Device' });

    // WHEN
    const config = integration._bindRest(binding(ApiKind.REST));

    // THEN
    expect(requestTemplate(integration)).toBe(
      `#set($partitionKey = "")#foreach($headerName in $input.params().header.keySet())#if($headerName.equalsIgnoreCase('X-Device'))` +
        `#set($partitionKey = "$!input.params().header.get($headerName)")#end#end##\n` +
        `{"StreamARN":"STREAM_ARN","PartitionKey":"$util.escapeJavaScript($partitionKey).replaceAll("\\\\'","'")","Data":"$util.base64Encode($input.body)"}`,
    );
    expect(config.requestParameters).toEqual({ 'method.request.header.X-Device': true });
  });

  test.each([
    ['a query string', '$request.querystring.device', `$util.escapeJavaScript("$!input.params().querystring.get('device')")`, { 'method.request.querystring.device': true }],
    ['a path parameter', '$request.path.id', `$util.escapeJavaScript("$!input.params().path.get('id')")`, undefined],
    ['a body field', '$request.body.device.id', `$util.escapeJavaScript("$!input.path('$.device.id')")`, undefined],
    ['a context variable', '$context.identity.sourceIp', `$util.escapeJavaScript("$!context.identity.sourceIp")`, undefined],
    ['a stage variable', '$stageVariables.shard', `$util.escapeJavaScript("$!stageVariables.shard")`, undefined],
  ])('reads the partition key from %s', (_what, partitionKey, vtl, requestParameters) => {
    // GIVEN
    const integration = RouteIntegration.kinesis(new Stream(stack, 'Stream'), { partitionKey });

    // WHEN
    const config = integration._bindRest(binding(ApiKind.REST, 'POST /devices/{id}'));

    // THEN
    expect(requestTemplate(integration, 'POST /devices/{id}')).toContain(`"PartitionKey":"${vtl}.replaceAll("\\\\'","'")"`);
    expect(config.requestParameters).toEqual(requestParameters);
  });

  test('writes a constant partition key as JSON, with # escaped for Velocity', () => {
    // GIVEN
    const integration = RouteIntegration.kinesis(new Stream(stack, 'Stream'), { partitionKey: 'tenant "a" #1' });

    // THEN
    expect(requestTemplate(integration)).toContain('"PartitionKey":"tenant \\"a\\" \\u00231"');
  });

  test('the role may only put records on the stream', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');

    // WHEN
    const config = RouteIntegration.kinesis(stream)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([{ Action: 'kinesis:PutRecord', Effect: 'Allow', Resource: stack.resolve(stream.streamArn) }]);
  });

  test('a stream encrypted with a customer key adds kms:GenerateDataKey on that key', () => {
    // GIVEN
    const key = new Key(stack, 'Key');
    const stream = new Stream(stack, 'Stream', { encryption: StreamEncryption.KMS, encryptionKey: key });

    // WHEN
    const config = RouteIntegration.kinesis(stream)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([
      { Action: 'kinesis:PutRecord', Effect: 'Allow', Resource: stack.resolve(stream.streamArn) },
      { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: stack.resolve(key.keyArn) },
    ]);
  });

  test('a stream with the Kinesis-managed key needs no KMS grant', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream', { encryption: StreamEncryption.MANAGED });

    // WHEN
    const config = RouteIntegration.kinesis(stream)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([{ Action: 'kinesis:PutRecord', Effect: 'Allow', Resource: stack.resolve(stream.streamArn) }]);
  });

  test('routes that write to one stream share one role', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');

    // WHEN
    RouteIntegration.kinesis(stream)._bindRest(binding(ApiKind.REST, 'POST /a'));
    RouteIntegration.kinesis(stream, { partitionKey: '$request.header.X-Device' })._bindRest(binding(ApiKind.REST, 'POST /b'));
    RouteIntegration.kinesis(stream)._bindHttp(binding(ApiKind.HTTP, 'POST /c'));

    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Role', 1);
  });
});

describe('RouteIntegration.kinesis options', () => {
  test.each([
    ['an unknown source', '$request.cookie.device', /must be '\$request\.header\.<name>'/],
    ['the whole body', '$request.body', /must be '\$request\.header\.<name>'/],
    ['a constant with $', 'key$1', /a constant without '\$'/],
    ['an empty constant', '', /1 to 256 characters/],
    ['a constant over 256 characters', 'k'.repeat(257), /1 to 256 characters/],
  ])('refuses %s as partition key', (_what, partitionKey, pattern) => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');

    // THEN
    expectApiError(() => RouteIntegration.kinesis(stream, { partitionKey }), 'IntegrationMappingInvalid', /RouteIntegration\.kinesis\(stream, options\)\.partitionKey/, pattern);
  });

  test('a path parameter the route lacks fails at bind', () => {
    // GIVEN
    const integration = RouteIntegration.kinesis(new Stream(stack, 'Stream'), { partitionKey: '$request.path.device' });

    // THEN
    expectApiError(() => integration._bindRest(binding(ApiKind.REST)), 'IntegrationMappingInvalid', /routes\["POST \/events"\]\.integration: partitionKey/, /"device"/);
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP)), 'IntegrationMappingInvalid', /"device"/);
  });
});

describe('RouteIntegration.kinesis on an HTTP API', () => {
  test('binds the Kinesis-PutRecord subtype with the whole body, the stream name and the shared role', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');
    const http = new HttpApi(stack, 'Http');

    // WHEN
    const { integration } = RouteIntegration.kinesis(stream)._bindHttp(binding(ApiKind.HTTP));
    http.addRoutes({ path: '/events', methods: [HttpMethod.POST], integration });

    // THEN
    const template = Template.fromStack(stack);
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(roleId).toMatch(/^ApiKinesisPutRecordRole/);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'Kinesis-PutRecord',
      PayloadFormatVersion: '1.0',
      CredentialsArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      RequestParameters: { StreamName: { Ref: stack.getLogicalId(stream.node.defaultChild as never) }, Data: '$request.body', PartitionKey: '$context.requestId' },
    });
  });

  test('passes a mapping expression or a constant partition key as written', () => {
    // GIVEN
    const http = new HttpApi(stack, 'Http');
    const stream = new Stream(stack, 'Stream');

    // WHEN
    http.addRoutes({
      path: '/a',
      methods: [HttpMethod.POST],
      integration: RouteIntegration.kinesis(stream, { partitionKey: '$request.header.X-Device' })._bindHttp(binding(ApiKind.HTTP, 'POST /a', { integrationId: 'A' })).integration,
    });
    http.addRoutes({
      path: '/b',
      methods: [HttpMethod.POST],
      integration: RouteIntegration.kinesis(stream, { partitionKey: 'all' })._bindHttp(binding(ApiKind.HTTP, 'POST /b', { integrationId: 'B' })).integration,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { RequestParameters: { PartitionKey: '$request.header.X-Device' } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { RequestParameters: { PartitionKey: 'all' } });
  });

  test('routes with the same stream and partition key share one integration; a path-parameter key is per route', () => {
    // GIVEN
    const stream = new Stream(stack, 'Stream');
    const a = binding(ApiKind.HTTP, 'POST /a/{id}');
    const b = binding(ApiKind.HTTP, 'POST /b/{id}');

    // THEN
    expect(RouteIntegration.kinesis(stream)._shareKey(a)).toBe(RouteIntegration.kinesis(stream, { partitionKey: '$context.requestId' })._shareKey(b));
    expect(RouteIntegration.kinesis(stream)._shareKey(a)).not.toBe(RouteIntegration.kinesis(stream, { partitionKey: 'x' })._shareKey(a));
    const byPath = RouteIntegration.kinesis(stream, { partitionKey: '$request.path.id' });
    expect(byPath._shareKey(a)).not.toBe(byPath._shareKey(b));
  });

  test('the factory returns the Kinesis kind', () => {
    const integration = RouteIntegration.kinesis(new Stream(stack, 'Stream'));
    expect(integration).toBeInstanceOf(KinesisIntegration);
    expect(integration.kindName).toBe('RouteIntegration.kinesis');
  });
});
