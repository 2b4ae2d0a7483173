import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CustomerManagedEncryptionConfiguration, DefinitionBody, Pass, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../../lib/core/integrations/aws-service-integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { StepFunctionsIntegration } from '../../../lib/core/integrations/step-functions-integration';
import { expectApiError } from '../../support/core-stacks';
import { expectServiceErrorAnswers, routeBindingFixture } from '../../support/route-binding';
import type { Answers, BindRoute } from '../../support/route-binding';

const CORS = { 'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'" };

let stack: Stack;
let binding: BindRoute;

beforeEach(() => {
  ({ stack, binding } = routeBindingFixture('POST /orders'));
});

function machine(type: StateMachineType = StateMachineType.STANDARD, id = 'Machine', props: { encryptionKey?: Key } = {}): StateMachine {
  return new StateMachine(stack, id, {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, `${id}Pass`)),
    stateMachineType: type,
    ...(props.encryptionKey ? { encryptionConfiguration: new CustomerManagedEncryptionConfiguration(props.encryptionKey) } : {}),
  });
}

const imported = (): IStateMachine => StateMachine.fromStateMachineArn(stack, 'Imported', 'arn:aws:states:eu-west-1:111111111111:stateMachine:orders');

/** The integration object with tokens resolved to CloudFormation. */
const resolved = (value: unknown) => stack.resolve(value);

function logicalId(construct: StateMachine | Key): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** The roles created in the API (the state machines have roles of their own). */
function apiRoleIds(): string[] {
  return Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role')).filter((id) => id.startsWith('Api'));
}

/** The statements of the one policy of the API's one role. */
function roleStatements(): Record<string, unknown>[] {
  const policies = Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('Api'));
  expect(policies).toHaveLength(1);
  expect(apiRoleIds()).toHaveLength(1);
  expect(policies[0][1].Properties.Roles).toEqual([{ Ref: apiRoleIds()[0] }]);
  return policies[0][1].Properties.PolicyDocument.Statement;
}

describe('StartExecution on a REST API', () => {
  test('starts an execution with the request body as input, through the AWS service action', () => {
    // GIVEN
    const sm = machine();
    // WHEN
    const config = RouteIntegration.stepFunctions(sm)._bindRest(binding(ApiKind.REST));
    // THEN
    const integration = resolved(config.integration);
    expect(integration.type).toBe('aws');
    expect(integration.httpMethod).toBe('POST');
    expect(integration.uri).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-west-1:states:action/StartExecution']] });
    expect(integration.passthroughBehavior).toBe('never');
    expect(Object.keys(integration.requestTemplates)).toEqual(['application/json']);
    const template = JSON.stringify(integration.requestTemplates['application/json']);
    expect(template).toContain(logicalId(sm));
    expect(integration.requestTemplates['application/json']['Fn::Join'][1].join('')).toContain(
      `"input": "$util.escapeJavaScript($input.json('$')).replaceAll("\\\\'","'")"`,
    );
  });

  test('uses a role of API Gateway that may start executions of this state machine only', () => {
    // GIVEN
    const sm = machine();
    // WHEN
    const config = RouteIntegration.stepFunctions(sm)._bindRest(binding(ApiKind.REST));
    // THEN
    expect(roleStatements()).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: logicalId(sm) } }]);
    const [roleId] = apiRoleIds();
    expect(Template.fromStack(stack).toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'apigateway.amazonaws.com' } }),
    ]);
    expect(resolved(config.integration).credentials).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  test('answers 200 with the execution ARN and start date', () => {
    const config = RouteIntegration.stepFunctions(machine())._bindRest(binding(ApiKind.REST));
    const responses = config.integration.responses as Answers;
    expect(responses.default.statusCode).toBe('200');
    expect(responses.default.responseTemplates!['application/json']).toBe(`{"executionArn": $input.json('$.executionArn'), "startDate": $input.json('$.startDate')}`);
    expect(Object.keys(config.responses ?? {})).toContain('200');
  });

  test('maps service errors to 4xx and 5xx answers, never to 200', () => {
    const config = RouteIntegration.stepFunctions(machine())._bindRest(binding(ApiKind.REST));
    const responses = config.integration.responses as Answers;
    expect(responses['4\\d{2}'].statusCode).toBe('400');
    expect(responses['5\\d{2}'].statusCode).toBe('502');
    // The error's __type decides: a refused input 400, throttling 429, anything else (the API's own role, key or state machine) 500.
    expectServiceErrorAnswers(config, ServiceErrorFormat.JSON_PROTOCOL, {
      InvalidExecutionInput: '400',
      ExecutionLimitExceeded: '429',
      KmsThrottlingException: '429',
      ExecutionAlreadyExists: '409',
      StateMachineDoesNotExist: '500',
      KmsAccessDeniedException: '500',
      AccessDeniedException: '500',
    });
    for (const [pattern, response] of Object.entries(responses)) {
      if (pattern !== 'default') expect(Number(response.statusCode)).toBeGreaterThanOrEqual(400);
    }
    expect(Object.keys(config.responses ?? {}).sort()).toEqual(['200', '400', '409', '429', '500', '502']);
  });

  test('asks for a JSON object body on routes with a body, and for none on GET routes', () => {
    expect(RouteIntegration.stepFunctions(machine())._bindRest(binding(ApiKind.REST)).defaultRequestSchema).toEqual({ type: 'object' });
    expect(RouteIntegration.stepFunctions(machine(StateMachineType.STANDARD, 'Other'))._bindRest(binding(ApiKind.REST, 'GET /orders')).defaultRequestSchema).toBeUndefined();
  });

  test('carries the static CORS headers on every answer and declares them', () => {
    // WHEN
    const config = RouteIntegration.stepFunctions(machine())._bindRest(binding(ApiKind.REST, 'POST /orders', { staticCorsHeaders: CORS }));
    // THEN
    for (const response of Object.values(config.integration.responses as Answers)) {
      expect(response.responseParameters).toEqual(CORS);
    }
    for (const response of Object.values(config.responses as Answers)) {
      expect(response.headers).toEqual({ 'Access-Control-Allow-Origin': { schema: { type: 'string' } } });
    }
  });

  test('shares one role between routes of the same state machine', () => {
    const integration = RouteIntegration.stepFunctions(machine());
    integration._bindRest(binding(ApiKind.REST, 'POST /orders'));
    integration._bindRest(binding(ApiKind.REST, 'PUT /orders/{id}'));
    RouteIntegration.stepFunctions(integration.stateMachine)._bindRest(binding(ApiKind.REST, 'POST /other'));
    expect(apiRoleIds()).toHaveLength(1);
  });
});

