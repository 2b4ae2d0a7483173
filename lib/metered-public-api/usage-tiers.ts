import { Lazy, Stack } from 'aws-cdk-lib';
import type { SecretValue } from 'aws-cdk-lib';
import { CfnApiKey, CfnUsagePlan, CfnUsagePlanKey, Period } from 'aws-cdk-lib/aws-apigateway';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import type { RouteThrottleOptions } from '../core/routing/route-options';
import { validateRouteThrottle } from '../core/routing/route-table';
import { pascalCase } from '../core/api-base/construct-ids';
import { parseRouteKey } from '../core/routing/route-key';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { isUnresolved, validateIntegerRange } from '../core/validation/validation';

/** A usage plan's request quota. */
export interface UsageQuota {
  /** Requests allowed per period: a whole number, 0 or more. */
  readonly limit: number;
  /** The period the limit applies to. */
  readonly period: Period;
  /**
   * Days (WEEK: 0-6) or days of the month (MONTH: 0-27) the period is shifted by; DAY allows 0 only.
   * @default 0
   */
  readonly offset?: number;
}

/** A tier of customers: one usage plan on the API's stage, with its rate, burst and quota. */
export interface UsageTier {
  /** The tier's name, e.g. `free` or `pro`: letters, digits, `-` and `_`, 1 to 64 characters, unique in the API. */
  readonly name: string;
  /** Steady-state requests per second per customer key: a whole number, 0 or more. */
  readonly rateLimit: number;
  /** Largest burst of requests per customer key: a whole number, 0 or more. */
  readonly burstLimit: number;
  /**
   * How many requests a customer key may make per day, week or month.
   * @default - no quota
   */
  readonly quota?: UsageQuota;
  /**
   * Lower limits for some routes, by route key (`'GET /items/{id}'`); at most 20 (API Gateway's
   * method-level throttles per stage in a plan). Each route must exist when the app synthesizes.
   * @default - the tier's limits on every route
   */
  readonly routeThrottles?: Record<string, RouteThrottleOptions>;
  /**
   * Description of the usage plan.
   * @default - '<apiName> tier <name>'
   */
  readonly description?: string;
}

/** One API key of a customer. Several versions are how a key is rotated without downtime. */
export interface CustomerKey {
  /** The key's version, a whole number from 1: the key is named `<apiName>-<customer>-v<version>`. */
  readonly version: number;
  /**
   * The tier this key belongs to; a customer moves to another tier by a new key version in it.
   * @default - the customer's tier
   */
  readonly tier?: string;
  /**
   * The key's value, from Secrets Manager only (`SecretValue.secretsManager(...)`): it becomes a
   * dynamic reference, never plaintext in the template. 20 to 128 characters.
   * @default - a value API Gateway generates (read it with `aws apigateway get-api-key --include-value`)
   */
  readonly value?: SecretValue;
}

/** A customer of the API: its keys, each in a tier's usage plan. */
export interface ApiCustomerProps {
  /** The customer's name (tenant id): letters, digits, `-` and `_`, 1 to 64 characters, not ending in `-v<n>`, unique in the API. */
  readonly name: string;
  /** The tier of the customer's keys (each key may name its own). */
  readonly tier: string;
  /**
   * The customer's keys.
   * @default - one key, version 1, in the customer's tier
   */
  readonly keys?: CustomerKey[];
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** API Gateway's limit on method-level throttles per stage in a usage plan. */
const MAX_ROUTE_THROTTLES = 20;
/** The offsets each quota period allows. */
const OFFSET_MAX: Record<string, number> = { [Period.DAY]: 0, [Period.WEEK]: 6, [Period.MONTH]: 27 };

/** Props of {@link UsageTiers}. */
export interface UsageTiersProps {
  /** The API name: plan names and key names start with it. */
  readonly apiName: string;
  /** The REST API's id. */
  readonly restApiId: string;
  /** The stage the plans apply to. */
  readonly stage: Stage;
  /** The tiers. */
  readonly tiers: UsageTier[];
  /** The route keys of the API, when it synthesizes (to check `routeThrottles`). */
  readonly routeKeys: () => string[];
}

/**
 * The usage plans of a metered API, one per tier, and its customers' API keys, each associated with
 * its tier's plan. Construct ids come from the tier and customer names, so adding, removing or
 * reordering customers never replaces another customer's key.
 */
export class UsageTiers extends Construct {
  /** The usage plan of each tier, by tier name. */
  public readonly plans: Record<string, CfnUsagePlan> = {};
  /** Every API key, by `<customer>-v<version>`. */
  public readonly keys: Record<string, CfnApiKey> = {};

