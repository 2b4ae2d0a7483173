import { App, Duration, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ApiAuth, ApiCompliance, ApiKind, MeteredPublicApi, PrivateEcsApi, RealtimeWebSocketApi, ReleasePolicy, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import type { ApiBase } from '../../../lib';
import { expectApiError } from '../../support/core-stacks';
import { TENANT_JWT, mockRoute } from '../../support/metered-public-api-fixtures';
import { ENV, ordersService, REST_ALB } from '../../support/private-ecs-api-fixtures';
import { JWT } from '../../support/realtime-websocket-api-fixtures';
import { ECHO_ENTRY, inlineFunction } from '../../support/stacks';

// Every ApiBase construct releases the functions it creates through a `live` alias that CodeDeploy
// moves (FunctionReleases): API Gateway calls the alias, never the bare function.

/** An App that skips asset bundling: the entry functions' code is not what these tests are about. */
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

/** Template resources by logical id (as `Template.findResources` returns them). */
type Resources = ReturnType<Template['findResources']>;

const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];
const CODEDEPLOY_POLICY = ':iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited';

/** The logical id of a construct's CloudFormation resource (an L2's default child). */
function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** A stack (in a fixed environment: PrivateEcsApi needs one) and its API, synthesized once. */
interface Built {
  readonly stack: Stack;
  readonly api: ApiBase;
  readonly template: Template;
  readonly resources: Resources;
}

function build(make: (stack: Stack) => ApiBase): Built {
  const stack = new Stack(newApp(), 'TestStack', { env: ENV });
  const api = make(stack);
  const template = Template.fromStack(stack);
  return { stack, api, template, resources: template.toJSON().Resources as Resources };
}

/** Resources of one type, by logical id. */
function ofType(resources: Resources, type: string): Resources {
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === type));
}

/**
 * What API Gateway invokes, wherever it names a Lambda function: REST OpenAPI integration and
 * authorizer URIs, HTTP and WebSocket integration and authorizer URIs (`.../functions/<target>/invocations`,
 * or the target itself for an HTTP AWS_PROXY integration).
 */
function invokedTargets(resources: Resources): unknown[] {
  const targets: unknown[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === 'string' && v.endsWith(':lambda:path/2015-03-31/functions/')) targets.push(value[i + 1]);
        walk(v);
      });
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(walk);
    }
  };
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::ApiGateway::RestApi') walk(r.Properties.Body);
    if (r.Type === 'AWS::ApiGatewayV2::Authorizer') walk(r.Properties.AuthorizerUri);
    if (r.Type === 'AWS::ApiGatewayV2::Integration') {
      const uri = r.Properties.IntegrationUri;
      if (r.Properties.IntegrationType === 'AWS_PROXY' && !JSON.stringify(uri).includes('/functions/')) targets.push(uri);
      else walk(uri);
    }
  }
  return targets;
}

/** The FunctionName of every permission that lets API Gateway invoke a function. */
function apiGatewayPermissions(resources: Resources): unknown[] {
  return Object.values(ofType(resources, 'AWS::Lambda::Permission'))
    .filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com')
    .map((p) => p.Properties.FunctionName);
}

/** The logical ids of the Lambda `Errors` alarms on a function. */
function errorsAlarmsOf(resources: Resources, fnId: string): string[] {
  return Object.entries(ofType(resources, 'AWS::CloudWatch::Alarm'))
    .filter(([, a]) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Errors' && JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId } }]))
    .map(([id]) => id);
}

/** The API's ServerErrors alarm. */
function serverErrorsAlarmOf(api: ApiBase): string {
  const alarm = api.alarms.find((a) => a.node.id === 'ServerErrors');
  expect(alarm).toBeDefined();
  return logicalIdOf(alarm!);
}

/** The alarms a deployment group rolls back on, by logical id. */
function rollbackAlarmsOf(group: Resources[string]): string[] {
  return ((group.Properties.AlarmConfiguration?.Alarms ?? []) as Array<{ Name: { Ref: string } }>).map((a) => a.Name.Ref).sort();
}

const NO_AUTH = ApiAuth.none();

/** The ServerlessApi REST every other test here starts from: an entry route and a JWT authorizer (two functions). */
function restEntryJwt(stack: Stack, profile = StageProfile.dev(), props: { alarms?: boolean } = {}): ServerlessApi {
  return new ServerlessApi(stack, 'Api', {
    profile,
    kind: ApiKind.REST,
    apiName: 'items',
    defaultAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['items-api'] }),
    routes: { 'GET /items': { integration: RouteIntegration.entry(ECHO_ENTRY) } },
    ...props,
  });
}

