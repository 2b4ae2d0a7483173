import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../../lib/core/integrations/aws-service-integration';
import { DynamoDbAction, DynamoDbKeySource } from '../../../lib/core/integrations/dynamodb-integration';
import type { DynamoDbIntegrationOptions } from '../../../lib/core/integrations/dynamodb-integration';
import type { RestIntegrationConfig } from '../../../lib/core/integrations/integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { expectApiError } from '../../support/core-stacks';
import { expectServiceErrorAnswers, routeBindingFixture } from '../../support/route-binding';
import type { Answers, BindRoute } from '../../support/route-binding';

const CORS = { 'method.response.header.Access-Control-Allow-Origin': "'*'" };
const BY_PATH_ID = { partitionKey: { attributeName: 'id', source: DynamoDbKeySource.PATH_PARAMETER } };

let stack: Stack;
let binding: BindRoute;
let table: Table;

beforeEach(() => {
  ({ stack, binding } = routeBindingFixture());
  table = new Table(stack, 'Table', { partitionKey: { name: 'id', type: AttributeType.STRING } });
});

const tableId = (): string => stack.getLogicalId(table.node.defaultChild as never);

/** A template string with tokens rendered as `<Ref:Id>` / `<Id.Arn>`, for reading. */
function text(value: unknown): string {
  const resolved = stack.resolve(value);
  if (typeof resolved === 'string') return resolved;
  return (resolved['Fn::Join'][1] as unknown[])
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return p.Ref ? `<Ref:${p.Ref}>` : `<${p['Fn::GetAtt']!.join('.')}>`;
    })
    .join('');
}

function requestTemplate(config: RestIntegrationConfig): string {
  return text((config.integration.requestTemplates as Record<string, string>)['application/json']);
}

function answerTemplate(config: RestIntegrationConfig): string {
  return (config.integration.responses as Answers).default.responseTemplates!['application/json'];
}