  private readonly customers = new Set<string>();
  /** Construct-id words in use, to refuse names that differ only in case or punctuation. */
  private readonly idWords = new Map<string, string>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: UsageTiersProps,
  ) {
    super(scope, id);
    if (!props.tiers?.length) throw new ApiPatternsError('UsageTiersMissing', 'tiers must list at least one tier. Got: []', scope);
    props.tiers.forEach((tier, i) => this.addTier(scope, `tiers[${i}]`, tier));
  }

  /** Adds a customer: one API key per key version, in its tier's plan. */
  public addCustomer(scope: IConstruct, prop: string, customer: ApiCustomerProps): void {
    checkName(scope, `${prop}.name`, customer.name, 'CustomerNameInvalid');
    if (/-v\d+$/.test(customer.name)) {
      // Key names end in -v<n>: customer "acme-v2" and version 2 of "acme" would share a name.
      throw new ApiPatternsError('CustomerNameInvalid', `${prop}.name must not end in '-v' and a number, which key names use for versions. Got: ${describeValue(customer.name)}`, scope);
    }
    if (this.customers.has(customer.name)) {
      throw new ApiPatternsError('CustomerDuplicate', `${prop}.name repeats a customer of this API. Got: ${describeValue(customer.name)}`, scope);
    }
    this.claimIdWord(scope, `${prop}.name`, 'CustomerDuplicate', `customer:${pascalCase(customer.name).toLowerCase()}`, customer.name);
    this.planOf(scope, `${prop}.tier`, customer.tier);
    const keys = customer.keys ?? [{ version: 1 }];
    if (keys.length === 0) throw new ApiPatternsError('CustomerKeysInvalid', `${prop}.keys must list at least one key. Got: []`, scope);
    const versions = new Set<number>();
    keys.forEach((key, i) => {
      const keyProp = `${prop}.keys[${i}]`;
      validateIntegerRange(scope, 'CustomerKeysInvalid', `${keyProp}.version`, key.version, 1, 999);
      if (versions.has(key.version)) throw new ApiPatternsError('CustomerKeysInvalid', `${keyProp}.version repeats a version of this customer. Got: ${key.version}`, scope);
      versions.add(key.version);
      const plan = this.planOf(scope, `${keyProp}.tier`, key.tier ?? customer.tier);
      const value = key.value ? keyValue(scope, `${keyProp}.value`, key.value) : undefined;
      const id = `${pascalCase(customer.name)}KeyV${key.version}`;
      const apiKey = new CfnApiKey(this, id, {
        name: `${this.props.apiName}-${customer.name}-v${key.version}`,
        description: `${this.props.apiName}: key ${key.version} of ${customer.name}`,
        enabled: true,
        value,
      });
      // The association's id names the tier: moving a key to another plan is a new association.
      new CfnUsagePlanKey(this, `${id}${pascalCase(key.tier ?? customer.tier)}`, { keyId: apiKey.ref, keyType: 'API_KEY', usagePlanId: plan.ref });
      this.keys[`${customer.name}-v${key.version}`] = apiKey;
    });
    this.customers.add(customer.name);
  }

