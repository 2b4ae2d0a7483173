import { App, Duration, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import type { IConstruct } from 'constructs';
import { ApiAuth, ApiKind, RealtimeWebSocketApi, ReleasePolicy, ReleaseStyle, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import { expectApiError } from '../../support/core-stacks';
import { ECHO_ENTRY, inlineFunction } from '../../support/stacks';

// How the stage profile's release policy moves the `live` alias of every function a construct
// creates: which CodeDeploy deployment configuration its deployment groups use, and which policies
// a construct refuses.

/** An App that skips asset bundling: the entry functions' code is not what these tests are about. */
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

/** Template resources by logical id (as `Template.findResources` returns them). */
type Resources = ReturnType<Template['findResources']>;

/** The logical id of a construct's CloudFormation resource (an L2's default child). */
function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** A ServerlessApi HTTP with one entry route (one function the construct creates and releases). */
function entryApi(stack: Stack, profile: StageProfile, id = 'Api'): ServerlessApi {
  return new ServerlessApi(stack, id, {
    profile,
    kind: ApiKind.HTTP,
    apiName: id.toLowerCase(),
    routes: { 'GET /items': { integration: RouteIntegration.entry(ECHO_ENTRY), auth: ApiAuth.none() } },
  });
}

/** The deployment configuration name every deployment group of `api` uses, resolved (constructs only, no synth). */
function deploymentConfigNamesOf(api: ServerlessApi): unknown[] {
  const releases = Object.values(api.releases);
  expect(releases.length).toBeGreaterThan(0);
  return releases.map((r) => Stack.of(api).resolve((r.deploymentGroup.node.defaultChild as CfnDeploymentGroup).deploymentConfigName));
}

/** GIVEN a fresh stack; WHEN an entry API is built with `profile`: the configuration names of its deployment groups. */
function configOf(profile: StageProfile): unknown[] {
  return deploymentConfigNamesOf(entryApi(new Stack(newApp(), 'TestStack'), profile));
}

describe('the deployment configuration of each policy', () => {
  test.each([
    ['dev', StageProfile.dev()],
    ['test', StageProfile.test()],
  ])('a %s profile releases all at once by default (CodeDeployDefault.LambdaAllAtOnce)', (_name, profile) => {
    expect(profile.release.style).toBe(ReleaseStyle.ALL_AT_ONCE);
    expect(configOf(profile)).toEqual(['CodeDeployDefault.LambdaAllAtOnce']);
  });

  test('a prod profile releases with a canary by default: 10 % for 5 minutes (CodeDeployDefault.LambdaCanary10Percent5Minutes)', () => {
    expect(configOf(StageProfile.prod())).toEqual(['CodeDeployDefault.LambdaCanary10Percent5Minutes']);
  });

  test('a release set on a prod profile replaces the canary default', () => {
    expect(configOf(StageProfile.prod({ release: ReleasePolicy.allAtOnce() }))).toEqual(['CodeDeployDefault.LambdaAllAtOnce']);
  });

  test.each([
    [ReleaseStyle.CANARY, 10, 5, 'CodeDeployDefault.LambdaCanary10Percent5Minutes'],
    [ReleaseStyle.CANARY, 10, 10, 'CodeDeployDefault.LambdaCanary10Percent10Minutes'],
    [ReleaseStyle.CANARY, 10, 15, 'CodeDeployDefault.LambdaCanary10Percent15Minutes'],
    [ReleaseStyle.CANARY, 10, 30, 'CodeDeployDefault.LambdaCanary10Percent30Minutes'],
    [ReleaseStyle.LINEAR, 10, 1, 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute'],
    [ReleaseStyle.LINEAR, 10, 2, 'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes'],
    [ReleaseStyle.LINEAR, 10, 3, 'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes'],
    [ReleaseStyle.LINEAR, 10, 10, 'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes'],
  ])('%s %d %% every %d minute(s) uses the predefined %s (no custom configuration)', (style, percent, minutes, expected) => {
    const make = style === ReleaseStyle.CANARY ? ReleasePolicy.canary : ReleasePolicy.linear;
    const stack = new Stack(newApp(), 'TestStack');
    const api = entryApi(stack, StageProfile.dev({ release: make({ percent, interval: Duration.minutes(minutes) }) }));
    expect(deploymentConfigNamesOf(api)).toEqual([expected]);
    expect(stack.node.findAll().filter((c) => c.node.id.startsWith('Release') && c.node.scope === stack)).toEqual([]);
  });

  test('a linear policy of 10 % every minute, synthesized: CodeDeployDefault.LambdaLinear10PercentEvery1Minute and no DeploymentConfig resource', () => {
    const stack = new Stack(newApp(), 'TestStack');
    entryApi(stack, StageProfile.dev({ release: ReleasePolicy.linear({ percent: 10, interval: Duration.minutes(1) }) }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
  });
});

describe('a custom policy (canary 25 % for 7 minutes) in a stack with two constructs', () => {
  let resources: Resources;
  let apis: Array<ServerlessApi | RealtimeWebSocketApi>;
  beforeAll(() => {
    const stack = new Stack(newApp(), 'TestStack');
    const profile = StageProfile.dev({ release: ReleasePolicy.canary({ percent: 25, interval: Duration.minutes(7) }) });
    // A second profile of the same shape (another object): still the same configuration.
    const sameShape = StageProfile.test({ release: ReleasePolicy.canary({ percent: 25, interval: Duration.minutes(7) }) });
    apis = [entryApi(stack, profile), new RealtimeWebSocketApi(stack, 'Chat', { profile: sameShape, apiName: 'chat', connectAuth: ApiAuth.none() })];
    resources = Template.fromStack(stack).toJSON().Resources as Resources;
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  test('creates one AWS::CodeDeploy::DeploymentConfig: a time-based canary of 25 % for 7 minutes', () => {
    const configs = ofType('AWS::CodeDeploy::DeploymentConfig');
    expect(configs).toHaveLength(1);
    expect(configs[0][1].Properties).toMatchObject({
      ComputePlatform: 'Lambda',
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 25, CanaryInterval: 7 } },
    });
  });

  test('every deployment group of the stack (both constructs) uses that configuration', () => {
    const [[configId]] = ofType('AWS::CodeDeploy::DeploymentConfig');
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(1 + 6);
    for (const [, group] of groups) expect(group.Properties.DeploymentConfigName).toEqual({ Ref: configId });
  });

  test('each construct has its own CodeDeploy application and service role, and its groups use them', () => {
    expect(ofType('AWS::CodeDeploy::Application')).toHaveLength(2);
    const roles = ofType('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('codedeploy.amazonaws.com'));
    expect(roles).toHaveLength(2);
    for (const api of apis) {
      const groups = Object.values(api.releases).map((r) => resources[logicalIdOf(r.deploymentGroup)]);
      expect(new Set(groups.map((g) => JSON.stringify(g.Properties.ApplicationName))).size).toBe(1);
      expect(new Set(groups.map((g) => JSON.stringify(g.Properties.ServiceRoleArn))).size).toBe(1);
    }
    const applicationOf = (api: ServerlessApi | RealtimeWebSocketApi) => JSON.stringify(resources[logicalIdOf(Object.values(api.releases)[0].deploymentGroup)].Properties.ApplicationName);
    expect(applicationOf(apis[0])).not.toEqual(applicationOf(apis[1]));
  });
});

describe('custom configurations of other shapes', () => {
  test('a linear policy (20 % every 4 minutes) creates a time-based linear configuration; a canary of another shape creates its own', () => {
    const stack = new Stack(newApp(), 'TestStack');
    entryApi(stack, StageProfile.dev({ release: ReleasePolicy.linear({ percent: 20, interval: Duration.minutes(4) }) }), 'Linear');
    entryApi(stack, StageProfile.dev({ release: ReleasePolicy.canary({ percent: 1, interval: Duration.minutes(2880) }) }), 'Canary');
    const configs = Object.values(Template.fromStack(stack).findResources('AWS::CodeDeploy::DeploymentConfig')).map((c) => c.Properties.TrafficRoutingConfig);
    expect(configs).toHaveLength(2);
    expect(configs).toEqual(
      expect.arrayContaining([
        { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 20, LinearInterval: 4 } },
        { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 1, CanaryInterval: 2880 } },
      ]),
    );
  });

  test('a canary and a linear policy of the same percent and interval each get their own configuration', () => {
    const stack = new Stack(newApp(), 'TestStack');
    entryApi(stack, StageProfile.dev({ release: ReleasePolicy.canary({ percent: 25, interval: Duration.minutes(7) }) }), 'Canary');
    entryApi(stack, StageProfile.dev({ release: ReleasePolicy.linear({ percent: 25, interval: Duration.minutes(7) }) }), 'Linear');
    const configs = Template.fromStack(stack).findResources('AWS::CodeDeploy::DeploymentConfig');
    expect(Object.values(configs).map((c) => c.Properties.TrafficRoutingConfig.Type).sort()).toEqual(['TimeBasedCanary', 'TimeBasedLinear']);
  });
});

describe('validation (when a construct receives the profile)', () => {
  /** WHEN an API (with a route to an existing function) receives a profile with this release policy. */
  const apiWith = (release: ReleasePolicy) => () => {
    const stack = new Stack(newApp(), 'TestStack');
    return new ServerlessApi(stack, 'Api', {
      profile: StageProfile.dev({ release }),
      kind: ApiKind.HTTP,
      routes: { 'GET /items': { integration: RouteIntegration.fromFunction(inlineFunction(stack)), auth: ApiAuth.none() } },
    });
  };

  test.each([0, 100, 12.5, -1])('a canary of %d %% fails with ReleasePercentInvalid', (percent) => {
    const error = expectApiError(apiWith(ReleasePolicy.canary({ percent, interval: Duration.minutes(5) })), 'ReleasePercentInvalid', /profile\.release\.percent must be a whole number from 1 to 99/, new RegExp(`Got: ${String(percent).replace('.', '\\.')}( |$)`));
    expect(error.constructPath).toBe('TestStack/Api');
  });

  test.each([0, 100, 12.5, -1])('a linear policy of %d %% fails with ReleasePercentInvalid too', (percent) => {
    expectApiError(apiWith(ReleasePolicy.linear({ percent, interval: Duration.minutes(1) })), 'ReleasePercentInvalid', /profile\.release\.percent/, new RegExp(`Got: ${String(percent).replace('.', '\\.')}( |$)`));
  });

  test('100 % names the policy to use instead: ReleasePolicy.allAtOnce()', () => {
    expectApiError(apiWith(ReleasePolicy.canary({ percent: 100, interval: Duration.minutes(5) })), 'ReleasePercentInvalid', /ReleasePolicy\.allAtOnce\(\)/);
  });

  test.each([
    ['30 seconds', Duration.seconds(30), 30],
    ['90 seconds', Duration.seconds(90), 90],
    ['2881 minutes', Duration.minutes(2881), 2881 * 60],
    ['0 minutes', Duration.minutes(0), 0],
  ])('an interval of %s fails with ReleaseIntervalInvalid', (_name, interval, seconds) => {
    expectApiError(apiWith(ReleasePolicy.canary({ percent: 10, interval })), 'ReleaseIntervalInvalid', /profile\.release\.interval must be whole minutes from 1 to 2880/, new RegExp(`Got: ${seconds} seconds`));
    expectApiError(apiWith(ReleasePolicy.linear({ percent: 10, interval })), 'ReleaseIntervalInvalid', /profile\.release\.interval/);
  });

  test.each([
    ['1 % every minute', 1, 1],
    ['99 % every minute', 99, 1],
    ['1 % every 2880 minutes (two days)', 1, 2880],
    ['99 % every 2880 minutes', 99, 2880],
  ])('the edges are valid: %s (canary and linear)', (_name, percent, minutes) => {
    expect(apiWith(ReleasePolicy.canary({ percent, interval: Duration.minutes(minutes) }))).not.toThrow();
    expect(apiWith(ReleasePolicy.linear({ percent, interval: Duration.minutes(minutes) }))).not.toThrow();
    expect(apiWith(ReleasePolicy.canary({ percent, interval: Duration.seconds(minutes * 60) }))).not.toThrow();
  });

  test('allAtOnce has no percent or interval to check', () => {
    const policy = ReleasePolicy.allAtOnce();
    expect(policy.percent).toBeUndefined();
    expect(policy.interval).toBeUndefined();
    expect(apiWith(policy)).not.toThrow();
  });
});
