import { Template } from 'aws-cdk-lib/assertions';
import { ApiAuth, ApiKind, RealtimeWebSocketApi, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import type { StageReleaseOptions } from '../../../lib';
import { expectApiError, newStack } from '../../support/core-stacks';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** GIVEN the REST API as one synth of a release sequence builds it: its definition (`body`) and its stage release. */
function synth(body: string, stageRelease?: StageReleaseOptions, stageVariables?: Record<string, string>): Resources {
  const { stack } = newStack();
  new ServerlessApi(stack, 'Api', {
    apiName: 'orders',
    profile: StageProfile.dev({ stageRelease, stageVariables }),
    routes: { 'GET /version': { integration: RouteIntegration.mock({ body }), auth: ApiAuth.none() } },
  });
  return (Template.fromStack(stack).toJSON() as { Resources: Resources }).Resources;
}

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const stageOf = (resources: Resources) => ofType(resources, 'AWS::ApiGateway::Stage')[0];
const deploymentIds = (resources: Resources) => ofType(resources, 'AWS::ApiGateway::Deployment').map(([id]) => id).sort();

describe('REST stage releases over a sequence of synths', () => {
  // v1 live; v2 deployed as a 10 % canary; v2 promoted; and a canary abandoned back to v1.
  const v1 = synth('{"v":1}', { live: 'v1' });
  const v2Canary = synth('{"v":2}', { live: 'v1', candidate: 'v2', canary: { percent: 10, stageVariableOverrides: { backend: 'green' } } }, { backend: 'blue' });
  const promoted = synth('{"v":2}', { live: 'v2' });
  const abandoned = synth('{"v":1}', { live: 'v1' });

  test('v1: one labelled deployment, served by the stage, with the canary setting at 0 % on it', () => {
    const [stageId, stage] = stageOf(v1);
    expect(deploymentIds(v1)).toEqual(['ApiReleasev1Deployment344FB02F']);
    expect(stage.Properties.DeploymentId).toEqual({ Ref: 'ApiReleasev1Deployment344FB02F' });
    expect(stage.Properties.CanarySetting).toEqual({ DeploymentId: { Ref: 'ApiReleasev1Deployment344FB02F' }, PercentTraffic: 0, UseStageCache: false });
    expect(stageId).toBe(stageOf(v2Canary)[0]);
  });

  test('v2 under canary: the v1 deployment is untouched (same logical id and properties, so it keeps serving v1), v2 takes 10 % with its overrides', () => {
    const [, stage] = stageOf(v2Canary);
    expect(deploymentIds(v2Canary)).toEqual(['ApiReleasev1Deployment344FB02F', 'ApiReleasev2DeploymentF1E870DC']);
    expect(v2Canary.ApiReleasev1Deployment344FB02F).toEqual(v1.ApiReleasev1Deployment344FB02F);
    expect(stage.Properties.DeploymentId).toEqual({ Ref: 'ApiReleasev1Deployment344FB02F' });
    expect(stage.Properties.CanarySetting).toEqual({
      DeploymentId: { Ref: 'ApiReleasev2DeploymentF1E870DC' },
      PercentTraffic: 10,
      StageVariableOverrides: { backend: 'green' },
      UseStageCache: false,
    });
    expect(stage.Properties.Variables).toEqual({ backend: 'blue' });
  });

  test('promoted: the stage serves v2, the v1 deployment is gone, and the canary is really off (0 % on the live deployment, not left in place)', () => {
    const [, stage] = stageOf(promoted);
    expect(deploymentIds(promoted)).toEqual(['ApiReleasev2DeploymentF1E870DC']);
    expect(promoted.ApiReleasev2DeploymentF1E870DC).toEqual(v2Canary.ApiReleasev2DeploymentF1E870DC);
    expect(stage.Properties.DeploymentId).toEqual({ Ref: 'ApiReleasev2DeploymentF1E870DC' });
    expect(stage.Properties.CanarySetting).toEqual({ DeploymentId: { Ref: 'ApiReleasev2DeploymentF1E870DC' }, PercentTraffic: 0, UseStageCache: false });
  });

  test('abandoned: back to v1 with the canary at 0 %; the v2 deployment is removed', () => {
    expect(deploymentIds(abandoned)).toEqual(['ApiReleasev1Deployment344FB02F']);
    expect(stageOf(abandoned)[1].Properties.CanarySetting).toEqual({ DeploymentId: { Ref: 'ApiReleasev1Deployment344FB02F' }, PercentTraffic: 0, UseStageCache: false });
  });

  test('no plain deployment is left while a canary exists: only labelled deployments, none bound to the stage by StageName', () => {
    for (const resources of [v1, v2Canary, promoted]) {
      for (const [id, deployment] of ofType(resources, 'AWS::ApiGateway::Deployment')) {
        expect(id).toMatch(/^ApiRelease/);
        expect(deployment.Properties.StageName).toBeUndefined();
        expect(deployment.Properties.DeploymentCanarySettings).toBeUndefined();
      }
    }
  });

  test('without stageRelease each synth deploys as before: one deployment hashed from the definition, no canary setting', () => {
    const plain = synth('{"v":1}');
    expect(deploymentIds(plain)).toHaveLength(1);
    expect(deploymentIds(plain)[0]).not.toMatch(/^ApiRelease/);
    expect(stageOf(plain)[1].Properties.CanarySetting).toBeUndefined();
  });
});

describe('stage variables', () => {
  test('REST, HTTP and WebSocket stages carry the profile\'s stage variables', () => {
    const variables = { backend: 'blue', table_name: 'orders-dev' };
    const rest = newStack();
    new ServerlessApi(rest.stack, 'Api', { profile: StageProfile.dev({ stageVariables: variables }), routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } });
    Template.fromStack(rest.stack).hasResourceProperties('AWS::ApiGateway::Stage', { Variables: variables });

    const http = newStack();
    new ServerlessApi(http.stack, 'Api', { kind: ApiKind.HTTP, profile: StageProfile.dev({ stageVariables: variables }) });
    Template.fromStack(http.stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageVariables: variables });

    const ws = newStack();
    new RealtimeWebSocketApi(ws.stack, 'Chat', { profile: StageProfile.dev({ stageVariables: variables }), connectAuth: ApiAuth.none() });
    Template.fromStack(ws.stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageVariables: variables });
  });
});