/** Each ApiBase construct kind, with the functions it creates. */
const KINDS: ReadonlyArray<{ readonly name: string; readonly functions: number; readonly make: (stack: Stack) => ApiBase }> = [
  { name: 'ServerlessApi REST (entry route, JWT authorizer)', functions: 2, make: (stack) => restEntryJwt(stack) },
  {
    name: 'ServerlessApi HTTP (entry route)',
    functions: 1,
    make: (stack) =>
      new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), kind: ApiKind.HTTP, apiName: 'items', routes: { 'GET /items': { integration: RouteIntegration.entry(ECHO_ENTRY), auth: NO_AUTH } } }),
  },
  {
    name: 'RealtimeWebSocketApi (JWT on $connect)',
    functions: 7,
    make: (stack) => new RealtimeWebSocketApi(stack, 'Api', { profile: StageProfile.dev(), apiName: 'chat', connectAuth: ApiAuth.jwt(JWT) }),
  },
  {
    name: 'MeteredPublicApi (tenantAuthorizer)',
    functions: 1,
    make: (stack) =>
      new MeteredPublicApi(stack, 'Api', {
        profile: StageProfile.dev(),
        apiName: 'catalog',
        tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10 }],
        tenantAuthorizer: TENANT_JWT,
        routes: { 'GET /products': mockRoute() },
      }),
  },
  {
    name: 'PrivateEcsApi REST (JWT defaultAuth)',
    functions: 1,
    make: (stack) =>
      new PrivateEcsApi(stack, 'Api', {
        profile: StageProfile.dev(),
        apiName: 'orders',
        kind: REST_ALB.kind,
        backend: REST_ALB.backend,
        defaultAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['orders-api'] }),
        services: [ordersService()],
      }),
  },
];

