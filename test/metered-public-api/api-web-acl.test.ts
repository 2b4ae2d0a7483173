import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration as ApigwMockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { ApiAuth, ApiCompliance, ApiKind, LogEncryptionKey, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import { ApiWebAcl } from '../../lib/metered-public-api/api-web-acl';
import type { ApiWebAclProps } from '../../lib/metered-public-api/api-web-acl';
import { expectApiError, newStack } from '../support/core-stacks';
import { validateTemplates } from '../support/template-validation';

/** A web rule as synthesized. */
interface SynthRule {
  Name: string;
  Priority: number;
  Action?: Record<string, unknown>;
  OverrideAction?: Record<string, unknown>;
  Statement: Record<string, Record<string, unknown>>;
  VisibilityConfig: { CloudWatchMetricsEnabled: boolean; SampledRequestsEnabled: boolean; MetricName: string };
}

/** GIVEN a stack, WHEN an ApiWebAcl named 'orders' is built with these props (dev profile unless given). */
function buildAcl(props: Partial<ApiWebAclProps> = {}) {
  const { app, stack } = newStack();
  const acl = new ApiWebAcl(stack, 'Waf', { profile: StageProfile.dev(), name: 'orders', ...props });
  return { app, stack, acl, template: () => Template.fromStack(stack) };
}

function webAclProperties(template: Template): Record<string, unknown> {
  const acls = Object.values(template.findResources('AWS::WAFv2::WebACL'));
  expect(acls).toHaveLength(1);
  return acls[0].Properties;
}

function rulesOf(template: Template): SynthRule[] {
  return webAclProperties(template).Rules as SynthRule[];
}

function ruleNamed(template: Template, name: string): SynthRule {
  const rule = rulesOf(template).find((r) => r.Name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule;
}

function logicalIdOf(stack: Stack, type: string, filter: (props: Record<string, unknown>) => boolean = () => true): string {
  const found = Object.entries(Template.fromStack(stack).findResources(type)).filter(([, r]) => filter(r.Properties));
  expect(found).toHaveLength(1);
  return found[0][0];
}

const paths = (n: number) => Array.from({ length: n }, (_, i) => `/p${i}`);

describe('ApiWebAcl rules', () => {
  test('by default: rate limit, IP reputation, known bad inputs and the core rule set, in that order, default ALLOW', () => {
    const { template } = buildAcl();
    const props = webAclProperties(template());
    expect(props.Scope).toBe('REGIONAL');
    expect(props.Name).toBe('orders');
    expect(props.DefaultAction).toEqual({ Allow: {} });
    expect(props.VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'orders' });
    expect(rulesOf(template()).map((r) => [r.Name, r.Priority])).toEqual([
      ['RateLimitPerIp', 10],
      ['AWSManagedRulesAmazonIpReputationList', 20],
      ['AWSManagedRulesKnownBadInputsRuleSet', 30],
      ['AWSManagedRulesCommonRuleSet', 40],
    ]);
    template().resourceCountIs('AWS::WAFv2::IPSet', 0);
  });

  test('with every option: allow lists, deny lists, rate limit, managed groups, body size limit, anonymous IPs, Bot Control', () => {
    const { template } = buildAcl({
      allowedIps: ['203.0.113.0/24', '2001:db8:1::/48'],
      blockedIps: ['198.51.100.7/32', '2001:db8:2::/48'],
      largeBodyPaths: ['/v1/uploads'],
      anonymousIpList: true,
      botControl: true,
    });
    expect(rulesOf(template()).map((r) => [r.Name, r.Priority])).toEqual([
      ['AllowListIpv4', 0],
      ['AllowListIpv6', 1],
      ['DenyListIpv4', 2],
      ['DenyListIpv6', 3],
      ['RateLimitPerIp', 10],
      ['AWSManagedRulesAmazonIpReputationList', 20],
      ['AWSManagedRulesKnownBadInputsRuleSet', 30],
      ['AWSManagedRulesCommonRuleSet', 40],
      ['BodySizeLimit', 45],
      ['AWSManagedRulesAnonymousIpList', 50],
      ['AWSManagedRulesBotControlRuleSet', 60],
    ]);
  });

  test('every rule publishes metrics and sampled requests under its own name', () => {
    const { template } = buildAcl({ allowedIps: ['203.0.113.0/24'], blockedIps: ['2001:db8::/32'], largeBodyPaths: ['/v1/uploads'], anonymousIpList: true, botControl: true });
    for (const rule of rulesOf(template())) {
      expect(rule.VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: rule.Name });
    }
  });

  test('managed groups are AWS vendor groups that keep their own actions', () => {
    const { template } = buildAcl({ anonymousIpList: true, botControl: true });
    for (const rule of rulesOf(template()).filter((r) => r.Name.startsWith('AWSManagedRules'))) {
      expect(rule.OverrideAction).toEqual({ None: {} });
      expect(rule.Action).toBeUndefined();
      expect(rule.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: rule.Name });
    }
  });

  test('the rate rule blocks more than rateLimit requests per client IP per window (defaults 1000 per 300 s)', () => {
    const { template } = buildAcl();
    const rule = ruleNamed(template(), 'RateLimitPerIp');
    expect(rule.Action).toEqual({ Block: {} });
    expect(rule.Statement).toEqual({ RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } });
  });

  test('rateLimit and rateLimitWindow set the rate rule', () => {
    const { template } = buildAcl({ rateLimit: 50, rateLimitWindow: Duration.minutes(1) });
    expect(ruleNamed(template(), 'RateLimitPerIp').Statement.RateBasedStatement).toEqual({ Limit: 50, AggregateKeyType: 'IP', EvaluationWindowSec: 60 });
  });

  test('Bot Control inspects at level COMMON and only counts the rules that match API clients', () => {
    const { template } = buildAcl({ botControl: true });
    expect(ruleNamed(template(), 'AWSManagedRulesBotControlRuleSet').Statement.ManagedRuleGroupStatement).toEqual({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesBotControlRuleSet',
      ManagedRuleGroupConfigs: [{ AWSManagedRulesBotControlRuleSet: { InspectionLevel: 'COMMON' } }],
      RuleActionOverrides: [
        { Name: 'CategoryHttpLibrary', ActionToUse: { Count: {} } },
        { Name: 'SignalNonBrowserUserAgent', ActionToUse: { Count: {} } },
      ],
    });
  });
});

