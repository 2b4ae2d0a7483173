import { isIPv6 } from 'node:net';
import { Annotations, ArnFormat, Aws, Duration, Fn, Names, Stack } from 'aws-cdk-lib';
import type { IStage } from 'aws-cdk-lib/aws-apigateway';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnIPSet, CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { createStageLogGroup } from '../core/stage/stage-log-group';
import type { StageProfile } from '../core/stage/stage-profile';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { isUnresolved, validateIntegerRange } from '../core/validation/validation';

/** The rules of an {@link ApiWebAcl} that can be chosen. */
export interface ApiWebAclOptions {
  /**
   * Requests one client IP address may send in each `rateLimitWindow` before AWS WAF blocks it
   * (until its rate falls back under the limit). A whole number from 10 to 2,000,000,000.
   * @default 1000
   */
  readonly rateLimit?: number;

  /**
   * The window over which `rateLimit` counts requests: 60, 120, 300 or 600 seconds.
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;

  /**
   * Block requests from VPNs, proxies, Tor nodes and hosting providers
   * (AWSManagedRulesAnonymousIpList, 50 WCU). Leave off for APIs that servers call, since
   * cloud-hosted clients come from hosting providers.
   * @default false
   */
  readonly anonymousIpList?: boolean;

  /**
   * Block self-identifying bots (AWSManagedRulesBotControlRuleSet at inspection level COMMON,
   * 50 WCU). Bot Control is billed per request on top of the web ACL's price. Its rules
   * `CategoryHttpLibrary` and `SignalNonBrowserUserAgent` only count here (their labels stay),
   * because an API's legitimate clients are HTTP libraries, SDKs and mobile apps.
   * @default false
   */
  readonly botControl?: boolean;

  /**
   * Client addresses that skip every other rule (rate limit included): IPv4 or IPv6 CIDR blocks
   * such as `203.0.113.0/24` or `2001:db8::/32` (`/32` or `/128` for one address; `/0` is not
   * allowed). Each address version gets its own IP set, of at most 10,000 entries.
   * @default - no allow list
   */
  readonly allowedIps?: string[];

  /**
   * Client addresses that are always blocked, evaluated right after the allow list: IPv4 or IPv6
   * CIDR blocks, one IP set per address version, at most 10,000 entries each.
   * @default - no deny list
   */
  readonly blockedIps?: string[];

  /**
   * URI path prefixes that accept request bodies over 8 KB, e.g. `/v1/uploads`, which also
   * covers `/v1/uploads/...` (whole segments only: not `/v1/uploads2`).
   *
   * The core rule set's `SizeRestrictions_BODY` blocks every body over 8 KB (8,192 bytes). When
   * this list is not empty, that rule only counts (a `RuleActionOverrides` entry), and the rule
   * `BodySizeLimit`, right after the core rule set, blocks requests that carry the rule's label
   * (`awswaf:managed:aws:core-rule-set:SizeRestrictions_Body`) unless their path is under one of
   * these prefixes. Matching the label rather than repeating the size check keeps AWS's limit the
   * single source of truth and costs 1 WCU.
   *
   * Paths are matched as the client sends them, byte for byte: on the custom domain
   * (`/v1/uploads`, including any base path) and on the stage's execute-api URL, where the path
   * starts with the stage name (`/prod/v1/uploads`); both forms are added, 8 WCU per prefix.
   * Path traversal (`/v1/uploads/../admin`) cannot reach another route this way: the core rule
   * set's `GenericLFI_URIPATH` blocks it first.
   * @default - bodies over 8 KB are blocked on every path
   */
  readonly largeBodyPaths?: string[];
}

/** Props of {@link ApiWebAcl}. */
export interface ApiWebAclProps extends ApiWebAclOptions {
  /**
   * The stage profile: the WAF log group takes its retention, KMS key and removal policy, and the
   * large-body exemptions also match paths under its stage name (see `largeBodyPaths`).
   */
  readonly profile: StageProfile;

  /**
   * Name of the web ACL, also its CloudWatch metric name (the `WebACL` dimension) and the suffix of
   * its log group, `aws-waf-logs-<name>-<suffix>`: 1 to 128 letters, digits, `-` and `_`.
   */
  readonly name: string;

  /**
   * The base path the stage is mapped under on a custom domain (e.g. `v1`): `largeBodyPaths` are
   * given relative to the API, and matched under it on the domain (`/v1/uploads`) and under the
   * stage name on the execute-api URL (`/prod/uploads`).
   * @default - the stage is mapped at the domain's root, or has no custom domain
   */
  readonly basePath?: string;
}