/** The statements of the one policy of the API's one role. */
function roleStatements(): Record<string, unknown>[] {
  const template = Template.fromStack(stack);
  const roles = Object.keys(template.findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  expect(policies[0].Properties.Roles).toEqual([{ Ref: roles[0] }]);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe('GetItem', () => {
  const options: DynamoDbIntegrationOptions = { action: DynamoDbAction.GET_ITEM, key: BY_PATH_ID };

  test('reads the item whose key is the path parameter, through the AWS service action', () => {
    // WHEN
    const config = RouteIntegration.dynamoDb(table, options)._bindRest(binding(ApiKind.REST, 'GET /items/{id}'));
    // THEN
    const integration = stack.resolve(config.integration);
    expect(integration.type).toBe('aws');
    expect(integration.httpMethod).toBe('POST');
    expect(integration.passthroughBehavior).toBe('never');
    expect(text(config.integration.uri)).toBe('arn:<Ref:AWS::Partition>:apigateway:eu-west-1:dynamodb:action/GetItem');
    expect(requestTemplate(config)).toBe(
      [
        `#set($pkValue = "$!input.params().path.get('id')")`,
        `{"TableName": "<Ref:${tableId()}>", "Key": {"id": {"S": "$util.escapeJavaScript($pkValue).replaceAll("\\\\'","'")"}}}`,
      ].join('\n'),
    );
    expect(config.defaultRequestSchema).toBeUndefined();
  });

  test('allows the role GetItem on this table only', () => {
    RouteIntegration.dynamoDb(table, options)._bindRest(binding(ApiKind.REST, 'GET /items/{id}'));
    expect(roleStatements()).toEqual([{ Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [tableId(), 'Arn'] } }]);
  });

  test('lets the role decrypt only with the table customer managed key', () => {
    // GIVEN
    const encrypted = new Table(stack, 'Encrypted', { partitionKey: { name: 'id', type: AttributeType.STRING }, encryption: TableEncryption.CUSTOMER_MANAGED });
    // WHEN
    RouteIntegration.dynamoDb(encrypted, options)._bindRest(binding(ApiKind.REST, 'GET /items/{id}'));
    // THEN
    const keyId = stack.getLogicalId(encrypted.encryptionKey!.node.defaultChild as never);
    expect(roleStatements()).toContainEqual({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(roleStatements()).toHaveLength(2);
  });

  test('answers 404 when there is no item, else the item as plain JSON', () => {
    const config = RouteIntegration.dynamoDb(table, options)._bindRest(binding(ApiKind.REST, 'GET /items/{id}'));
    const template = answerTemplate(config);
    expect(template).toMatch(
      /^#set\(\$item = \$input\.path\('\$\.Item'\)\)\n#if\("\$!item" == ""\)\n#set\(\$context\.responseOverride\.status = 404\)\n\{"message":"No item has this key","requestId":"\$context\.requestId"\}\n#else\n/,
    );
    expect(template).toContain(`#if($attr.containsKey('S'))"$util.escapeJavaScript($attr.S).replaceAll("\\\\'","'")"`);
    expect(template).toContain("#elseif($attr.containsKey('N'))${attr.N}");
    expect(template).toContain(`#{else}$input.json("$.Item['$attrName']")#end`);
    expect(Object.keys(config.responses ?? {}).sort()).toEqual(['200', '400', '404', '409', '429', '500', '502']);
  });

  test('maps DynamoDB errors to error answers, never 200', () => {
    const config = RouteIntegration.dynamoDb(table, options)._bindRest(binding(ApiKind.REST, 'GET /items/{id}', { staticCorsHeaders: CORS }));
    const responses = config.integration.responses as Answers;
    expect(Object.keys(responses)).toEqual(['default', '4\\d{2}', '5\\d{2}']);
    expect(responses['4\\d{2}'].statusCode).toBe('400');
    expectServiceErrorAnswers(config, ServiceErrorFormat.JSON_PROTOCOL, {
      'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException': '409',
      'com.amazonaws.dynamodb.v20120810#TransactionConflictException': '409',
      'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException': '429',
      'com.amazonaws.dynamodb.v20120810#ThrottlingException': '429',
      'com.amazon.coral.validate#ValidationException': '400',
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException': '500',
      'com.amazon.coral.service#AccessDeniedException': '500',
    });
    expect(responses['5\\d{2}'].statusCode).toBe('502');
    for (const response of Object.values(responses)) expect(response.responseParameters).toEqual(CORS);
    for (const response of Object.values(config.responses as Answers)) expect(response.headers).toHaveProperty('Access-Control-Allow-Origin');
  });

  test('reads a number key from a query string that the method requires', () => {
    const config = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.GET_ITEM,
      key: { partitionKey: { attributeName: 'id', source: DynamoDbKeySource.QUERY_STRING, name: 'itemId', attributeType: AttributeType.NUMBER } },
    })._bindRest(binding(ApiKind.REST, 'GET /items'));
    expect(config.requestParameters).toEqual({ 'method.request.querystring.itemId': true });
    expect(requestTemplate(config)).toContain(`#set($pkValue = "$!input.params().querystring.get('itemId')")`);
    expect(requestTemplate(config)).toContain('"Key": {"id": {"N": ');
  });

  test('reads a sort key too', () => {
    const config = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.GET_ITEM,
      key: { ...BY_PATH_ID, sortKey: { attributeName: 'version', source: DynamoDbKeySource.PATH_PARAMETER, name: 'v' } },
    })._bindRest(binding(ApiKind.REST, 'GET /items/{id}/versions/{v}'));
    expect(requestTemplate(config)).toContain(`#set($skValue = "$!input.params().path.get('v')")`);
    expect(requestTemplate(config)).toContain(`"Key": {"id": {"S": "$util.escapeJavaScript($pkValue).replaceAll("\\\\'","'")"}, "version": {"S": "$util.escapeJavaScript($skValue)`);
  });
});