describe('ApiWebAcl IP sets', () => {
  test('one REGIONAL IP set per list and address version, referenced by its rule, allow before deny', () => {
    const { stack, template } = buildAcl({
      allowedIps: ['203.0.113.0/24', '2001:db8:1::/48', '192.0.2.10/32'],
      blockedIps: ['198.51.100.7/32', '2001:db8:2::/48'],
    });
    template().resourceCountIs('AWS::WAFv2::IPSet', 4);
    const sets: Array<[string, string, string[]]> = [
      ['AllowListIpv4', 'IPV4', ['203.0.113.0/24', '192.0.2.10/32']],
      ['AllowListIpv6', 'IPV6', ['2001:db8:1::/48']],
      ['DenyListIpv4', 'IPV4', ['198.51.100.7/32']],
      ['DenyListIpv6', 'IPV6', ['2001:db8:2::/48']],
    ];
    for (const [ruleName, version, addresses] of sets) {
      const setId = logicalIdOf(stack, 'AWS::WAFv2::IPSet', (p) => p.IPAddressVersion === version && JSON.stringify(p.Addresses) === JSON.stringify(addresses));
      template().hasResourceProperties('AWS::WAFv2::IPSet', { Scope: 'REGIONAL', IPAddressVersion: version, Addresses: addresses });
      const rule = ruleNamed(template(), ruleName);
      expect(rule.Statement).toEqual({ IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [setId, 'Arn'] } } });
      expect(rule.Action).toEqual(ruleName.startsWith('Allow') ? { Allow: {} } : { Block: {} });
    }
  });

  test('a list of one address version gets no rule or set for the other; duplicates are listed once', () => {
    const { template } = buildAcl({ blockedIps: ['198.51.100.0/24', '198.51.100.0/24'] });
    template().resourceCountIs('AWS::WAFv2::IPSet', 1);
    template().hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV4', Addresses: ['198.51.100.0/24'] });
    expect(rulesOf(template()).map((r) => r.Name)).toEqual(expect.arrayContaining(['DenyListIpv4']));
    expect(rulesOf(template()).map((r) => r.Name)).not.toEqual(expect.arrayContaining(['DenyListIpv6']));
    expect(rulesOf(template()).some((r) => r.Name.startsWith('AllowList'))).toBe(false);
  });
});