/**
 * The quotas of AWS WAF this construct checks (AWS WAF developer guide: "Web ACL capacity units",
 * "Rate-based rule statement", "IP set match rule statement", "String match rule statement").
 */
const WAF_LIMITS = {
  namePattern: /^[A-Za-z0-9_-]{1,128}$/,
  /** Metric names AWS WAF keeps for itself; the web ACL's metric name is its name. */
  reservedMetricNames: ['all', 'default_action'],
  rateLimitMin: 10,
  rateLimitMax: 2_000_000_000,
  rateWindowsSeconds: [60, 120, 300, 600],
  ipSetMaxAddresses: 10_000,
  /** A string match statement's search string, in bytes. */
  searchStringMaxBytes: 200,
  /** WCU included in a web ACL's base price; more is billed per 500 WCU. */
  includedCapacity: 1_500,
  /** The most WCU one web ACL may use. */
  maxCapacity: 5_000,
} as const;

/** The AWS managed rule groups this construct adds. */
type ManagedRuleGroupName =
  | 'AWSManagedRulesAmazonIpReputationList'
  | 'AWSManagedRulesKnownBadInputsRuleSet'
  | 'AWSManagedRulesCommonRuleSet'
  | 'AWSManagedRulesAnonymousIpList'
  | 'AWSManagedRulesBotControlRuleSet';

/** WCU of each managed rule group, from the AWS WAF developer guide's "AWS Managed Rules rule groups list". */
const MANAGED_RULE_GROUP_CAPACITY: Record<ManagedRuleGroupName, number> = {
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesBotControlRuleSet: 50,
};

/**
 * WCU of the statements of this construct's own rules, from the AWS WAF developer guide's rule
 * statement pages (logical AND/OR/NOT statements cost only what they nest; transformation NONE is free).
 */
const STATEMENT_CAPACITY = {
  ipSetReference: 1,
  rateBased: 2,
  labelMatch: 1,
  /** String match, "exactly matches" or "starts with". */
  byteMatch: 2,
} as const;

/** Rule priorities: fixed, with gaps, so turning an option on or off never renumbers the other rules. */
const PRIORITY = {
  allowListIpv4: 0,
  allowListIpv6: 1,
  denyListIpv4: 2,
  denyListIpv6: 3,
  rateLimit: 10,
  ipReputation: 20,
  knownBadInputs: 30,
  commonRuleSet: 40,
  bodySizeLimit: 45,
  anonymousIpList: 50,
  botControl: 60,
} as const;

/** Name (and metric name) of the rate-based rule. */
const RATE_LIMIT_RULE = 'RateLimitPerIp';
/** Name (and metric name) of the rule that blocks large bodies outside `largeBodyPaths`. */
const BODY_SIZE_LIMIT_RULE = 'BodySizeLimit';
/** The core rule set's rule that blocks bodies over 8 KB, and the label it adds. */
const CRS_BODY_SIZE_RULE = 'SizeRestrictions_BODY';
const CRS_BODY_SIZE_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';
/** Bot Control rules that would block an API's own clients (HTTP libraries, SDKs, mobile apps). */
const BOT_CONTROL_COUNT_ONLY_RULES = ['CategoryHttpLibrary', 'SignalNonBrowserUserAgent'];
/** Headers that carry credentials: never written to the WAF logs. */
const REDACTED_HEADERS = ['authorization', 'x-api-key'];

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/([1-9]|[12]\d|3[0-2])$/;
const IPV6_PREFIX = /^([1-9]\d?|1[01]\d|12[0-8])$/;
/** A URI path prefix: `/`-separated non-empty segments of URI path characters, no trailing `/`, no `{param}`. */
const PATH_PREFIX = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/;

/** One rule of the web ACL and what it costs. */
interface PricedRule {
  readonly rule: CfnWebACL.RuleProperty;
  readonly capacity: number;
}

/** CIDR blocks sorted by address version. */
interface CidrsByVersion {
  readonly ipv4: string[];
  readonly ipv6: string[];
}