describe.each(KINDS)('$name releases every function it creates through a live alias', ({ functions, make }) => {
  let built: Built;
  beforeAll(() => {
    built = build(make);
  });

  test(`creates ${functions} function(s), each with a release (same keys in functions and releases)`, () => {
    const { api } = built;
    expect(Object.keys(api.functions)).toHaveLength(functions);
    expect(Object.keys(api.releases).sort()).toEqual(Object.keys(api.functions).sort());
    for (const [id, release] of Object.entries(api.releases)) {
      expect(release.alias).toBeDefined();
      expect(release.deploymentGroup).toBeDefined();
      expect(release.alias.version.lambda).toBe(api.functions[id]);
    }
  });

  test("each function gets an alias 'live' on a version of that function, moved by its own deployment group of the construct's one application", () => {
    const { api, resources, template } = built;
    const [applicationId] = Object.keys(ofType(resources, 'AWS::CodeDeploy::Application'));
    template.resourceCountIs('AWS::CodeDeploy::Application', 1);
    template.resourceCountIs('AWS::Lambda::Alias', functions);
    template.resourceCountIs('AWS::Lambda::Version', functions);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', functions);
    for (const [id, fn] of Object.entries(api.functions)) {
      const fnId = logicalIdOf(fn);
      const { alias, deploymentGroup } = api.releases[id];
      const aliasResource = resources[logicalIdOf(alias)];
      expect(aliasResource.Type).toBe('AWS::Lambda::Alias');
      expect(aliasResource.Properties).toMatchObject({ Name: 'live', FunctionName: { Ref: fnId } });
      const [versionId, attribute] = aliasResource.Properties.FunctionVersion['Fn::GetAtt'];
      expect(attribute).toBe('Version');
      expect(resources[versionId]).toMatchObject({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: fnId } } });
      const groupId = logicalIdOf(deploymentGroup);
      expect(resources[groupId]).toMatchObject({
        Type: 'AWS::CodeDeploy::DeploymentGroup',
        Properties: { ApplicationName: { Ref: applicationId }, DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' } },
      });
      expect(aliasResource.UpdatePolicy?.CodeDeployLambdaAliasUpdate).toMatchObject({ ApplicationName: { Ref: applicationId }, DeploymentGroupName: { Ref: groupId } });
    }
  });

  test("API Gateway integrates with each function's live alias, never with the bare function", () => {
    const { api, resources } = built;
    const aliasRefs = Object.values(api.releases).map((r) => ({ Ref: logicalIdOf(r.alias) }));
    const targets = invokedTargets(resources);
    expect(targets.length).toBeGreaterThanOrEqual(functions);
    // Every function is called (through its alias), and nothing but aliases is.
    for (const ref of aliasRefs) expect(targets).toContainEqual(ref);
    for (const target of targets) expect(aliasRefs).toContainEqual(target);
    // No API Gateway resource names a bare function (its ARN is `Fn::GetAtt [fn, Arn]`).
    const apiGateway = Object.values(resources).filter((r) => r.Type.startsWith('AWS::ApiGateway'));
    for (const fn of Object.values(api.functions)) expect(JSON.stringify(apiGateway)).not.toContain(`"${logicalIdOf(fn)}"`);
  });

  test('Lambda permissions for API Gateway are on the aliases (one or more per alias), none on a bare function', () => {
    const { api, resources } = built;
    const aliasRefs = Object.values(api.releases).map((r) => ({ Ref: logicalIdOf(r.alias) }));
    const permitted = apiGatewayPermissions(resources);
    for (const ref of aliasRefs) expect(permitted).toContainEqual(ref);
    for (const name of permitted) expect(aliasRefs).toContainEqual(name);
  });

  test('one CodeDeploy service role for the construct, with AWSCodeDeployRoleForLambdaLimited, used by every deployment group', () => {
    const { resources } = built;
    const roles = Object.entries(ofType(resources, 'AWS::IAM::Role')).filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('codedeploy.amazonaws.com'));
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0];
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(CODEDEPLOY_POLICY);
    expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
    for (const group of Object.values(ofType(resources, 'AWS::CodeDeploy::DeploymentGroup'))) {
      expect(group.Properties.ServiceRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
  });

  test("each deployment group rolls back on its function's Errors alarm (when it has one), the API's ServerErrors alarm, and the error count the function reports itself", () => {
    const { api, resources } = built;
    const serverErrors = serverErrorsAlarmOf(api);
    // Functions that answer instead of throwing count their own errors: authorizers (AuthorizerErrors), WebSocket route handlers (HandlerInternalErrors).
    const countAlarm = (name: string) => api.alarms.filter((a) => a.node.id === name).map((a) => logicalIdOf(a));
    for (const [id, fn] of Object.entries(api.functions)) {
      const group = resources[logicalIdOf(api.releases[id].deploymentGroup)];
      const own = /Authorizer/i.test(id) ? countAlarm('AuthorizerErrors') : api instanceof RealtimeWebSocketApi ? countAlarm('HandlerInternalErrors') : [];
      expect(rollbackAlarmsOf(group)).toEqual([...errorsAlarmsOf(resources, logicalIdOf(fn)), serverErrors, ...own].sort());
      expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
      expect(group.Properties.AutoRollbackConfiguration.Enabled).toBe(true);
      expect([...group.Properties.AutoRollbackConfiguration.Events].sort()).toEqual(ROLLBACK_EVENTS);
    }
  });
});