describe('ApiWebAcl large bodies', () => {
  test('without largeBodyPaths the core rule set keeps blocking bodies over 8 KB and there is no BodySizeLimit rule', () => {
    const { template } = buildAcl();
    expect(ruleNamed(template(), 'AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement).toEqual({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
    });
    expect(rulesOf(template()).map((r) => r.Name)).not.toContain('BodySizeLimit');
  });

  test('largeBodyPaths make SizeRestrictions_BODY count, and BodySizeLimit blocks its label outside the paths', () => {
    const { template } = buildAcl({ profile: StageProfile.prod(), largeBodyPaths: ['/v1/uploads', '/v2/files'] });
    expect(ruleNamed(template(), 'AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    const match = (searchString: string, positionalConstraint: string) => ({
      ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: positionalConstraint, SearchString: searchString, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
    });
    const rule = ruleNamed(template(), 'BodySizeLimit');
    expect(rule.Action).toEqual({ Block: {} });
    expect(rule.Statement).toEqual({
      AndStatement: {
        Statements: [
          { LabelMatchStatement: { Scope: 'LABEL', Key: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body' } },
          {
            NotStatement: {
              Statement: {
                OrStatement: {
                  Statements: [
                    match('/v1/uploads', 'EXACTLY'),
                    match('/v1/uploads/', 'STARTS_WITH'),
                    match('/prod/v1/uploads', 'EXACTLY'),
                    match('/prod/v1/uploads/', 'STARTS_WITH'),
                    match('/v2/files', 'EXACTLY'),
                    match('/v2/files/', 'STARTS_WITH'),
                    match('/prod/v2/files', 'EXACTLY'),
                    match('/prod/v2/files/', 'STARTS_WITH'),
                  ],
                },
              },
            },
          },
        ],
      },
    });
  });

  test('the body size rule runs after the core rule set, whose label it reads', () => {
    const { template } = buildAcl({ largeBodyPaths: ['/v1/uploads'] });
    expect(ruleNamed(template(), 'BodySizeLimit').Priority).toBeGreaterThan(ruleNamed(template(), 'AWSManagedRulesCommonRuleSet').Priority);
  });
});

describe('ApiWebAcl logging', () => {
  test('logs to aws-waf-logs-<name> with the profile key, retention and removal policy', () => {
    const { stack } = newStack();
    const key = new LogEncryptionKey(stack, 'LogKey');
    new ApiWebAcl(stack, 'Waf', { profile: StageProfile.prod({ logEncryptionKey: key.key }), name: 'orders' });
    const keyId = logicalIdOf(stack, 'AWS::KMS::Key');
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      // The name ends with the first part of the stack's id, new each time the stack is created.
      Properties: { LogGroupName: {
          'Fn::Join': ['', ['aws-waf-logs-orders-', { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] }]],
        }, RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('a dev profile keeps WAF logs a week and deletes them with the stack', () => {
    const { template } = buildAcl();
    template().hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: {
          'Fn::Join': ['', ['aws-waf-logs-orders-', { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] }]],
        }, RetentionInDays: 7, KmsKeyId: Match.absent() },
      DeletionPolicy: 'Delete',
    });
  });

  test('the logging configuration sends the web ACL to the log group, redacting authorization and x-api-key', () => {
    const { stack, template } = buildAcl();
    const aclId = logicalIdOf(stack, 'AWS::WAFv2::WebACL');
    const logGroupId = logicalIdOf(stack, 'AWS::Logs::LogGroup');
    template().resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    template().hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      LogDestinationConfigs: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: logGroupId }],
          ],
        },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'x-api-key' } }],
    });
  });
});

