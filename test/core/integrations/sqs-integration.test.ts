import { Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../../lib/core/integrations/aws-service-integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { SqsIntegration } from '../../../lib/core/integrations/sqs-integration';
import { expectApiError } from '../../support/core-stacks';
import { expectServiceErrorAnswers, routeBindingFixture, statementsOfRole } from '../../support/route-binding';
import type { BindRoute } from '../../support/route-binding';

const CORS_HEADERS = { 'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'" };

let stack: Stack;
let binding: BindRoute;
beforeEach(() => {
  ({ stack, binding } = routeBindingFixture('POST /events'));
});

describe('RouteIntegration.sqs on a REST API', () => {
  test('sends the body with the query protocol, as the shared role, and answers 200 with the message id', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');

    // WHEN
    const config = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST));

    // THEN
    const integration = stack.resolve(config.integration);
    expect(integration).toMatchObject({
      type: 'aws',
      httpMethod: 'POST',
      uri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-west-1:sqs:path/111111111111/', { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as never), 'QueueName'] }]] },
      credentials: { 'Fn::GetAtt': [expect.stringMatching(/^ApiSQSSendMessageRole/), 'Arn'] },
      passthroughBehavior: 'never',
      requestParameters: {
        'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        'integration.request.header.Accept': "'application/json'",
      },
      requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
    });
    expect(Object.keys(integration.requestTemplates)).toEqual(['application/json']);
    expect(integration.responses.default).toEqual({
      statusCode: '200',
      responseTemplates: { 'application/json': `{"messageId":"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"}` },
    });
    expect(config.defaultRequestSchema).toEqual({ type: 'object' });
    expect(config.requestParameters).toBeUndefined();
  });

  test('asks for no body schema on a route whose method has no body', () => {
    expect(RouteIntegration.sqs(new Queue(stack, 'Queue'))._bindRest(binding(ApiKind.REST, 'GET /events')).defaultRequestSchema).toBeUndefined();
  });

  test('maps service errors to 400 and 502, never to 200', () => {
    // WHEN
    const config = RouteIntegration.sqs(new Queue(stack, 'Queue'))._bindRest(binding(ApiKind.REST));

    // THEN
    const responses = config.integration.responses as Record<string, { statusCode: string; responseTemplates: Record<string, string> }>;
    expect(Object.keys(responses).sort()).toEqual(['4\\d{2}', '5\\d{2}', 'default']);
    expect(responses['4\\d{2}'].statusCode).toBe('400');
    expect(responses['5\\d{2}'].statusCode).toBe('502');
    const clientError = responses['4\\d{2}'].responseTemplates['application/json'];
    expect(clientError).toContain('#set($context.responseOverride.status = 429)');
    expect(clientError).toContain('#set($context.responseOverride.status = 500)');
    // The service's error text (it names the account and the queue) is read, never written out.
    expect(clientError.split('\n').filter((line) => !line.startsWith('#')).join('\n')).not.toContain('$input.body');
    expect(Object.keys(config.responses ?? {}).sort()).toEqual(['200', '400', '429', '500', '502']);
  });

  test("decides by SQS's error code: throttling 429, a refused message 400, the API's own role, key or queue 500", () => {
    // WHEN
    const config = RouteIntegration.sqs(new Queue(stack, 'Queue'))._bindRest(binding(ApiKind.REST));

    // THEN
    expectServiceErrorAnswers(config, ServiceErrorFormat.QUERY_PROTOCOL, {
      'AWS.SimpleQueueService.NonExistentQueue': '500',
      AccessDenied: '500',
      'KMS.AccessDeniedException': '500',
      'KMS.ThrottlingException': '429',
      RequestThrottled: '429',
      InvalidParameterValue: '400',
      InvalidMessageContents: '400',
    });
  });

  test('every answer carries the static CORS headers, and the OpenAPI responses declare them', () => {
    // WHEN
    const config = RouteIntegration.sqs(new Queue(stack, 'Queue'))._bindRest(binding(ApiKind.REST, 'POST /events', { staticCorsHeaders: CORS_HEADERS }));

    // THEN
    for (const response of Object.values(config.integration.responses as Record<string, Record<string, unknown>>)) {
      expect(response.responseParameters).toEqual(CORS_HEADERS);
    }
    for (const response of Object.values(config.responses as Record<string, Record<string, unknown>>)) {
      expect(response.headers).toEqual({ 'Access-Control-Allow-Origin': { schema: { type: 'string' } } });
    }
  });

  test('the role trusts API Gateway and may only send messages to the queue', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');

    // WHEN
    const config = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: stack.resolve(queue.queueArn) },
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }] },
    });
  });

  test('a queue encrypted with a customer key adds the data-key actions on that key', () => {
    // GIVEN
    const key = new Key(stack, 'Key');
    const queue = new Queue(stack, 'Queue', { encryption: QueueEncryption.KMS, encryptionMasterKey: key });

    // WHEN
    const config = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: stack.resolve(queue.queueArn) },
      { Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: stack.resolve(key.keyArn) },
    ]);
  });

  test('a queue with the SQS-owned key needs no KMS grant', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { encryption: QueueEncryption.KMS_MANAGED });

    // WHEN
    const config = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST));

    // THEN
    expect(statementsOfRole(stack, config.integration.credentials)).toEqual([{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: stack.resolve(queue.queueArn) }]);
  });

  test('routes of both protocols that send to one queue share one role', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');

    // WHEN
    const first = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST, 'POST /a'));
    const second = RouteIntegration.sqs(queue)._bindRest(binding(ApiKind.REST, 'POST /b'));
    RouteIntegration.sqs(queue)._bindHttp(binding(ApiKind.HTTP, 'POST /c'));

    // THEN
    expect(stack.resolve(first.integration.credentials)).toEqual(stack.resolve(second.integration.credentials));
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Role', 1);
  });
});