describe('rollback', () => {
  let built: Built;
  beforeAll(() => {
    built = build((stack) => restEntryJwt(stack));
  });

  /** The deployment group of the function whose id starts with `prefix`. */
  const groupOf = (prefix: string) => {
    const ids = Object.keys(built.api.functions).filter((id) => id.startsWith(prefix));
    expect(ids).toHaveLength(1);
    return { fnId: logicalIdOf(built.api.functions[ids[0]]), group: built.resources[logicalIdOf(built.api.releases[ids[0]].deploymentGroup)] };
  };

  test("a route handler's deployment group lists the function's Errors alarm and the API's ServerErrors alarm", () => {
    const { fnId, group } = groupOf('TestFixturesEchoHandler');
    const errors = errorsAlarmsOf(built.resources, fnId);
    expect(errors).toHaveLength(1);
    expect(rollbackAlarmsOf(group)).toEqual([errors[0], serverErrorsAlarmOf(built.api)].sort());
    expect(group.Properties.AutoRollbackConfiguration).toEqual({ Enabled: true, Events: expect.arrayContaining(ROLLBACK_EVENTS) });
    expect(group.Properties.AutoRollbackConfiguration.Events).toHaveLength(3);
  });

  test("an authorizer (no Errors alarm: it refuses by throwing) rolls back on the API's ServerErrors alarm and the AuthorizerErrors it counts", () => {
    const { fnId, group } = groupOf('Authorizer');
    expect(errorsAlarmsOf(built.resources, fnId)).toEqual([]);
    const authorizerErrors = logicalIdOf(built.api.alarms.find((a) => a.node.id === 'AuthorizerErrors')!);
    expect(rollbackAlarmsOf(group)).toEqual([serverErrorsAlarmOf(built.api), authorizerErrors].sort());
    expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
    expect(group.Properties.AutoRollbackConfiguration.Events).toEqual(expect.arrayContaining(ROLLBACK_EVENTS));
  });

  test('rollback: false lists no alarm and turns automatic rollback off', () => {
    const { resources, template } = build((stack) => restEntryJwt(stack, StageProfile.dev({ release: ReleasePolicy.allAtOnce({ rollback: false }) })));
    const groups = Object.values(ofType(resources, 'AWS::CodeDeploy::DeploymentGroup'));
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(rollbackAlarmsOf(group)).toEqual([]);
      expect(group.Properties.AlarmConfiguration?.Enabled ?? false).toBe(false);
      expect(group.Properties.AutoRollbackConfiguration).toEqual({ Enabled: false });
    }
    // The alarms themselves are still there: only the release ignores them.
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
  });

  test.each([
    ['allAtOnce()', ReleasePolicy.allAtOnce()],
    ['canary (10 %, 5 minutes)', ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5) })],
  ])('alarms: false with a policy that rolls back (%s) fails with ReleaseRollbackWithoutAlarms naming profile.release', (_name, release) => {
    const stack = new Stack(newApp(), 'TestStack');
    expectApiError(() => restEntryJwt(stack, StageProfile.dev({ release }), { alarms: false }), 'ReleaseRollbackWithoutAlarms', /profile\.release rolls back on alarms/, /alarms: false/);
  });

  test('the default policy (no release given) with alarms: false synthesizes: it rolls back failed or stopped releases only, on no alarm', () => {
    const { resources, template } = build((stack) => restEntryJwt(stack, StageProfile.dev(), { alarms: false }));
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const groups = Object.values(ofType(resources, 'AWS::CodeDeploy::DeploymentGroup'));
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(rollbackAlarmsOf(group)).toEqual([]);
      expect(group.Properties.AutoRollbackConfiguration.Enabled).toBe(true);
      expect([...group.Properties.AutoRollbackConfiguration.Events].sort()).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']);
    }
  });

  test('alarms: false with rollback: false synthesizes: no alarm, deployment groups without rollback', () => {
    const { resources, template } = build((stack) => restEntryJwt(stack, StageProfile.dev({ release: ReleasePolicy.allAtOnce({ rollback: false }) }), { alarms: false }));
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const groups = Object.values(ofType(resources, 'AWS::CodeDeploy::DeploymentGroup'));
    expect(groups).toHaveLength(2);
    for (const group of groups) expect(group.Properties.AutoRollbackConfiguration).toEqual({ Enabled: false });
    template.resourceCountIs('AWS::Lambda::Alias', 2);
  });
});