  private addTier(scope: IConstruct, prop: string, tier: UsageTier): void {
    checkName(scope, `${prop}.name`, tier.name, 'UsageTierNameInvalid');
    if (this.plans[tier.name]) throw new ApiPatternsError('UsageTierDuplicate', `${prop}.name repeats a tier of this API. Got: ${describeValue(tier.name)}`, scope);
    this.claimIdWord(scope, `${prop}.name`, 'UsageTierDuplicate', `tier:${pascalCase(tier.name).toLowerCase()}`, tier.name);
    if (tier.rateLimit === undefined || tier.burstLimit === undefined) {
      throw new ApiPatternsError('UsageTierRateMissing', `${prop} needs rateLimit and burstLimit. Got: ${describeValue({ rateLimit: tier.rateLimit, burstLimit: tier.burstLimit })}`, scope);
    }
    validateIntegerRange(scope, 'UsageTierLimitInvalid', `${prop}.rateLimit`, tier.rateLimit, 0, Number.MAX_SAFE_INTEGER);
    validateIntegerRange(scope, 'UsageTierLimitInvalid', `${prop}.burstLimit`, tier.burstLimit, 0, Number.MAX_SAFE_INTEGER);
    if (tier.quota) {
      validateIntegerRange(scope, 'UsageTierLimitInvalid', `${prop}.quota.limit`, tier.quota.limit, 0, Number.MAX_SAFE_INTEGER);
      validateIntegerRange(scope, 'UsageQuotaOffsetInvalid', `${prop}.quota.offset (period ${tier.quota.period})`, tier.quota.offset ?? 0, 0, OFFSET_MAX[tier.quota.period] ?? 0);
    }
    const throttles = Object.entries(tier.routeThrottles ?? {});
    if (throttles.length > MAX_ROUTE_THROTTLES) {
      throw new ApiPatternsError(
        'UsageTierRouteThrottlesTooMany',
        `${prop}.routeThrottles lists ${throttles.length} routes, but API Gateway allows ${MAX_ROUTE_THROTTLES} method throttles per stage in a usage plan. Got: ${throttles.length}`,
        scope,
      );
    }
    const methodThrottles: Record<string, { rateLimit: number; burstLimit: number }> = {};
    const throttledKeys: string[] = [];
    for (const [routeKey, throttle] of throttles) {
      const at = `${prop}.routeThrottles[${JSON.stringify(routeKey)}]`;
      const route = parseRouteKey(scope, at, routeKey);
      throttledKeys.push(route.key);
      validateRouteThrottle(scope, at, throttle);
      // `{resourcePath}/{httpMethod}`, the method as API Gateway names it (ANY for an any-method route).
      methodThrottles[`${route.path}/${route.method}`] = { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit };
    }
    const plan = new CfnUsagePlan(this, `${pascalCase(tier.name)}Plan`, {
      usagePlanName: `${this.props.apiName}-${tier.name}`,
      description: tier.description ?? `${this.props.apiName} tier ${tier.name}`,
      throttle: { rateLimit: tier.rateLimit, burstLimit: tier.burstLimit },
      quota: tier.quota ? { limit: tier.quota.limit, period: tier.quota.period, offset: tier.quota.offset ?? 0 } : undefined,
      apiStages: [
        {
          apiId: this.props.restApiId,
          stage: this.props.stage.stageName,
          throttle: throttles.length > 0 ? Lazy.any({ produce: () => methodThrottles }) : undefined,
        },
      ],
    });
    // A plan naming a stage that does not exist yet fails with "Invalid API stage".
    plan.node.addDependency(this.props.stage);
    this.plans[tier.name] = plan;
    if (throttles.length > 0) {
      plan.node.addValidation({
        validate: () => {
          const keys = new Set(this.props.routeKeys());
          return throttledKeys
            .filter((key) => !keys.has(key))
            .map((key) => `UsageTierRouteUnknown: ${prop}.routeThrottles names ${describeValue(key)}, which is not a route of this API. Got: ${describeValue([...keys])}`);
        },
      });
    }
  }

  /**
   * Construct ids (and so logical ids) come from names; two names that differ only in case or
   * punctuation (`acme-corp`, `Acme_Corp`) would get the same one.
   */
  private claimIdWord(scope: IConstruct, prop: string, errorId: string, word: string, name: string): void {
    const other = this.idWords.get(word);
    if (other !== undefined) {
      throw new ApiPatternsError(errorId, `${prop} differs from ${describeValue(other)} only in case or punctuation, which their resources cannot tell apart. Got: ${describeValue(name)}`, scope);
    }
    this.idWords.set(word, name);
  }

  private planOf(scope: IConstruct, prop: string, tier: string): CfnUsagePlan {
    const plan = this.plans[tier];
    if (!plan) {
      throw new ApiPatternsError('UsageTierUnknown', `${prop} names a tier this API does not have (tiers: ${Object.keys(this.plans).join(', ')}). Got: ${describeValue(tier)}`, scope);
    }
    return plan;
  }
}

/** A name of a tier or customer: letters, digits, `-` and `_`, 1 to 64 characters. */
function checkName(scope: IConstruct, prop: string, name: string, errorId: string): void {
  if (isUnresolved(name)) return;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ApiPatternsError(errorId, `${prop} must be 1 to 64 letters, digits, '-' or '_'. Got: ${describeValue(name)}`, scope);
  }
}

/**
 * A supplied key value: only a Secrets Manager dynamic reference (a value written in the app would
 * be plaintext in the template, and so would an SSM or other reference API Gateway does not resolve).
 */
function keyValue(scope: IConstruct, prop: string, value: SecretValue): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  const text = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  if (!text.includes('{{resolve:secretsmanager:')) {
    const length = typeof resolved === 'string' ? resolved.length : undefined;
    const size = length !== undefined && (length < 20 || length > 128) ? `, and ${length} characters long (20 to 128 allowed)` : '';
    throw new ApiPatternsError(
      'CustomerKeyValuePlaintext',
      `${prop} must be a Secrets Manager reference (SecretValue.secretsManager(...)): the value given would be written into the template as it is${size}. Got: a value that is not a Secrets Manager reference`,
      scope,
    );
  }
  return value.unsafeUnwrap();
}