describe('customer managed keys', () => {
  test('lets the role use the key of a state machine created in the app, for that state machine only', () => {
    // GIVEN
    const key = new Key(stack, 'Key');
    const sm = machine(StateMachineType.STANDARD, 'Machine', { encryptionKey: key });
    // WHEN
    RouteIntegration.stepFunctions(sm)._bindRest(binding(ApiKind.REST));
    // THEN
    expect(roleStatements()).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: logicalId(sm) } },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': { Ref: logicalId(sm) } } },
      },
    ]);
  });

  test('lets the role use the key given for an imported state machine', () => {
    // GIVEN
    const key = new Key(stack, 'Key');
    // WHEN
    RouteIntegration.stepFunctions(imported(), { encryptionKey: key })._bindRest(binding(ApiKind.REST));
    // THEN
    const statements = roleStatements();
    expect(statements).toHaveLength(2);
    expect(statements[1]).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } });
  });

  test('grants no key use for a state machine without a customer managed key', () => {
    RouteIntegration.stepFunctions(machine())._bindRest(binding(ApiKind.REST));
    expect(JSON.stringify(roleStatements())).not.toContain('kms:');
  });
});

describe('StartSyncExecution on a REST API', () => {
  test('runs an Express state machine synchronously, allowed only StartSyncExecution', () => {
    // GIVEN
    const sm = machine(StateMachineType.EXPRESS);
    // WHEN
    const config = RouteIntegration.stepFunctions(sm, { sync: true })._bindRest(binding(ApiKind.REST));
    // THEN
    expect(resolved(config.integration).uri['Fn::Join'][1][2]).toBe(':apigateway:eu-west-1:states:action/StartSyncExecution');
    expect(roleStatements()).toEqual([{ Action: 'states:StartSyncExecution', Effect: 'Allow', Resource: { Ref: logicalId(sm) } }]);
  });

  test('answers the output of a succeeded execution, 500 for a failed one and 504 for a timed-out one', () => {
    const config = RouteIntegration.stepFunctions(machine(StateMachineType.EXPRESS), { sync: true })._bindRest(binding(ApiKind.REST));
    const template = (config.integration.responses as Answers).default.responseTemplates!['application/json'];
    expect(template).toContain("#if($execStatus == 'SUCCEEDED')\n$!input.path('$.output')\n#elseif($execStatus == 'TIMED_OUT')\n#set($context.responseOverride.status = 504)");
    expect(template).toMatch(/#else\n#set\(\$context\.responseOverride\.status = 500\)\n\{"message":"The execution failed","requestId":"\$context\.requestId"\}\n#end$/);
    expect(Object.keys(config.responses ?? {})).toEqual(expect.arrayContaining(['200', '500', '504']));
    expect(Object.keys(config.responses ?? {})).not.toContain('404');
  });

  test('answers 400 with the error and cause for the failures listed as client errors', () => {
    const config = RouteIntegration.stepFunctions(machine(StateMachineType.EXPRESS), { sync: true, clientErrors: ['ValidationError', 'Order.Rejected'] })._bindRest(
      binding(ApiKind.REST),
    );
    const template = (config.integration.responses as Answers).default.responseTemplates!['application/json'];
    expect(template).toContain("#elseif($execStatus == 'FAILED' && ($execError == 'ValidationError' || $execError == 'Order.Rejected'))\n#set($context.responseOverride.status = 400)");
    expect(template).toContain(`{"error": "$util.escapeJavaScript($execError).replaceAll("\\\\'","'")", "cause": "$util.escapeJavaScript($execCause).replaceAll("\\\\'","'")"}`);
    expect(Object.keys(config.responses ?? {})).toContain('400');
  });

  test('fails on a Standard state machine, naming stateMachineType', () => {
    const integration = RouteIntegration.stepFunctions(machine(StateMachineType.STANDARD), { sync: true });
    expectApiError(() => integration._bindRest(binding(ApiKind.REST)), 'StepFunctionsSyncNeedsExpress', /routes\["POST \/orders"\]/, /stateMachine\.stateMachineType must be EXPRESS\. Got: STANDARD/);
  });

  test('fails on an imported state machine of unknown type', () => {
    const integration = RouteIntegration.stepFunctions(imported(), { sync: true });
    expectApiError(() => integration._bindRest(binding(ApiKind.REST)), 'StepFunctionsSyncTypeUnknown', /options\.expressStateMachine/, /Got: undefined/);
  });

  test('accepts an imported state machine declared Express', () => {
    const config = RouteIntegration.stepFunctions(imported(), { sync: true, expressStateMachine: true })._bindRest(binding(ApiKind.REST));
    expect(resolved(config.integration).uri['Fn::Join'][1][2]).toContain('StartSyncExecution');
  });
});

describe('option validation', () => {
  test('refuses expressStateMachine contradicting a state machine created in the app', () => {
    expectApiError(
      () => RouteIntegration.stepFunctions(machine(StateMachineType.STANDARD), { sync: true, expressStateMachine: true }),
      'StepFunctionsOptionInvalid',
      /options\.expressStateMachine contradicts stateMachine\.stateMachineType STANDARD/,
      /Got: true/,
    );
  });

  test('refuses clientErrors without sync', () => {
    expectApiError(() => RouteIntegration.stepFunctions(machine(), { clientErrors: ['Bad'] }), 'StepFunctionsOptionInvalid', /options\.clientErrors/, /Got: \["Bad"\]/);
  });

  test('refuses a client error name that could break the mapping template', () => {
    expectApiError(
      () => RouteIntegration.stepFunctions(machine(StateMachineType.EXPRESS), { sync: true, clientErrors: ["x' || true || '"] }),
      'StepFunctionsOptionInvalid',
      /options\.clientErrors entries/,
      /Got: "x' \|\| true \|\| '"/,
    );
  });
});

describe('HTTP APIs', () => {
  test('starts an execution through the StepFunctions-StartExecution subtype with the body as input and the API role', () => {
    // GIVEN
    const sm = machine();
    const httpApi = new HttpApi(stack, 'HttpApi');
    // WHEN
    const config = RouteIntegration.stepFunctions(sm)._bindHttp(binding(ApiKind.HTTP));
    httpApi.addRoutes({ path: '/orders', methods: [HttpMethod.POST], integration: config.integration });
    // THEN
    const [roleId] = apiRoleIds();
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'StepFunctions-StartExecution',
      PayloadFormatVersion: '1.0',
      CredentialsArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      RequestParameters: { StateMachineArn: { Ref: logicalId(sm) }, Input: '$request.body' },
    });
    expect(roleStatements()).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: logicalId(sm) } }]);
  });

  test('refuses sync: an HTTP API would answer 200 for a failed execution', () => {
    const integration = RouteIntegration.stepFunctions(machine(StateMachineType.EXPRESS), { sync: true });
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP)), 'IntegrationUnsupported', /RouteIntegration\.stepFunctions with sync: true is offered on REST APIs only/, /Got: kind HTTP/);
  });

  test('shares one integration between routes of the same state machine and mode only', () => {
    const sm = machine(StateMachineType.EXPRESS);
    expect(new StepFunctionsIntegration(sm)._shareKey()).toBe(RouteIntegration.stepFunctions(sm)._shareKey());
    expect(RouteIntegration.stepFunctions(sm, { sync: true })._shareKey()).not.toBe(RouteIntegration.stepFunctions(sm)._shareKey());
    expect(RouteIntegration.stepFunctions(machine(StateMachineType.EXPRESS, 'Other'))._shareKey()).not.toBe(RouteIntegration.stepFunctions(sm)._shareKey());
  });
});
