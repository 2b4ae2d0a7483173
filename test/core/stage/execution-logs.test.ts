import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import { ApiAuth, ApiKind, LogEncryptionKey, RealtimeWebSocketApi, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import { inlineFunction } from '../../support/stacks';
import { newStack } from '../../support/core-stacks';

/** GIVEN a stack with a log key; WHEN an API of `kind` is built with the profile `profileOf(key)`. */
function apiWith(kind: 'REST' | 'HTTP' | 'WEBSOCKET', profileOf: (key: LogEncryptionKey) => StageProfile): { stack: Stack; api: ServerlessApi | RealtimeWebSocketApi; template: Template } {
  const { stack } = newStack();
  const key = new LogEncryptionKey(stack, 'LogKey');
  const profile = profileOf(key);
  const api =
    kind === 'WEBSOCKET'
      ? new RealtimeWebSocketApi(stack, 'Api', { profile, connectAuth: ApiAuth.none() })
      : new ServerlessApi(stack, 'Api', {
          profile,
          kind: kind === 'REST' ? ApiKind.REST : ApiKind.HTTP,
          routes: { 'GET /a': { integration: RouteIntegration.fromFunction(inlineFunction(stack)), auth: ApiAuth.none() } },
        });
  return { stack, api, template: Template.fromStack(stack) };
}

const apiIdRef = (stack: Stack, api: ServerlessApi | RealtimeWebSocketApi) =>
  stack.resolve(api instanceof RealtimeWebSocketApi ? api.api.apiId : api.restApi!.restApiId) as unknown;

describe('execution logs go to a log group the template owns', () => {
  test.each([
    ['REST', (id: unknown) => ({ 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', id, '/prod']] })],
    ['WEBSOCKET', (id: unknown) => ({ 'Fn::Join': ['', ['/aws/apigateway/', id, '/prod']] })],
  ] as const)('BUG: %s: the group API Gateway writes to exists before the stage, with the profile retention, key and removal policy', (kind, expectedName) => {
    // GIVEN / WHEN
    const { stack, api, template } = apiWith(kind, (key) => StageProfile.prod({ logEncryptionKey: key.key }));

    // THEN
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: expectedName(apiIdRef(stack, api)) } });
    expect(Object.keys(groups)).toHaveLength(1);
    const [groupId, group] = Object.entries(groups)[0];
    expect(group).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] } },
    });
    const stageType = kind === 'REST' ? 'AWS::ApiGateway::Stage' : 'AWS::ApiGatewayV2::Stage';
    const stage = Object.values(template.findResources(stageType))[0] as { DependsOn?: string[] };
    expect(stage.DependsOn).toContain(groupId);
    expect(api.executionLogGroup).toBeDefined();
  });

  test('a dev profile destroys the group with the stack and keeps it a week', () => {
    const { template } = apiWith('REST', () => StageProfile.dev());
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', Match.arrayWith(['API-Gateway-Execution-Logs_'])] }, RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  test.each(['REST', 'WEBSOCKET'] as const)('%s: a profile that logs no execution logs creates no group', (kind) => {
    const { api, template } = apiWith(kind, () => StageProfile.dev({ executionLogLevel: MethodLoggingLevel.OFF }));
    expect(api.executionLogGroup).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::Logs::LogGroup'))).not.toMatch(/Execution-Logs|\/aws\/apigateway\//);
  });

  test('HTTP APIs have no execution logs, so no group', () => {
    const { api } = apiWith('HTTP', () => StageProfile.prod());
    expect(api.executionLogGroup).toBeUndefined();
  });
});
