import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { AlarmTopic, ApiAuth, ApiFunction, LogEncryptionKey, RealtimeWebSocketApi, StageProfile } from '../../lib';
import { createApiFunction } from '../../lib/core/functions/api-function';
import { restrictGrantsToAwsServices } from '../../lib/core/security/kms-key-policy';
import type { RealtimeWebSocketApiProps } from '../../lib';
import { newStack } from './core-stacks';
import { ECHO_ENTRY, templateOf } from './stacks';

/** The JWT issuer and audience the tests authorize `$connect` with. */
export const JWT = { issuer: 'https://id.example.com/', audience: ['chat', 'chat-admin'] };

/** A user-route backend made with the library's own defaults, as a platform team would hand it out. */
export function userRouteFunction(stack: Stack, id = 'SendMessage', profile = StageProfile.dev()) {
  return createApiFunction(stack, id, {
    profile,
    source: { code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });') },
  });
}

/** The smallest RealtimeWebSocketApi: a public feed with only the built-in routes. */
export function minimalWebSocketApi(stack: Stack): RealtimeWebSocketApi {
  return new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.dev(), apiName: 'minimal', connectAuth: ApiAuth.none() });
}

/**
 * A RealtimeWebSocketApi with every major feature: JWT on `$connect`, a custom domain under a base
 * path, a prod profile with an alarm topic and a log key, a customer-managed table key and a user route.
 */
export function fullWebSocketApi(stack: Stack): RealtimeWebSocketApi {
  const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const topic = new AlarmTopic(stack, 'AlarmTopic');
  const logKey = new LogEncryptionKey(stack, 'LogKey');
  const tableKey = new Key(stack, 'TableKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  restrictGrantsToAwsServices(tableKey);
  const profile = StageProfile.prod({ alarmTopic: topic.topic, logEncryptionKey: logKey.key });
  return new RealtimeWebSocketApi(stack, 'Chat', {
    profile,
    apiName: 'full',
    description: 'Every feature',
    connectAuth: ApiAuth.jwt({ ...JWT, scopes: ['chat/connect'] }),
    customDomain: { domainName: 'ws.example.com', hostedZone: zone, basePath: 'v1' },
    tableEncryptionKey: tableKey,
    integrationTimeout: Duration.seconds(10),
    fanoutConcurrency: 50,
    // A user route written as the docs show it: bundled from an entry with the library's defaults.
    routes: { sendMessage: ApiFunction.fromEntry(stack, 'SendMessage', { profile, entry: ECHO_ENTRY, description: 'Sends a chat message' }) },
  });
}

/** Props for {@link webSocketApi}: fixed, or built from the stack (for functions, keys, zones). */
export type PropsOrBuilder = Partial<RealtimeWebSocketApiProps> | ((stack: Stack) => Partial<RealtimeWebSocketApiProps>);

/**
 * GIVEN a fresh stack; WHEN a RealtimeWebSocketApi named "chat" is built with a dev profile,
 * `connectAuth: ApiAuth.none()` and these props (`connectAuth` given, even as `undefined`, replaces it).
 */
export function webSocketApi(props: PropsOrBuilder = {}) {
  const { stack } = newStack();
  const given = typeof props === 'function' ? props(stack) : props;
  const api = new RealtimeWebSocketApi(stack, 'Chat', {
    profile: StageProfile.dev(),
    apiName: 'chat',
    connectAuth: ApiAuth.none(),
    ...given,
  });
  return {
    stack,
    api,
    get template() {
      return templateOf(stack);
    },
  };
}

/** One IAM policy statement as synthesized. */
export interface StatementJson {
  readonly Action: string | string[];
  readonly Effect: string;
  readonly Resource: unknown;
}

/** Every statement of every AWS::IAM::Policy attached to `role`. */
export function roleStatements(stack: Stack, template: Template, role: IRole): StatementJson[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as StatementJson[]);
}

/** Every statement of the policies attached to a function's execution role. */
export function functionStatements(stack: Stack, template: Template, fn: IFunction): StatementJson[] {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  return roleStatements(stack, template, fn.role);
}

/** The statements that grant actions of one service (`dynamodb`, `execute-api`, `kms`). */
export function statementsFor(statements: StatementJson[], service: string): StatementJson[] {
  return statements.filter((s) => [s.Action].flat().some((action) => action.startsWith(`${service}:`)));
}

/** Every action of the statements, flattened and sorted. */
export function actionsOf(statements: StatementJson[]): string[] {
  return statements.flatMap((s) => [s.Action].flat()).sort();
}

/** How the template refers to the connection table's ARN and its channel index's ARN. */
export function tableArns(stack: Stack, api: RealtimeWebSocketApi) {
  const tableArn = { 'Fn::GetAtt': [stack.getLogicalId(api.connectionsTable.node.defaultChild as CfnElement), 'Arn'] };
  return { tableArn, indexArn: { 'Fn::Join': ['', [tableArn, '/index/byChannel']] } };
}

/** A value as it appears in the template: resolved, as plain JSON. */
export function resolvedJson(stack: Stack, value: unknown): unknown {
  return JSON.parse(JSON.stringify(stack.resolve(value)));
}

/** The logical id of a construct's default CloudFormation resource. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** How the template refers to `execute-api:ManageConnections` on this stage's `POST @connections/*`. */
export function connectionsArn(stack: Stack, api: RealtimeWebSocketApi) {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':execute-api:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':',
        { Ref: logicalIdOf(stack, api.api) },
        `/${api.stageName}/POST/@connections/*`,
      ],
    ],
  };
}