describe('PutItem', () => {
  test('writes the body fields as string attributes, with the key from the path', () => {
    // WHEN
    const config = RouteIntegration.dynamoDb(table, { action: DynamoDbAction.PUT_ITEM, key: BY_PATH_ID })._bindRest(binding(ApiKind.REST, 'PUT /items/{id}'));
    // THEN
    expect(requestTemplate(config)).toBe(
      [
        `#set($pkValue = "$!input.params().path.get('id')")`,
        "#set($body = $input.path('$'))",
        `{"TableName": "<Ref:${tableId()}>", "Item": {"id": {"S": "$util.escapeJavaScript($pkValue).replaceAll("\\\\'","'")"}`,
        '#foreach($field in $body.keySet())',
        "#if($field != 'id')",
        `, "$util.escapeJavaScript($field).replaceAll("\\\\'","'")": {"S": "$util.escapeJavaScript("$!body.get($field)").replaceAll("\\\\'","'")"}`,
        '#end',
        '#end',
        '}}',
      ].join('\n'),
    );
    expect(answerTemplate(config)).toBe('{}');
    expect(config.defaultRequestSchema).toEqual({ type: 'object', properties: {}, additionalProperties: { type: 'string' } });
    expect(roleStatements()).toEqual([{ Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [tableId(), 'Arn'] } }]);
  });

  test('reads a key from the body, which the request schema requires, and can refuse to overwrite', () => {
    const config = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.PUT_ITEM,
      key: { partitionKey: { attributeName: 'id', source: DynamoDbKeySource.BODY, name: 'orderId' } },
      preventOverwrite: true,
    })._bindRest(binding(ApiKind.REST, 'POST /items'));
    const template = requestTemplate(config);
    expect(template).toContain(`#set($pkValue = "$!input.path('$.orderId')")`);
    expect(template).toContain("#if($field != 'id' && $field != 'orderId')");
    expect(template.endsWith('}, "ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": "id"}}')).toBe(true);
    expect(config.defaultRequestSchema).toEqual({
      type: 'object',
      properties: { orderId: { type: 'string', minLength: 1 } },
      required: ['orderId'],
      additionalProperties: { type: 'string' },
    });
  });

  test('lets the role encrypt and decrypt with the table customer managed key, without wildcard actions', () => {
    // GIVEN
    const encrypted = new Table(stack, 'Encrypted', { partitionKey: { name: 'id', type: AttributeType.STRING }, encryption: TableEncryption.CUSTOMER_MANAGED });
    // WHEN
    RouteIntegration.dynamoDb(encrypted, { action: DynamoDbAction.PUT_ITEM, key: BY_PATH_ID })._bindRest(binding(ApiKind.REST, 'PUT /items/{id}'));
    // THEN
    const keyId = stack.getLogicalId(encrypted.encryptionKey!.node.defaultChild as never);
    const statements = roleStatements();
    expect(statements).toContainEqual({
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(statements).toContainEqual({ Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [stack.getLogicalId(encrypted.node.defaultChild as never), 'Arn'] } });
    expect(statements).toHaveLength(2);
  });
});

describe('Query', () => {
  test('reads the items of a partition of an index, allowed on that index only', () => {
    // WHEN
    const config = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.QUERY,
      key: { partitionKey: { attributeName: 'owner', source: DynamoDbKeySource.PATH_PARAMETER, name: 'ownerId' } },
      indexName: 'byOwner',
      limit: 50,
    })._bindRest(binding(ApiKind.REST, 'GET /owners/{ownerId}/items'));
    // THEN
    expect(requestTemplate(config)).toContain(
      `{"TableName": "<Ref:${tableId()}>", "IndexName": "byOwner", "KeyConditionExpression": "#pk = :pk", "ExpressionAttributeNames": {"#pk": "owner"}, "ExpressionAttributeValues": {":pk": {"S": "$util.escapeJavaScript($pkValue).replaceAll("\\\\'","'")"}}, "Limit": 50}`,
    );
    expect(roleStatements()).toEqual([{ Action: 'dynamodb:Query', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId(), 'Arn'] }, '/index/byOwner']] } }]);
  });

  test('adds each queried index to the one statement of the role', () => {
    const key = { partitionKey: { attributeName: 'owner', source: DynamoDbKeySource.PATH_PARAMETER, name: 'ownerId' } };
    RouteIntegration.dynamoDb(table, { action: DynamoDbAction.QUERY, key, indexName: 'byOwner' })._bindRest(binding(ApiKind.REST, 'GET /owners/{ownerId}/items'));
    RouteIntegration.dynamoDb(table, { action: DynamoDbAction.QUERY, key, indexName: 'byOwner' })._bindRest(binding(ApiKind.REST, 'GET /owners/{ownerId}/items2'));
    RouteIntegration.dynamoDb(table, { action: DynamoDbAction.QUERY, key: BY_PATH_ID })._bindRest(binding(ApiKind.REST, 'GET /items/{id}/all'));
    const statements = roleStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0].Resource).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId(), 'Arn'] }, '/index/byOwner']] },
      { 'Fn::GetAtt': [tableId(), 'Arn'] },
    ]);
  });

  test('matches the sort key too, and answers items with a truncation flag', () => {
    const config = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.QUERY,
      key: { ...BY_PATH_ID, sortKey: { attributeName: 'day', source: DynamoDbKeySource.QUERY_STRING } },
    })._bindRest(binding(ApiKind.REST, 'GET /items/{id}/events'));
    expect(requestTemplate(config)).toContain('"KeyConditionExpression": "#pk = :pk AND #sk = :sk", "ExpressionAttributeNames": {"#pk": "id", "#sk": "day"}');
    const answer = answerTemplate(config);
    expect(answer).toContain(`{"items": [#foreach($item in $items){#foreach($attrName in $item.keySet())`);
    expect(answer).toContain(`$input.json("$.Items[$itemIndex]['$attrName']")`);
    expect(answer).toContain(`"truncated": #if("$!input.path('$.LastEvaluatedKey')" == "")false#{else}true#end}`);
  });
});