/**
 * A REGIONAL AWS WAF web ACL for REST API stages, with the rules a public API needs:
 *
 * | Priority | Rule (and metric name) | Action |
 * |---|---|---|
 * | 0, 1 | `AllowListIpv4`, `AllowListIpv6` (optional) | Allow: skips every rule below |
 * | 2, 3 | `DenyListIpv4`, `DenyListIpv6` (optional) | Block |
 * | 10 | `RateLimitPerIp`: `rateLimit` requests per client IP per `rateLimitWindow` | Block |
 * | 20 | `AWSManagedRulesAmazonIpReputationList` | the group's |
 * | 30 | `AWSManagedRulesKnownBadInputsRuleSet` | the group's |
 * | 40 | `AWSManagedRulesCommonRuleSet` (`SizeRestrictions_BODY` counts when `largeBodyPaths` is set) | the group's |
 * | 45 | `BodySizeLimit` (with `largeBodyPaths`): bodies over 8 KB outside those paths | Block |
 * | 50 | `AWSManagedRulesAnonymousIpList` (optional) | the group's |
 * | 60 | `AWSManagedRulesBotControlRuleSet`, COMMON (optional) | the group's |
 *
 * Requests no rule decides are allowed. Every rule publishes CloudWatch metrics and sampled
 * requests under its name. The ACL logs to a log group named `aws-waf-logs-<name>-<suffix>` (the profile's
 * retention, key and removal policy) with the `authorization` and `x-api-key` headers redacted.
 *
 * `capacity` is the ACL's WCU, computed at synth from the published cost of each rule; synth fails
 * above AWS WAF's 5,000 and warns above the 1,500 included in the base price.
 *
 * Deploying needs no log resource policy in the template: when the logging configuration is
 * created, AWS WAF adds the delivery permission to the log group's resource policy itself, which
 * the deploying role (CloudFormation's execution role) may do when it holds
 * `logs:CreateLogDelivery`, `logs:PutResourcePolicy`, `logs:DescribeResourcePolicies` and
 * `logs:DescribeLogGroups` (the CDK bootstrap's execution role does). With a KMS key, that key
 * must let CloudWatch Logs use it (`LogEncryptionKey` does).
 *
 * @example
 * const acl = new ApiWebAcl(this, 'Waf', { profile, name: 'orders-prod', largeBodyPaths: ['/v1/uploads'] });
 * acl.associate(api.restStage!);
 */
export class ApiWebAcl extends Construct {
  /** The web ACL. */
  public readonly webAcl: CfnWebACL;

  /** ARN of the web ACL, for `webAclArn` of the API constructs or your own association. */
  public readonly webAclArn: string;

  /** The log group the web ACL logs to, `aws-waf-logs-<name>-<suffix>` (the suffix is the first part of the stack's id). */
  public readonly logGroup: LogGroup;

  /** The web ACL's logging configuration (redacts the credential headers). */
  public readonly loggingConfiguration: CfnLoggingConfiguration;

  /** Web ACL capacity units (WCU) the rules use, as computed at synth. */
  public readonly capacity: number;

  /** The web ACL's metric name (its `WebACL` dimension): its name. */
  private readonly metricName: string;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    props.profile.validate(this);
    validateWebAclName(this, props.name);
    const rateLimit = props.rateLimit ?? 1000;
    validateIntegerRange(this, 'WafRateLimitInvalid', 'rateLimit', rateLimit, WAF_LIMITS.rateLimitMin, WAF_LIMITS.rateLimitMax);
    const rateLimitWindow = props.rateLimitWindow ?? Duration.minutes(5);
    validateRateLimitWindow(this, rateLimitWindow);
    const allowed = cidrsByVersion(this, 'allowedIps', props.allowedIps ?? []);
    const blocked = cidrsByVersion(this, 'blockedIps', props.blockedIps ?? []);
    rejectCidrsInBothLists(this, allowed, blocked);
    const largeBodyPaths = validateLargeBodyPaths(this, props.largeBodyPaths ?? [], props.basePath && props.basePath.length > props.profile.stageName.length ? props.basePath : props.profile.stageName);

