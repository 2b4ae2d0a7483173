import { Validations } from 'aws-cdk-lib';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { ApiAuth, ApiKind, DynamoDbAction, DynamoDbKeySource, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { Integration } from '../../lib';
import { expectApiError } from '../support/core-stacks';
import { statementsOfRole } from '../support/route-binding';
import { newStack } from '../support/stacks';

/** The OpenAPI operation of `POST /x` in the REST API's Body, and the document's schemas. */
interface RestBody {
  readonly paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown>; 'x-amazon-apigateway-integration': Record<string, unknown> }>>;
  readonly components: { readonly schemas: Record<string, unknown> };
}

/** WHEN a ServerlessApi of `kind` is built with one public `POST /x` route to the integration `make` creates in the stack. */
function apiWith(kind: ApiKind, make: (stack: Stack) => Integration): { stack: Stack; api: ServerlessApi } {
  const { stack } = newStack();
  const api = new ServerlessApi(stack, 'Api', {
    profile: StageProfile.dev(),
    kind,
    apiName: 'services',
    routes: { 'POST /x': { integration: make(stack), auth: ApiAuth.none() } },
  });
  return { stack, api };
}

/** The Body of the one REST API in the stack's template. */
function bodyOf(stack: Stack): RestBody {
  const apis = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi'));
  expect(apis).toHaveLength(1);
  return apis[0].Properties.Body as RestBody;
}

const machine = (stack: Stack, type: StateMachineType): StateMachine =>
  new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')), stateMachineType: type });

/** A DynamoDB PutItem of the body, keyed by its `id` field, on a new table. */
const putItem = (stack: Stack): Integration =>
  RouteIntegration.dynamoDb(new Table(stack, 'Table', { partitionKey: { name: 'id', type: AttributeType.STRING } }), {
    action: DynamoDbAction.PUT_ITEM,
    key: { partitionKey: { attributeName: 'id', source: DynamoDbKeySource.BODY } },
  });

describe('AWS service integrations through a REST ServerlessApi', () => {
  test.each<[string, (stack: Stack) => Integration, string, string, Record<string, unknown>]>([
    ['sqs', (stack) => RouteIntegration.sqs(new Queue(stack, 'Queue')), 'sqs:path/', 'sqs:SendMessage', { type: 'object' }],
    [
      'eventBridge',
      (stack) => RouteIntegration.eventBridge(new EventBus(stack, 'Bus'), { source: 'com.example', detailType: 'Thing' }),
      'events:action/PutEvents',
      'events:PutEvents',
      { type: 'object' },
    ],
    ['kinesis', (stack) => RouteIntegration.kinesis(new Stream(stack, 'Stream')), 'kinesis:action/PutRecord', 'kinesis:PutRecord', { type: 'object' }],
    ['stepFunctions', (stack) => RouteIntegration.stepFunctions(machine(stack, StateMachineType.STANDARD)), 'states:action/StartExecution', 'states:StartExecution', { type: 'object' }],
    [
      'dynamoDb',
      putItem,
      'dynamodb:action/PutItem',
      'dynamodb:PutItem',
      { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'], additionalProperties: { type: 'string' } },
    ],
  ])('%s: the Body holds the integration, its role may do only its action, and its body schema is a model', (_kind, make, uriPart, action, schema) => {
    // WHEN
    const { stack } = apiWith(ApiKind.REST, make);

    // THEN
    const body = bodyOf(stack);
    const operation = body.paths['/x'].post;
    const integration = operation['x-amazon-apigateway-integration'];
    expect(integration).toMatchObject({ type: 'aws', httpMethod: 'POST', passthroughBehavior: 'never' });
    expect(JSON.stringify(integration.uri)).toContain(uriPart);
    expect(Object.keys(integration.responses as object)).toEqual(['default', '4\\d{2}', '5\\d{2}']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '429', '500', '502']));
    // The role API Gateway assumes: trusted by API Gateway, allowed the one action.
    const [roleId] = (integration.credentials as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    expect(Template.fromStack(stack).toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'apigateway.amazonaws.com' } }),
    ]);
    expect(statementsOfRole(stack, integration.credentials).map((s) => (s as { Action: unknown }).Action)).toEqual([action]);
    // Its inline policy, and nothing else of the role, carries the IAMNoInlinePolicy acknowledgment.
    const role = stack.node.findAll().find((c) => c.node.defaultChild !== undefined && stack.getLogicalId(c.node.defaultChild as CfnElement) === roleId)!;
    const acknowledgedOn = (c: IConstruct) =>
      c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as Record<string, string>));
    expect(acknowledgedOn(role.node.findChild('DefaultPolicy'))).toEqual(
      expect.arrayContaining(['NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy']),
    );
    expect(acknowledgedOn(role)).toEqual([]);
    // The integration's default body schema became the operation's model.
    expect(body.components.schemas).toEqual({ PostXRequest: schema });
    expect(operation.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PostXRequest' } } } });
  });

  test('httpTransform: no body model of its own (an object-or-array model needs anyOf, which the import drops)', () => {
    // WHEN
    const { stack } = apiWith(ApiKind.REST, () => RouteIntegration.httpTransform('https://backend.example.com/x'));

    // THEN
    expect(bodyOf(stack).components.schemas).toEqual({});
  });
});

describe('AWS service integrations that a ServerlessApi refuses', () => {
  test('dynamoDb on an HTTP API fails with IntegrationUnsupported', () => {
    expectApiError(
      () => apiWith(ApiKind.HTTP, putItem),
      'IntegrationUnsupported',
      /routes\["POST \/x"\]\.integration: RouteIntegration\.dynamoDb is offered on REST APIs only/,
      /Got: kind HTTP/,
    );
  });

  test('a synchronous stepFunctions route on a Standard state machine fails with StepFunctionsSyncNeedsExpress', () => {
    expectApiError(
      () => apiWith(ApiKind.REST, (stack) => RouteIntegration.stepFunctions(machine(stack, StateMachineType.STANDARD), { sync: true })),
      'StepFunctionsSyncNeedsExpress',
      /routes\["POST \/x"\]\.integration/,
      /Got: STANDARD/,
    );
  });
});