describe('validation', () => {
  test('fails without a key mapping', () => {
    expectApiError(
      () => RouteIntegration.dynamoDb(table, { action: DynamoDbAction.GET_ITEM } as unknown as DynamoDbIntegrationOptions),
      'DynamoDbKeyMissing',
      /options\.key\.partitionKey is required/,
      /Got: undefined/,
    );
  });

  test('fails when a key reads a path parameter the route does not have', () => {
    const integration = RouteIntegration.dynamoDb(table, { action: DynamoDbAction.GET_ITEM, key: BY_PATH_ID });
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'GET /items/{itemId}')), 'DynamoDbKeyParameterUnknown', /routes\["GET \/items\/\{itemId\}"\].*path parameter "id"/, /Got: \["itemId"\]/);
  });

  test('fails when a key reads the body of a GET request', () => {
    const integration = RouteIntegration.dynamoDb(table, {
      action: DynamoDbAction.GET_ITEM,
      key: { partitionKey: { attributeName: 'id', source: DynamoDbKeySource.BODY } },
    });
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'GET /items')), 'DynamoDbKeySourceInvalid', /options\.key\.partitionKey reads the body/, /Got: "GET \/items"/);
  });

  test('fails when PutItem serves a route without a body', () => {
    const integration = RouteIntegration.dynamoDb(table, { action: DynamoDbAction.PUT_ITEM, key: BY_PATH_ID });
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'DELETE /items/{id}')), 'DynamoDbKeySourceInvalid', /PUT_ITEM writes the request body/, /Got: "DELETE \/items\/\{id\}"/);
  });

  test.each([
    ['an attribute name with a quote', { attributeName: "id'", source: DynamoDbKeySource.PATH_PARAMETER, name: 'id' }, /partitionKey\.attributeName/],
    ['a default request name that is no identifier', { attributeName: 'user.id', source: DynamoDbKeySource.PATH_PARAMETER }, /partitionKey\.name .*defaults to attributeName/],
    ['a binary key', { attributeName: 'id', source: DynamoDbKeySource.PATH_PARAMETER, attributeType: AttributeType.BINARY }, /partitionKey\.attributeType/],
    ['an unknown source', { attributeName: 'id', source: 'cookie' as DynamoDbKeySource }, /partitionKey\.source/],
  ])('refuses %s', (_what, partitionKey, message) => {
    expectApiError(() => RouteIntegration.dynamoDb(table, { action: DynamoDbAction.GET_ITEM, key: { partitionKey } }), 'DynamoDbKeyInvalid', message, /Got: /);
  });

  test('refuses a sort key on the partition key attribute', () => {
    expectApiError(
      () => RouteIntegration.dynamoDb(table, { action: DynamoDbAction.GET_ITEM, key: { ...BY_PATH_ID, sortKey: { attributeName: 'id', source: DynamoDbKeySource.QUERY_STRING } } }),
      'DynamoDbKeyInvalid',
      /options\.key\.sortKey\.attributeName must differ/,
      /Got: "id"/,
    );
  });

  test.each([
    ['indexName on GetItem', { action: DynamoDbAction.GET_ITEM, indexName: 'byOwner' }, /options\.indexName applies to DynamoDbAction\.QUERY only/],
    ['a malformed indexName', { action: DynamoDbAction.QUERY, indexName: 'by owner' }, /options\.indexName must be/],
    ['limit on PutItem', { action: DynamoDbAction.PUT_ITEM, limit: 10 }, /options\.limit applies to DynamoDbAction\.QUERY only/],
    ['a limit of 0', { action: DynamoDbAction.QUERY, limit: 0 }, /options\.limit must be an integer from 1 to 1000/],
    ['preventOverwrite on Query', { action: DynamoDbAction.QUERY, preventOverwrite: true }, /options\.preventOverwrite applies to DynamoDbAction\.PUT_ITEM only/],
    ['an unknown action', { action: 'DeleteItem' as DynamoDbAction }, /options\.action must be one of GetItem, PutItem, Query/],
  ])('refuses %s', (_what, options, message) => {
    expectApiError(() => RouteIntegration.dynamoDb(table, { key: BY_PATH_ID, ...options }), 'DynamoDbOptionInvalid', message, /Got: /);
  });

  test('is not offered on HTTP APIs', () => {
    const integration = RouteIntegration.dynamoDb(table, { action: DynamoDbAction.GET_ITEM, key: BY_PATH_ID });
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP, 'GET /items/{id}')), 'IntegrationUnsupported', /RouteIntegration\.dynamoDb is offered on REST APIs only/, /Got: kind HTTP/);
  });
});