describe('traffic hooks', () => {
  let built: Built;
  let pre: IFunction;
  let post: IFunction;
  beforeAll(() => {
    built = build((stack) => {
      pre = inlineFunction(stack, 'PreTraffic');
      post = inlineFunction(stack, 'PostTraffic');
      return restEntryJwt(stack, StageProfile.dev({ release: ReleasePolicy.allAtOnce({ preTrafficHook: pre, postTrafficHook: post }) }));
    });
  });

  test("every alias's CodeDeploy update runs preTrafficHook before and postTrafficHook after the traffic moves", () => {
    const aliases = Object.values(ofType(built.resources, 'AWS::Lambda::Alias'));
    expect(aliases).toHaveLength(2);
    for (const alias of aliases) {
      expect(alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate).toMatchObject({ BeforeAllowTrafficHook: { Ref: logicalIdOf(pre) }, AfterAllowTrafficHook: { Ref: logicalIdOf(post) } });
    }
  });

  test.each([
    ['preTrafficHook', () => pre],
    ['postTrafficHook', () => post],
  ])('%s may report its result (codedeploy:PutLifecycleEventHookExecutionStatus) to every deployment group, and CodeDeploy may invoke it', (_name, hook) => {
    const roleId = logicalIdOf(hook().role!);
    const statements = Object.values(ofType(built.resources, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const lifecycle = statements.filter((s) => [s.Action].flat().includes('codedeploy:PutLifecycleEventHookExecutionStatus'));
    expect(lifecycle.length).toBeGreaterThan(0);
    const resources = JSON.stringify(lifecycle.map((s) => s.Resource));
    for (const release of Object.values(built.api.releases)) expect(resources).toContain(`"${logicalIdOf(release.deploymentGroup)}"`);
    // CodeDeploy's role (one per construct) may invoke the hook.
    const codeDeployRole = Object.keys(ofType(built.resources, 'AWS::IAM::Role')).find((id) => id.startsWith('ApiReleasesRole'));
    const invokes = Object.values(ofType(built.resources, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: codeDeployRole }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invokes)).toContain(`"${logicalIdOf(hook())}"`);
  });
});

describe('compliance', () => {
  test('a production ServerlessApi REST with an entry route synthesizes under ApiCompliance (cdk-nag packs and Control Tower rules)', () => {
    // With CloudFormation's schema checks, as in a user's synth (the file turns them off, see setup-env.ts).
    const validation = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
    try {
      const app = new App();
      const stack = new Stack(app, 'Compliance');
      const api = new ServerlessApi(stack, 'Api', {
        profile: StageProfile.prod(),
        kind: ApiKind.REST,
        apiName: 'items',
        routes: { 'GET /items': { integration: RouteIntegration.entry(ECHO_ENTRY), auth: ApiAuth.iam() } },
      });
      ApiCompliance.apply(app);
      let assembly: ReturnType<App['synth']> | undefined;
      expect(() => {
        assembly = app.synth();
      }).not.toThrow();
      // What was checked includes the release: the alias, its deployment group and CodeDeploy's role.
      const template = Template.fromJSON(assembly!.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
      template.resourceCountIs('AWS::Lambda::Alias', 1);
      template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
      expect(Object.keys(api.releases)).toHaveLength(1);
    } finally {
      process.env.CDK_VALIDATION = validation;
    }
  });
});