    const rules: PricedRule[] = [
      ...this.ipSetRule('AllowListIpv4', 'IPV4', allowed.ipv4, PRIORITY.allowListIpv4, { allow: {} }),
      ...this.ipSetRule('AllowListIpv6', 'IPV6', allowed.ipv6, PRIORITY.allowListIpv6, { allow: {} }),
      ...this.ipSetRule('DenyListIpv4', 'IPV4', blocked.ipv4, PRIORITY.denyListIpv4, { block: {} }),
      ...this.ipSetRule('DenyListIpv6', 'IPV6', blocked.ipv6, PRIORITY.denyListIpv6, { block: {} }),
      rateLimitRule(rateLimit, rateLimitWindow),
      managedRule('AWSManagedRulesAmazonIpReputationList', PRIORITY.ipReputation),
      managedRule('AWSManagedRulesKnownBadInputsRuleSet', PRIORITY.knownBadInputs),
      managedRule('AWSManagedRulesCommonRuleSet', PRIORITY.commonRuleSet, {
        ruleActionOverrides: largeBodyPaths.length > 0 ? [{ name: CRS_BODY_SIZE_RULE, actionToUse: { count: {} } }] : undefined,
      }),
      ...(largeBodyPaths.length > 0 ? [bodySizeLimitRule(largeBodyPaths, props.profile.stageName, props.basePath)] : []),
      ...(props.anonymousIpList ? [managedRule('AWSManagedRulesAnonymousIpList', PRIORITY.anonymousIpList)] : []),
      ...(props.botControl
        ? [
            managedRule('AWSManagedRulesBotControlRuleSet', PRIORITY.botControl, {
              managedRuleGroupConfigs: [{ awsManagedRulesBotControlRuleSet: { inspectionLevel: 'COMMON' } }],
              ruleActionOverrides: BOT_CONTROL_COUNT_ONLY_RULES.map((name) => ({ name, actionToUse: { count: {} } })),
            }),
          ]
        : []),
    ];
    this.capacity = rules.reduce((sum, r) => sum + r.capacity, 0);
    this.checkCapacity(rules);

    this.metricName = props.name;
    this.webAcl = new CfnWebACL(this, 'Resource', {
      name: props.name,
      description: 'Protects a REST API stage: IP lists, a rate limit per client IP and AWS managed rules',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules: rules.map((r) => r.rule),
    });
    this.webAclArn = this.webAcl.attrArn;