describe('ApiWebAcl capacity', () => {
  test('the defaults cost 927 WCU: core rule set 700, known bad inputs 200, IP reputation 25, rate rule 2', () => {
    expect(buildAcl().acl.capacity).toBe(927);
  });

  test('each option adds its cost: IP set rules 1, anonymous IPs 50, Bot Control 50, the body size rule 1 plus 8 per path', () => {
    expect(buildAcl({ allowedIps: ['203.0.113.0/24', '2001:db8::/32'], blockedIps: ['198.51.100.0/24'] }).acl.capacity).toBe(930);
    expect(buildAcl({ anonymousIpList: true }).acl.capacity).toBe(977);
    expect(buildAcl({ botControl: true }).acl.capacity).toBe(977);
    expect(buildAcl({ largeBodyPaths: ['/v1/uploads'] }).acl.capacity).toBe(936);
    expect(buildAcl({ largeBodyPaths: ['/v1/uploads', '/v2/files'] }).acl.capacity).toBe(944);
  });

  test('up to the 1,500 WCU of the base price there is no warning', () => {
    const { acl, stack } = buildAcl({ anonymousIpList: true, botControl: true, largeBodyPaths: paths(59) });
    expect(acl.capacity).toBe(1500);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('above 1,500 WCU the construct warns that the web ACL costs more', () => {
    const { acl, stack } = buildAcl({ anonymousIpList: true, botControl: true, largeBodyPaths: paths(60) });
    expect(acl.capacity).toBe(1508);
    Annotations.fromStack(stack).hasWarning('/TestStack/Waf', Match.stringLikeRegexp('1508 WCU, above the 1500 included'));
  });

  test('5,000 WCU is allowed', () => {
    expect(buildAcl({ largeBodyPaths: paths(509) }).acl.capacity).toBe(5000);
  });

  test('above 5,000 WCU synth fails with WafCapacityExceeded', () => {
    expectApiError(() => buildAcl({ largeBodyPaths: paths(510) }), 'WafCapacityExceeded', /largeBodyPaths/, /Got: 5008/);
  });
});

describe('ApiWebAcl validation', () => {
  test.each([['bad name'], [''], ['x'.repeat(129)], ['All'], ['default_action'], ['dots.not.allowed']])('name %j fails with WafNameInvalid', (name) => {
    expectApiError(() => buildAcl({ name }), 'WafNameInvalid', /name must be 1 to 128 characters/, new RegExp(`Got: ${escape(JSON.stringify(name))}`));
  });

  test('a 128-character name is accepted', () => {
    expect(() => buildAcl({ name: 'a'.repeat(128) })).not.toThrow();
  });

  test.each([[9], [10.5], [0], [2_000_000_001]])('rateLimit %p fails with WafRateLimitInvalid', (rateLimit) => {
    expectApiError(() => buildAcl({ rateLimit }), 'WafRateLimitInvalid', /rateLimit must be a whole number from 10 to 2000000000/, new RegExp(`Got: ${rateLimit}`));
  });

  test('rateLimit 10 is accepted', () => {
    expect(() => buildAcl({ rateLimit: 10 })).not.toThrow();
  });

  test.each([[Duration.seconds(30), '30'], [Duration.seconds(90), '90'], [Duration.minutes(15), '900'], [Duration.millis(60500), '60.5']])(
    'rateLimitWindow %s fails with WafRateWindowInvalid',
    (rateLimitWindow, seconds) => {
      expectApiError(() => buildAcl({ rateLimitWindow }), 'WafRateWindowInvalid', /rateLimitWindow must be 60, 120, 300 or 600 seconds/, new RegExp(`Got: ${seconds} s`));
    },
  );

  test.each([[60], [120], [600]])('rateLimitWindow %p s is accepted', (seconds) => {
    expect(() => buildAcl({ rateLimitWindow: Duration.seconds(seconds) })).not.toThrow();
  });

  test.each([
    ['10.0.0.1'],
    ['10.0.0.0/0'],
    ['10.0.0.0/33'],
    ['256.1.1.1/32'],
    ['10.0.0/24'],
    ['2001:db8::/129'],
    ['2001:db8::/0'],
    ['2001:db8::'],
    ['fe80::1%eth0/64'],
    ['2001:db8::/32/1'],
    ['not-an-ip/24'],
  ])('allowedIps entry %j fails with WafIpSetInvalid', (cidr) => {
    expectApiError(() => buildAcl({ allowedIps: [cidr] }), 'WafIpSetInvalid', /allowedIps entries must be IPv4 or IPv6 CIDR blocks/, new RegExp(`Got: ${escape(JSON.stringify(cidr))}`));
  });

  test('a bad blockedIps entry names blockedIps', () => {
    expectApiError(() => buildAcl({ blockedIps: ['198.51.100.7'] }), 'WafIpSetInvalid', /blockedIps entries/, /Got: "198\.51\.100\.7"/);
  });

  test('a token in an IP list fails: it cannot be sorted by address version', () => {
    const token = Lazy.string({ produce: () => '203.0.113.0/24' });
    expectApiError(() => buildAcl({ allowedIps: [token] }), 'WafIpSetInvalid', /allowedIps entries must be literal CIDR blocks/, /Got: "\$\{Token/);
  });

  test('the same CIDR block in both lists fails', () => {
    expectApiError(
      () => buildAcl({ allowedIps: ['203.0.113.0/24'], blockedIps: ['203.0.113.0/24', '198.51.100.0/24'] }),
      'WafIpSetInvalid',
      /allowedIps and blockedIps both list/,
      /Got: \["203\.0\.113\.0\/24"\]/,
    );
  });

  test('more than 10,000 blocks of one version fails', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    expectApiError(() => buildAcl({ blockedIps: many }), 'WafIpSetInvalid', /blockedIps holds 10001 IPv4 CIDR blocks/, /Got: 10001/);
    expect(() => buildAcl({ blockedIps: many.slice(0, 10_000) })).not.toThrow();
  });

  test.each([['v1/uploads'], ['/v1/uploads/'], ['/'], ['//v1'], ['/items/{id}'], ['/a b'], [`/${'a'.repeat(195)}`]])(
    'largeBodyPaths entry %j fails with WafLargeBodyPathInvalid',
    (path) => {
      expectApiError(() => buildAcl({ largeBodyPaths: [path] }), 'WafLargeBodyPathInvalid', /largeBodyPaths entries must be literal URI path prefixes/, new RegExp(`Got: ${escape(JSON.stringify(path))}`));
    },
  );

  test('the longest path prefix leaves room for the stage name and the trailing slash', () => {
    // dev stage: '/dev' (4 bytes) + path + '/' must fit AWS WAF's 200-byte search string.
    expect(() => buildAcl({ largeBodyPaths: [`/${'a'.repeat(194)}`] })).not.toThrow();
    expectApiError(() => buildAcl({ largeBodyPaths: [`/${'a'.repeat(195)}`] }), 'WafLargeBodyPathInvalid', /at most 195 bytes/, /Got: "\/a+"/);
  });

  test('the profile is checked like every construct checks it', () => {
    expectApiError(() => buildAcl({ profile: StageProfile.prod({ dataTrace: true }) }), 'DataTraceInProduction', /profile\.dataTrace/, /Got: true/);
  });
});

describe('ApiWebAcl association', () => {
  function restStage(stack: Stack) {
    const api = new RestApi(stack, 'Api', { deployOptions: { stageName: 'dev' } });
    api.root.addMethod('GET', new ApigwMockIntegration());
    return api;
  }

  test('associates the web ACL with the stage ARN, which references the stage so the association waits for it', () => {
    const { stack, acl, template } = buildAcl();
    const api = restStage(stack);
    acl.associate(api.deploymentStage);
    const stageId = logicalIdOf(stack, 'AWS::ApiGateway::Stage');
    const apiId = logicalIdOf(stack, 'AWS::ApiGateway::RestApi');
    const aclId = logicalIdOf(stack, 'AWS::WAFv2::WebACL');
    template().hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      ResourceArn: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, '::/restapis/', { Ref: apiId }, '/stages/', { Ref: stageId }]],
      },
    });
  });

  test('associating the same stage twice fails with WafStageAlreadyAssociated', () => {
    const { stack, acl } = buildAcl();
    const api = restStage(stack);
    acl.associate(api.deploymentStage);
    expectApiError(() => acl.associate(api.deploymentStage), 'WafStageAlreadyAssociated', /associate\(\) was already called/, /Got: "TestStack\/Api\/DeploymentStage\.dev"/);
  });
});

