import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, StageProfile } from '../../lib';
import { templateOf } from '../support/stacks';
import {
  actionsOf,
  connectionsArn,
  functionStatements,
  JWT,
  logicalIdOf,
  roleStatements,
  statementsFor,
  tableArns,
  userRouteFunction,
  webSocketApi,
} from '../support/realtime-websocket-api-fixtures';

/** What every function role holds besides its table and API rights: its own log group, and X-Ray. */
const BASELINE = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

type HandlerRole = 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe' | 'publish';

// Least privilege: each handler's role holds exactly the table actions its code uses, on the table
// (and the channel index only where it queries it), and only publish may post to connections.
describe('RealtimeWebSocketApi permissions', () => {
  test.each<[HandlerRole, string[], boolean]>([
    ['connect', ['dynamodb:PutItem'], false],
    ['disconnect', ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'], false],
    ['subscribe', ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], false],
    ['unsubscribe', ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'], false],
    ['publish', ['dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'], true],
  ])('the %s handler may use exactly %j on the table', (role, actions, onIndex) => {
    // GIVEN / WHEN
    const { stack, api, template } = webSocketApi();
    const { tableArn, indexArn } = tableArns(stack, api);

    // THEN: the table actions on the table; on the channel index, only Query
    const statements = functionStatements(stack, template, api.handlers[role]);
    expect(statementsFor(statements, 'dynamodb')).toEqual([
      { Action: actions.length === 1 ? actions[0] : actions, Effect: 'Allow', Resource: tableArn },
      ...(onIndex ? [{ Action: 'dynamodb:Query', Effect: 'Allow', Resource: indexArn }] : []),
    ]);
    const apiActions = role === 'publish' ? ['execute-api:ManageConnections'] : [];
    expect(actionsOf(statements)).toEqual([...BASELINE, ...actions, ...(onIndex ? ['dynamodb:Query'] : []), ...apiActions].sort());
  });

  test('only the publish handler may post to connections, on this API and stage only', () => {
    const { stack, api, template } = webSocketApi();

    expect(statementsFor(functionStatements(stack, template, api.handlers.publish), 'execute-api')).toEqual([
      { Action: 'execute-api:ManageConnections', Effect: 'Allow', Resource: connectionsArn(stack, api) },
    ]);
    for (const role of ['connect', 'disconnect', 'fallback', 'subscribe', 'unsubscribe'] as const) {
      expect(statementsFor(functionStatements(stack, template, api.handlers[role]), 'execute-api')).toEqual([]);
    }
  });

  test('the default handler has no table access at all', () => {
    const { stack, api, template } = webSocketApi();

    expect(actionsOf(functionStatements(stack, template, api.handlers.fallback))).toEqual(BASELINE);
  });

  test('the JWT authorizer has no table or API access', () => {
    const { stack, api, template } = webSocketApi({ connectAuth: ApiAuth.jwt(JWT) });

    expect(actionsOf(functionStatements(stack, template, api.handlers.authorizer!))).toEqual(BASELINE);
  });

  test('without tracing, roles hold no X-Ray statement', () => {
    const { stack, api, template } = webSocketApi({ profile: StageProfile.dev({ tracing: false }) });

    expect(actionsOf(functionStatements(stack, template, api.handlers.connect))).toEqual(['dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  test('a user route may read the table and the channel index and post to connections', () => {
    // GIVEN
    const { stack, api } = webSocketApi();
    const fn = userRouteFunction(stack);

    // WHEN
    api.addRoute('sendMessage', fn);

    // THEN
    const template = templateOf(stack);
    const { tableArn, indexArn } = tableArns(stack, api);
    const statements = functionStatements(stack, template, fn);
    expect(statementsFor(statements, 'dynamodb')).toEqual([
      { Action: ['dynamodb:GetItem', 'dynamodb:Query'], Effect: 'Allow', Resource: tableArn },
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: indexArn },
    ]);
    expect(statementsFor(statements, 'execute-api')).toEqual([
      { Action: 'execute-api:ManageConnections', Effect: 'Allow', Resource: connectionsArn(stack, api) },
    ]);
    expect(actionsOf(statements)).toEqual(
      [...BASELINE, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query', 'execute-api:ManageConnections'].sort(),
    );
  });

  test('props.routes grants the same as addRoute', () => {
    let fn: ReturnType<typeof userRouteFunction> | undefined;
    const { stack, api, template } = webSocketApi((s) => {
      fn = userRouteFunction(s);
      return { routes: { sendMessage: fn } };
    });

    const statements = functionStatements(stack, template, fn!);
    expect(actionsOf(statementsFor(statements, 'dynamodb'))).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query']);
    expect(statementsFor(statements, 'execute-api')[0].Resource).toEqual(connectionsArn(stack, api));
  });

  test('grantManageConnections lets an external role post to this stage’s connections', () => {
    // GIVEN
    const { stack, api } = webSocketApi({ profile: StageProfile.prod() });
    const worker = new Role(stack, 'Worker', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    const grant = api.grantManageConnections(worker);

    // THEN
    expect(grant.success).toBe(true);
    const statements = roleStatements(stack, templateOf(stack), worker);
    expect(statements).toEqual([{ Action: 'execute-api:ManageConnections', Effect: 'Allow', Resource: connectionsArn(stack, api) }]);
    expect(JSON.stringify(connectionsArn(stack, api))).toContain('/prod/POST/@connections/*');
  });

  test('with tableEncryptionKey, writers may encrypt and decrypt, user routes only decrypt, the default handler nothing', () => {
    // GIVEN
    const { stack, api } = webSocketApi((s) => ({ tableEncryptionKey: new Key(s, 'TableKey') }));
    const fn = userRouteFunction(stack);

    // WHEN
    api.addRoute('sendMessage', fn);

    // THEN
    const template = templateOf(stack);
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('TableKey')), 'Arn'] };
    const kmsOf = (grantee: IFunction) => statementsFor(functionStatements(stack, template, grantee), 'kms');
    for (const writer of [api.handlers.connect, api.handlers.disconnect, api.handlers.subscribe, api.handlers.unsubscribe, api.handlers.publish]) {
      const kms = kmsOf(writer);
      expect(kms.map((st) => st.Resource)).toEqual([keyArn]);
      expect(actionsOf(kms)).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    }
    expect(kmsOf(fn).map((st) => st.Resource)).toEqual([keyArn]);
    expect(actionsOf(kmsOf(fn))).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kmsOf(api.handlers.fallback)).toEqual([]);
  });

  test('no role gets a wildcard table or API resource', () => {
    const { template } = webSocketApi((s) => ({ routes: { sendMessage: userRouteFunction(s) } }));

    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const policy of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = [statement.Action].flat() as string[];
        if (actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('execute-api:'))) expect(statement.Resource).not.toBe('*');
      }
    }
    expect(policies.length).toBeGreaterThanOrEqual(7);
  });
});