    // A suffix from the stack's id (new each time the stack is created): a retained log group of a
    // destroyed stack keeps its name, and a fixed name would fail the next deploy ("already exists").
    const stackSuffix = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    this.logGroup = createStageLogGroup(this, 'Logs', props.profile, `aws-waf-logs-${props.name}-${stackSuffix}`);
    this.loggingConfiguration = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAclArn,
      // The form AWS WAF documents (the log group's own Arn attribute ends in ":*"); the name is a
      // reference, so the configuration waits for the log group.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
  }

  /**
   * Associates the web ACL with a REST API stage. The association names the stage's ARN, built
   * from the stage's own references, so CloudFormation creates it after the stage (and the web
   * ACL). A stage holds one web ACL; associating the same stage twice fails.
   */
  public associate(stage: IStage): CfnWebACLAssociation {
    const id = `Association${Names.nodeUniqueId(stage.node)}`;
    if (this.node.tryFindChild(id)) {
      throw new ApiPatternsError(
        'WafStageAlreadyAssociated',
        `associate() was already called for this stage: a stage holds one web ACL association. Got: ${describeValue(stage.node.path)}`,
        this,
      );
    }
    const stageArn = Stack.of(stage).formatArn({
      service: 'apigateway',
      account: '',
      resource: 'restapis',
      resourceName: `${stage.restApi.restApiId}/stages/${stage.stageName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_SLASH_RESOURCE_NAME,
    });
    return new CfnWebACLAssociation(this, id, { resourceArn: stageArn, webAclArn: this.webAclArn });
  }

  /**
   * Any AWS/WAFV2 metric of the whole web ACL: dimensions `WebACL` (the name), `Region` (the
   * stack's) and `Rule` `ALL`. Default: Sum over 1 minute.
   */
  public metric(metricName: string, props: MetricOptions = {}): Metric {
    return new Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap: this.dimensions('ALL'),
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** Requests the web ACL blocked, by any rule (`BlockedRequests`, rule `ALL`). Default: Sum over 1 minute. */
  public metricBlockedRequests(props: MetricOptions = {}): Metric {
    return this.metric('BlockedRequests', props);
  }

  /** Requests the web ACL allowed, by a rule or the default action (`AllowedRequests`, rule `ALL`). Default: Sum over 1 minute. */
  public metricAllowedRequests(props: MetricOptions = {}): Metric {
    return this.metric('AllowedRequests', props);
  }

  /**
   * Requests the rate-based rule blocked (`BlockedRequests`, rule `RateLimitPerIp`): clients
   * over `rateLimit`. Default: Sum over 1 minute.
   */
  public metricRateLimitedRequests(props: MetricOptions = {}): Metric {
    return this.metric('BlockedRequests', { dimensionsMap: this.dimensions(RATE_LIMIT_RULE), ...props });
  }

  private dimensions(rule: string): Record<string, string> {
    return { WebACL: this.metricName, Region: Stack.of(this).region, Rule: rule };
  }

  /** An IP set of one address version and the rule that applies `action` to it; none for an empty list. */
  private ipSetRule(name: string, version: 'IPV4' | 'IPV6', addresses: string[], priority: number, action: CfnWebACL.RuleActionProperty): PricedRule[] {
    if (addresses.length === 0) return [];
    const ipSet = new CfnIPSet(this, name, {
      scope: 'REGIONAL',
      ipAddressVersion: version,
      addresses,
      description: `${action.allow ? 'Allowed' : 'Blocked'} ${version === 'IPV4' ? 'IPv4' : 'IPv6'} clients of the web ACL`,
    });
    return [
      {
        capacity: STATEMENT_CAPACITY.ipSetReference,
        rule: { name, priority, action, statement: { ipSetReferenceStatement: { arn: ipSet.attrArn } }, visibilityConfig: visibility(name) },
      },
    ];
  }

  private checkCapacity(rules: PricedRule[]): void {
    if (this.capacity <= WAF_LIMITS.includedCapacity) return;
    const breakdown = rules.map((r) => `${r.rule.name} ${r.capacity}`).join(', ');
    if (this.capacity > WAF_LIMITS.maxCapacity) {
      throw new ApiPatternsError(
        'WafCapacityExceeded',
        `the rules need ${this.capacity} WCU, above the ${WAF_LIMITS.maxCapacity} AWS WAF allows in one web ACL (${breakdown}): ` +
          `remove largeBodyPaths entries (8 WCU each) or optional rule groups (anonymousIpList, botControl). Got: ${this.capacity}`,
        this,
      );
    }
    Annotations.of(this).addWarningV2(
      'cdk-api-gateway-patterns:webAclCapacityAboveIncluded',
      `The web ACL uses ${this.capacity} WCU, above the ${WAF_LIMITS.includedCapacity} included in its base price: ` +
        `AWS WAF bills the rest per 500 WCU (${breakdown}).`,
    );
  }
}

function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

function managedRule(
  group: ManagedRuleGroupName,
  priority: number,
  options: Pick<CfnWebACL.ManagedRuleGroupStatementProperty, 'ruleActionOverrides' | 'managedRuleGroupConfigs'> = {},
): PricedRule {
  return {
    capacity: MANAGED_RULE_GROUP_CAPACITY[group],
    rule: {
      name: group,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group, ...options } },
      visibilityConfig: visibility(group),
    },
  };
}

function rateLimitRule(limit: number, window: Duration): PricedRule {
  return {
    capacity: STATEMENT_CAPACITY.rateBased,
    rule: {
      name: RATE_LIMIT_RULE,
      priority: PRIORITY.rateLimit,
      action: { block: {} },
      statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: window.toSeconds() } },
      visibilityConfig: visibility(RATE_LIMIT_RULE),
    },
  };
}

/** The forms a client sends a path prefix in: on the custom domain, and on the execute-api URL under the stage name. */
function pathForms(path: string, stageName: string, basePath?: string): string[] {
  return [basePath ? `/${basePath}${path}` : path, `/${stageName}${path}`];
}

/**
 * Blocks requests the core rule set labelled as having a body over 8 KB, unless the path is one of
 * the prefixes (exactly, or followed by `/`).
 */
function bodySizeLimitRule(paths: string[], stageName: string, basePath?: string): PricedRule {
  const exempt = paths
    .flatMap((path) => pathForms(path, stageName, basePath))
    .flatMap((form) => [uriPathMatch(form, 'EXACTLY'), uriPathMatch(`${form}/`, 'STARTS_WITH')]);
  return {
    capacity: STATEMENT_CAPACITY.labelMatch + exempt.length * STATEMENT_CAPACITY.byteMatch,
    rule: {
      name: BODY_SIZE_LIMIT_RULE,
      priority: PRIORITY.bodySizeLimit,
      action: { block: {} },
      statement: {
        andStatement: {
          statements: [
            { labelMatchStatement: { scope: 'LABEL', key: CRS_BODY_SIZE_LABEL } },
            { notStatement: { statement: { orStatement: { statements: exempt } } } },
          ],
        },
      },
      visibilityConfig: visibility(BODY_SIZE_LIMIT_RULE),
    },
  };
}

function uriPathMatch(searchString: string, positionalConstraint: 'EXACTLY' | 'STARTS_WITH'): CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint,
      searchString,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function validateWebAclName(scope: Construct, name: string): void {
  if (isUnresolved(name)) return;
  if (!WAF_LIMITS.namePattern.test(name) || (WAF_LIMITS.reservedMetricNames as readonly string[]).includes(name.toLowerCase())) {
    throw new ApiPatternsError(
      'WafNameInvalid',
      `name must be 1 to 128 characters of letters, digits, '-' and '_', and not 'All' or 'Default_Action' (metric names AWS WAF reserves). Got: ${describeValue(name)}`,
      scope,
    );
  }
}

function validateRateLimitWindow(scope: Construct, window: Duration): void {
  if (window.isUnresolved()) return;
  const seconds = window.toSeconds({ integral: false });
  if (!(WAF_LIMITS.rateWindowsSeconds as readonly number[]).includes(seconds)) {
    throw new ApiPatternsError('WafRateWindowInvalid', `rateLimitWindow must be 60, 120, 300 or 600 seconds. Got: ${seconds} s`, scope);
  }
}

/** Checks each CIDR block and sorts them by address version, without duplicates. */
function cidrsByVersion(scope: Construct, prop: string, cidrs: string[]): CidrsByVersion {
  const ipv4 = new Set<string>();
  const ipv6 = new Set<string>();
  for (const cidr of cidrs) {
    if (isUnresolved(cidr)) {
      throw new ApiPatternsError(
        'WafIpSetInvalid',
        `${prop} entries must be literal CIDR blocks: a token cannot be sorted into the IPv4 or the IPv6 IP set. Got: ${describeValue(cidr)}`,
        scope,
      );
    }
    if (IPV4_CIDR.test(cidr)) {
      ipv4.add(cidr);
      continue;
    }
    const [address, prefix, ...rest] = cidr.split('/');
    if (rest.length === 0 && prefix !== undefined && IPV6_PREFIX.test(prefix) && !address.includes('%') && isIPv6(address)) {
      ipv6.add(cidr);
      continue;
    }
    throw new ApiPatternsError(
      'WafIpSetInvalid',
      `${prop} entries must be IPv4 or IPv6 CIDR blocks with a prefix length from 1 (e.g. '203.0.113.0/24', '198.51.100.7/32', '2001:db8::/32'). Got: ${describeValue(cidr)}`,
      scope,
    );
  }
  for (const [version, set] of [['IPv4', ipv4], ['IPv6', ipv6]] as const) {
    if (set.size > WAF_LIMITS.ipSetMaxAddresses) {
      throw new ApiPatternsError(
        'WafIpSetInvalid',
        `${prop} holds ${set.size} ${version} CIDR blocks; an AWS WAF IP set holds at most ${WAF_LIMITS.ipSetMaxAddresses}. Got: ${set.size}`,
        scope,
      );
    }
  }
  return { ipv4: [...ipv4], ipv6: [...ipv6] };
}

function rejectCidrsInBothLists(scope: Construct, allowed: CidrsByVersion, blocked: CidrsByVersion): void {
  const blockedSet = new Set([...blocked.ipv4, ...blocked.ipv6]);
  const both = [...allowed.ipv4, ...allowed.ipv6].filter((cidr) => blockedSet.has(cidr));
  if (both.length > 0) {
    throw new ApiPatternsError(
      'WafIpSetInvalid',
      `allowedIps and blockedIps both list the same CIDR blocks; the allow list is evaluated first, so the block would never apply. Got: ${describeValue(both)}`,
      scope,
    );
  }
}

/** Checks the path prefixes (and that their longest form fits a search string); returns them without duplicates. */
function validateLargeBodyPaths(scope: Construct, paths: string[], stageName: string): string[] {
  const stagePrefixBytes = isUnresolved(stageName) ? 0 : Buffer.byteLength(`/${stageName}`);
  const maxBytes = WAF_LIMITS.searchStringMaxBytes - stagePrefixBytes - 1;
  for (const path of paths) {
    if (isUnresolved(path) || (PATH_PREFIX.test(path) && Buffer.byteLength(path) <= maxBytes)) continue;
    throw new ApiPatternsError(
      'WafLargeBodyPathInvalid',
      `largeBodyPaths entries must be literal URI path prefixes such as '/v1/uploads': '/'-separated segments of URI path ` +
        `characters, no trailing '/', no '{parameter}', at most ${maxBytes} bytes (the stage name is added in front). Got: ${describeValue(path)}`,
      scope,
    );
  }
  return [...new Set(paths)];
}