describe('ApiWebAcl metrics', () => {
  function regionalAcl() {
    const { app } = newStack();
    const stack = new Stack(app, 'Regional', { env: { account: '111111111111', region: 'eu-west-1' } });
    return new ApiWebAcl(stack, 'Waf', { profile: StageProfile.dev(), name: 'orders' });
  }

  test('metric() reads AWS/WAFV2 for the whole web ACL: WebACL, Region, Rule ALL; Sum over 1 minute', () => {
    const metric = regionalAcl().metric('CountedRequests');
    expect(metric.namespace).toBe('AWS/WAFV2');
    expect(metric.metricName).toBe('CountedRequests');
    expect(metric.dimensions).toEqual({ WebACL: 'orders', Region: 'eu-west-1', Rule: 'ALL' });
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('metricBlockedRequests and metricAllowedRequests cover every rule', () => {
    const acl = regionalAcl();
    expect(acl.metricBlockedRequests().metricName).toBe('BlockedRequests');
    expect(acl.metricBlockedRequests().dimensions).toEqual({ WebACL: 'orders', Region: 'eu-west-1', Rule: 'ALL' });
    expect(acl.metricAllowedRequests().metricName).toBe('AllowedRequests');
    expect(acl.metricAllowedRequests().dimensions).toEqual({ WebACL: 'orders', Region: 'eu-west-1', Rule: 'ALL' });
  });

  test('metricRateLimitedRequests counts what the rate rule blocked', () => {
    const metric = regionalAcl().metricRateLimitedRequests();
    expect(metric.metricName).toBe('BlockedRequests');
    expect(metric.dimensions).toEqual({ WebACL: 'orders', Region: 'eu-west-1', Rule: 'RateLimitPerIp' });
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('props override the statistic and period', () => {
    const metric = regionalAcl().metricBlockedRequests({ statistic: 'Average', period: Duration.minutes(5) });
    expect(metric.statistic).toBe('Average');
    expect(metric.period.toSeconds()).toBe(300);
  });
});

describe('ApiWebAcl compliance', () => {
  // As in a user's synth with the recommended cdk.json: CloudFormation's schema findings fail synthesis
  // (newStack sets the context for that); switched back off for the other suites of this file.
  beforeAll(() => validateTemplates());
  afterAll(() => {
    process.env.CDK_VALIDATION = 'false';
  });

  /** A REST ServerlessApi with one public mock route, protected by the web ACL. */
  function protectedApi(stack: Stack, profile: StageProfile, props: Partial<ApiWebAclProps> = {}): ApiWebAcl {
    const acl = new ApiWebAcl(stack, 'Waf', { profile, name: 'tiny-api', ...props });
    new ServerlessApi(stack, 'Api', {
      profile,
      kind: ApiKind.REST,
      apiName: 'tiny',
      webAclArn: acl.webAclArn,
      routes: { 'GET /health': { integration: RouteIntegration.mock({ body: '{"ok":true}' }), auth: ApiAuth.none() } },
    });
    return acl;
  }

  test('the defaults on a dev stage have no violations under all six packs', () => {
    const { app, stack } = newStack('Compliance');
    protectedApi(stack, StageProfile.dev());
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
  });

  test('every option on a production stage with an encrypted log group has no violations', () => {
    const { app, stack } = newStack('Compliance');
    const key = new LogEncryptionKey(stack, 'LogKey');
    protectedApi(stack, StageProfile.prod({ logEncryptionKey: key.key }), {
      allowedIps: ['203.0.113.0/24', '2001:db8:1::/48'],
      blockedIps: ['198.51.100.7/32', '2001:db8:2::/48'],
      largeBodyPaths: ['/v1/uploads'],
      anonymousIpList: true,
      botControl: true,
    });
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
  });

  test('a web ACL without its logging configuration fails synth (the check is live)', () => {
    const { app, stack } = newStack('Compliance');
    const acl = protectedApi(stack, StageProfile.dev());
    acl.node.tryRemoveChild('Logging');
    ApiCompliance.apply(app);
    expect(() => app.synth()).toThrow(/WAFv2LoggingEnabled/);
  });
});

/** Escapes a string for use inside a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