describe('RouteIntegration.sqs on FIFO queues', () => {
  test('sends the message group and deduplication ids read from the request, and requires the header it reads', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true });

    // WHEN
    const config = RouteIntegration.sqs(queue, { messageGroupId: '$request.header.X-Group', messageDeduplicationId: '$request.body.order.id' })._bindRest(
      binding(ApiKind.REST),
    );

    // THEN
    expect((config.integration.requestTemplates as Record<string, string>)['application/json']).toBe(
      // The header is found whatever the case of its name; the setup line prints nothing, not even its line break.
      `#set($groupId = "")#foreach($headerName in $input.params().header.keySet())#if($headerName.equalsIgnoreCase('X-Group'))` +
        `#set($groupId = "$!input.params().header.get($headerName)")#end#end##\n` +
        'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' +
        '&MessageGroupId=$util.urlEncode($groupId)' +
        `&MessageDeduplicationId=$util.urlEncode("$!input.path('$.order.id')")`,
    );
    expect(config.requestParameters).toEqual({ 'method.request.header.X-Group': true });
  });

  test('a constant group id is URL-encoded at synth', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true, contentBasedDeduplication: true });

    // WHEN
    const config = RouteIntegration.sqs(queue, { messageGroupId: 'orders & #1' })._bindRest(binding(ApiKind.REST));

    // THEN
    expect((config.integration.requestTemplates as Record<string, string>)['application/json']).toBe(
      'Action=SendMessage&MessageBody=$util.urlEncode($input.body)&MessageGroupId=orders%20%26%20%231',
    );
    expect(config.requestParameters).toBeUndefined();
  });

  test('a FIFO queue without a message group fails', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true, contentBasedDeduplication: true });

    // THEN
    expectApiError(() => RouteIntegration.sqs(queue), 'SqsMessageGroupIdRequired', /messageGroupId is required/, /Stack\/Queue/, /Got: undefined/);
  });

  test('an imported FIFO queue (known by its .fifo name) without a message group fails', () => {
    // GIVEN
    const queue = Queue.fromQueueArn(stack, 'Imported', 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo');

    // THEN
    expectApiError(() => RouteIntegration.sqs(queue), 'SqsMessageGroupIdRequired', /messageGroupId/);
    expect(() => RouteIntegration.sqs(queue, { messageGroupId: '$context.requestId' })).not.toThrow();
  });

  test('a FIFO queue without content-based deduplication needs a deduplication id', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true });

    // THEN
    expectApiError(
      () => RouteIntegration.sqs(queue, { messageGroupId: 'all' }),
      'SqsDeduplicationIdRequired',
      /messageDeduplicationId is required/,
      /contentBasedDeduplication/,
    );
    expect(() => RouteIntegration.sqs(queue, { messageGroupId: 'all', messageDeduplicationId: '$context.requestId' })).not.toThrow();
  });

  test('a deduplication id on a standard queue fails', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');

    // THEN
    expectApiError(
      () => RouteIntegration.sqs(queue, { messageDeduplicationId: '$context.requestId' }),
      'SqsDeduplicationIdUnexpected',
      /messageDeduplicationId applies to FIFO queues only/,
      /Got: "\$context\.requestId"/,
    );
  });

  test('a message group on a standard queue (fair queues) is sent', () => {
    // WHEN
    const config = RouteIntegration.sqs(new Queue(stack, 'Queue'), { messageGroupId: '$request.querystring.tenant' })._bindRest(binding(ApiKind.REST));

    // THEN
    expect((config.integration.requestTemplates as Record<string, string>)['application/json']).toContain(
      `&MessageGroupId=$util.urlEncode("$!input.params().querystring.get('tenant')")`,
    );
    expect(config.requestParameters).toEqual({ 'method.request.querystring.tenant': true });
  });
});