describe('validation', () => {
  const build = (profile: StageProfile, kind = ApiKind.REST) => () => {
    const { stack } = newStack();
    new ServerlessApi(stack, 'Api', { kind, profile });
  };

  test.each([-1, 100.5, 250])('StageCanaryPercentInvalid: %s', (percent) => {
    expectApiError(build(StageProfile.dev({ stageRelease: { live: 'v1', candidate: 'v2', canary: { percent } } })), 'StageCanaryPercentInvalid', /profile\.stageRelease\.canary\.percent must be from 0 to 100/, new RegExp(`Got: ${percent}`));
  });

  test('0 and 100 percent are allowed', () => {
    for (const percent of [0, 100, 12.5]) expect(build(StageProfile.dev({ stageRelease: { live: 'v1', candidate: 'v2', canary: { percent } } }))).not.toThrow();
  });

  test.each([ApiKind.HTTP])('RestOnlyFeature: a stage release on an HTTP API', (kind) => {
    expectApiError(build(StageProfile.dev({ stageRelease: { live: 'v1' } }), kind), 'RestOnlyFeature', /profile\.stageRelease: stage canaries and labelled releases/, /Got: kind HTTP/);
  });

  test('RestOnlyFeature: a stage release on a WebSocket API', () => {
    const { stack } = newStack();
    expectApiError(
      () => new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.dev({ stageRelease: { live: 'v1' } }), connectAuth: ApiAuth.none() }),
      'RestOnlyFeature',
      /profile\.stageRelease/,
      /Got: kind WEBSOCKET/,
    );
  });

  test.each(['v-1', '', 'v1.2', 'a'.repeat(65)])('ReleaseLabelInvalid: live %j', (live) => {
    expectApiError(build(StageProfile.dev({ stageRelease: { live } })), 'ReleaseLabelInvalid', /profile\.stageRelease\.live must be 1 to 64 letters or digits/, /Got: /);
  });

  test('ReleaseLabelInvalid: the candidate is the live label', () => {
    expectApiError(build(StageProfile.dev({ stageRelease: { live: 'v1', candidate: 'v1', canary: { percent: 5 } } })), 'ReleaseLabelInvalid', /candidate must differ from live/, /Got: "v1"/);
  });

  test('StageCanaryIncomplete: a candidate without canary, and a canary without candidate', () => {
    expectApiError(build(StageProfile.dev({ stageRelease: { live: 'v1', candidate: 'v2' } })), 'StageCanaryIncomplete', /profile\.stageRelease: candidate and canary go together/, /Got: candidate without canary/);
    expectApiError(build(StageProfile.dev({ stageRelease: { live: 'v1', canary: { percent: 5 } } })), 'StageCanaryIncomplete', /candidate and canary go together/, /Got: canary without candidate/);
  });

  test.each(['has-dash', 'with space', '', 'a'.repeat(65)])('StageVariableNameInvalid: %j', (name) => {
    expectApiError(build(StageProfile.dev({ stageVariables: { [name]: 'x' } })), 'StageVariableNameInvalid', /profile\.stageVariables: stage variable names are 1 to 64 letters, digits or underscores/, /Got: /);
  });

  test.each(['has space', 'quote"', '', 'x'.repeat(513), 'semi;colon'])('StageVariableValueInvalid: %j', (value) => {
    expectApiError(build(StageProfile.dev({ stageVariables: { name: value } })), 'StageVariableValueInvalid', /profile\.stageVariables\.name must be 1 to 512 characters/, /Got: /);
  });

  test('StageVariableValueInvalid in canary overrides names the override', () => {
    expectApiError(
      build(StageProfile.dev({ stageRelease: { live: 'v1', candidate: 'v2', canary: { percent: 5, stageVariableOverrides: { backend: 'not ok' } } } })),
      'StageVariableValueInvalid',
      /profile\.stageRelease\.canary\.stageVariableOverrides\.backend/,
      /Got: "not ok"/,
    );
  });

  test('values with every allowed symbol pass', () => {
    expect(build(StageProfile.dev({ stageVariables: { url: 'https://a.example.com:8443/p?q=1&r=2#x,y~z_w-v.' } }))).not.toThrow();
  });
});