describe('RouteIntegration.sqs request values', () => {
  test.each([
    ['an unknown source', '$request.cookie.session', /must be '\$request\.header\.<name>'/],
    ['a constant with $', 'group-$1', /a constant without '\$'/],
    ['an empty constant', '', /1 to 128 characters/],
    ['a constant over 128 characters', 'g'.repeat(129), /1 to 128 characters/],
  ])('refuses %s', (_what, messageGroupId, pattern) => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');

    // THEN
    expectApiError(() => RouteIntegration.sqs(queue, { messageGroupId }), 'IntegrationMappingInvalid', /RouteIntegration\.sqs\(queue, options\)\.messageGroupId/, pattern);
  });

  test('an unresolved token is taken as a constant without checks', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true, contentBasedDeduplication: true });
    const messageGroupId = Lazy.string({ produce: () => 'late' });

    // WHEN
    const config = RouteIntegration.sqs(queue, { messageGroupId })._bindRest(binding(ApiKind.REST));

    // THEN
    expect(stack.resolve((config.integration.requestTemplates as Record<string, string>)['application/json'])).toBe(
      'Action=SendMessage&MessageBody=$util.urlEncode($input.body)&MessageGroupId=late',
    );
  });

  test('a path parameter the route lacks fails at bind, naming the route', () => {
    // GIVEN
    const integration = RouteIntegration.sqs(new Queue(stack, 'Queue'), { messageGroupId: '$request.path.tenant' });

    // THEN
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'POST /events')), 'IntegrationMappingInvalid', /routes\["POST \/events"\]/, /"tenant"/);
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP, 'POST /events')), 'IntegrationMappingInvalid', /path parameter "tenant"/);
    expect(() => integration._bindRest(binding(ApiKind.REST, 'POST /tenants/{tenant}/events'))).not.toThrow();
  });
});

describe('RouteIntegration.sqs on an HTTP API', () => {
  test('binds the SQS-SendMessage subtype with the whole body, the queue URL and the shared role', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue', { fifo: true, contentBasedDeduplication: true });
    const http = new HttpApi(stack, 'Http');

    // WHEN
    const { integration } = RouteIntegration.sqs(queue, { messageGroupId: '$request.header.X-Group' })._bindHttp(binding(ApiKind.HTTP));
    http.addRoutes({ path: '/events', methods: [HttpMethod.POST], integration });

    // THEN
    const template = Template.fromStack(stack);
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(roleId).toMatch(/^ApiSQSSendMessageRole/);
    template.resourceCountIs('AWS::IAM::Role', 1); // no role of aws-cdk-lib's HttpSqsIntegration
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'SQS-SendMessage',
      PayloadFormatVersion: '1.0',
      CredentialsArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      RequestParameters: { QueueUrl: { Ref: stack.getLogicalId(queue.node.defaultChild as never) }, MessageBody: '$request.body', MessageGroupId: '$request.header.X-Group' },
    });
  });

  test('routes with the same queue and options share one integration; other options do not', () => {
    // GIVEN
    const queue = new Queue(stack, 'Queue');
    const a = binding(ApiKind.HTTP, 'POST /a');
    const b = binding(ApiKind.HTTP, 'POST /b');

    // THEN
    expect(RouteIntegration.sqs(queue)._shareKey(a)).toBe(RouteIntegration.sqs(queue)._shareKey(b));
    expect(RouteIntegration.sqs(queue)._shareKey(a)).not.toBe(RouteIntegration.sqs(queue, { messageGroupId: 'x' })._shareKey(a));
    expect(RouteIntegration.sqs(queue)._shareKey(a)).not.toBe(RouteIntegration.sqs(new Queue(stack, 'Other'))._shareKey(a));
  });

  test('a path-parameter value makes the integration per route', () => {
    // GIVEN
    const integration = RouteIntegration.sqs(new Queue(stack, 'Queue'), { messageGroupId: '$request.path.id' });

    // THEN
    expect(integration._shareKey(binding(ApiKind.HTTP, 'POST /a/{id}'))).not.toBe(integration._shareKey(binding(ApiKind.HTTP, 'POST /b/{id}')));
  });

  test('the factory returns the SQS kind', () => {
    const integration = RouteIntegration.sqs(new Queue(stack, 'Queue'));
    expect(integration).toBeInstanceOf(SqsIntegration);
    expect(integration.kindName).toBe('RouteIntegration.sqs');
  });
});
