import { SecretValue } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { CfnUsagePlanKey, MockIntegration, Period, RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { CfnRestApi, CfnStage } from 'aws-cdk-lib/aws-apigateway';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { MeteredPublicApi, StageProfile } from '../../lib';
import type { ApiCustomerProps, UsageTier } from '../../lib';
import { UsageTiers } from '../../lib/metered-public-api/usage-tiers';
import { expectApiError } from '../support/core-stacks';
import { catalogApi, mockRoute, onlyResource, resourcesOf } from '../support/metered-public-api-fixtures';
import { newStack, templateOf } from '../support/stacks';

/** A pattern that matches `text` literally. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

const FREE: UsageTier = { name: 'free', rateLimit: 5, burstLimit: 10 };
const PRO: UsageTier = { name: 'pro', rateLimit: 100, burstLimit: 200 };

/** GIVEN the catalog API (route `GET /products`) WHEN it has these tiers. */
const withTiers = (tiers: UsageTier[]) => catalogApi({ tiers });

/** GIVEN the catalog API with the tiers free and pro WHEN it has these customers. */
const withCustomers = (customers: ApiCustomerProps[]) => catalogApi({ tiers: [FREE, PRO], customers });

/** The usage plan named `name`, with its logical id. */
const planNamed = (template: Template, name: string) => onlyResource(template, 'AWS::ApiGateway::UsagePlan', (p) => p.UsagePlanName === name);

/** The API key named `name`, with its logical id. */
const keyNamed = (template: Template, name: string) => onlyResource(template, 'AWS::ApiGateway::ApiKey', (p) => p.Name === name);

/** The logical ids of the usage plans each key (by logical id) is associated with. */
function associations(template: Template): Record<string, string[]> {
  const byKey: Record<string, string[]> = {};
  for (const r of Object.values(resourcesOf(template, 'AWS::ApiGateway::UsagePlanKey'))) {
    (byKey[r.Properties.KeyId.Ref] ??= []).push(r.Properties.UsagePlanId.Ref);
  }
  return byKey;
}

/** Logical ids of the resources of one type, by a name property (keys by Name, associations by the key's Name). */
function keyAndAssociationIds(template: Template): Record<string, { readonly key: string; readonly associations: string[] }> {
  const keys = resourcesOf(template, 'AWS::ApiGateway::ApiKey');
  const links = Object.entries(resourcesOf(template, 'AWS::ApiGateway::UsagePlanKey'));
  return Object.fromEntries(
    Object.entries(keys).map(([id, key]) => [key.Properties.Name, { key: id, associations: links.filter(([, l]) => l.Properties.KeyId.Ref === id).map(([linkId]) => linkId) }]),
  );
}

/** `n` route throttles on `n` different routes, and those routes. */
function manyRoutes(n: number) {
  const keys = Array.from({ length: n }, (_, i) => `GET /r${i}`);
  return {
    routes: Object.fromEntries(keys.map((k) => [k, mockRoute()])),
    throttles: Object.fromEntries(keys.map((k) => [k, { rateLimit: 1, burstLimit: 1 }])),
  };
}

describe('usage tiers: one usage plan per tier', () => {
  test('each tier becomes one usage plan named <apiName>-<tier>', () => {
    const { template } = withTiers([FREE, PRO]);

    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
    planNamed(template, 'catalog-free');
    planNamed(template, 'catalog-pro');
  });

  test("a plan throttles each key at the tier's rate and burst", () => {
    const { template } = withTiers([FREE, PRO]);

    expect(planNamed(template, 'catalog-free').resource.Properties.Throttle).toEqual({ RateLimit: 5, BurstLimit: 10 });
    expect(planNamed(template, 'catalog-pro').resource.Properties.Throttle).toEqual({ RateLimit: 100, BurstLimit: 200 });
  });

  test('a rate and burst of 0 are allowed (a tier that admits nothing)', () => {
    const { template } = withTiers([{ name: 'suspended', rateLimit: 0, burstLimit: 0 }]);

    expect(planNamed(template, 'catalog-suspended').resource.Properties.Throttle).toEqual({ RateLimit: 0, BurstLimit: 0 });
  });

  test("the plan's description defaults to '<apiName> tier <name>' and can be set", () => {
    const { template } = withTiers([FREE, { ...PRO, description: 'Paying customers' }]);

    expect(planNamed(template, 'catalog-free').resource.Properties.Description).toBe('catalog tier free');
    expect(planNamed(template, 'catalog-pro').resource.Properties.Description).toBe('Paying customers');
  });

  test('a quota sets limit and period, with offset 0 by default', () => {
    const { template } = withTiers([{ ...FREE, quota: { limit: 1000, period: Period.DAY } }]);

    expect(planNamed(template, 'catalog-free').resource.Properties.Quota).toEqual({ Limit: 1000, Period: 'DAY', Offset: 0 });
  });

  test('a quota offset is written as given', () => {
    const { template } = withTiers([{ ...FREE, quota: { limit: 50_000, period: Period.WEEK, offset: 3 } }]);

    expect(planNamed(template, 'catalog-free').resource.Properties.Quota).toEqual({ Limit: 50_000, Period: 'WEEK', Offset: 3 });
  });

  test('without a quota the plan has none', () => {
    const { template } = withTiers([FREE]);

    expect(planNamed(template, 'catalog-free').resource.Properties.Quota).toBeUndefined();
  });

  test("each plan applies to the API's stage (API id and stage reference) and depends on the stage", () => {
    const { template, stack, api } = withTiers([FREE, PRO]);
    const apiId = stack.getLogicalId(api.restApi.node.defaultChild as CfnRestApi);
    const stageId = stack.getLogicalId(api.restStage.node.defaultChild as CfnStage);

    for (const name of ['catalog-free', 'catalog-pro']) {
      const { resource } = planNamed(template, name);
      expect(resource.Properties.ApiStages).toEqual([{ ApiId: { Ref: apiId }, Stage: { Ref: stageId } }]);
      expect(resource.DependsOn).toContain(stageId);
    }
  });

  test('per-route throttles become method throttles keyed /<path>/<METHOD> on the stage of the plan', () => {
    const { template } = catalogApi({
      tiers: [{ ...FREE, routeThrottles: { 'GET /products/{id}': { rateLimit: 1, burstLimit: 2 }, 'POST /quotes': { rateLimit: 3, burstLimit: 4 } } }],
      routes: { 'GET /products/{id}': mockRoute(), 'POST /quotes': mockRoute() },
    });

    expect(planNamed(template, 'catalog-free').resource.Properties.ApiStages[0].Throttle).toEqual({
      '/products/{id}/GET': { RateLimit: 1, BurstLimit: 2 },
      '/quotes/POST': { RateLimit: 3, BurstLimit: 4 },
    });
  });

  test('a route throttle on an ANY route is keyed with the ANY method, as API Gateway names it', () => {
    const { template } = catalogApi({
      tiers: [{ ...FREE, routeThrottles: { 'ANY /files/{proxy+}': { rateLimit: 1, burstLimit: 1 } } }],
      routes: { 'ANY /files/{proxy+}': mockRoute() },
    });

    expect(planNamed(template, 'catalog-free').resource.Properties.ApiStages[0].Throttle).toEqual({ '/files/{proxy+}/ANY': { RateLimit: 1, BurstLimit: 1 } });
  });

  test('route throttles belong to their tier only', () => {
    const { template } = catalogApi({ tiers: [FREE, { ...PRO, routeThrottles: { 'GET /products': { rateLimit: 2, burstLimit: 2 } } }] });

    expect(planNamed(template, 'catalog-free').resource.Properties.ApiStages[0].Throttle).toBeUndefined();
    expect(planNamed(template, 'catalog-pro').resource.Properties.ApiStages[0].Throttle).toEqual({ '/products/GET': { RateLimit: 2, BurstLimit: 2 } });
  });

  test('route throttles are checked when the app synthesizes, so a route added later with addRoute() may have one', () => {
    const { api, stack } = catalogApi({ tiers: [{ ...FREE, routeThrottles: { 'DELETE /products/{id}': { rateLimit: 1, burstLimit: 1 } } }] });

    api.addRoute('DELETE /products/{id}', mockRoute());

    expect(planNamed(templateOf(stack), 'catalog-free').resource.Properties.ApiStages[0].Throttle).toEqual({ '/products/{id}/DELETE': { RateLimit: 1, BurstLimit: 1 } });
  });

  test('20 route throttles (API Gateway\'s limit per stage in a plan) are allowed', () => {
    const { routes, throttles } = manyRoutes(20);
    const { template } = catalogApi({ tiers: [{ ...FREE, routeThrottles: throttles }], routes });

    expect(Object.keys(planNamed(template, 'catalog-free').resource.Properties.ApiStages[0].Throttle)).toHaveLength(20);
  });

  test('plans are exposed by tier name', () => {
    const { api, stack, template } = withTiers([FREE, PRO]);

    expect(Object.keys(api.plans).sort()).toEqual(['free', 'pro']);
    expect(stack.getLogicalId(api.plans.free)).toBe(planNamed(template, 'catalog-free').id);
    expect(stack.getLogicalId(api.plans.pro)).toBe(planNamed(template, 'catalog-pro').id);
  });

  describe('errors', () => {
    test('no tier: UsageTiersMissing', () => {
      expectApiError(() => withTiers([]), 'UsageTiersMissing', /tiers must list at least one tier/, /Got: \[\]/);
    });

    test.each([
      ['a space', 'free tier'],
      ['empty', ''],
      ['65 characters', 'x'.repeat(65)],
      ['a dot', 'free.v1'],
    ])('a tier name with %s: UsageTierNameInvalid', (_why, name) => {
      expectApiError(() => withTiers([FREE, { ...PRO, name }]), 'UsageTierNameInvalid', /tiers\[1\]\.name must be 1 to 64 letters, digits, '-' or '_'/, literal(`Got: ${JSON.stringify(name)}`));
    });

    test('a tier name of 64 letters, digits, - and _ is valid', () => {
      const name = `Tier_1-${'x'.repeat(57)}`;
      const { template } = withTiers([{ ...FREE, name }]);

      planNamed(template, `catalog-${name}`);
    });

    test('two tiers with one name: UsageTierDuplicate', () => {
      expectApiError(() => withTiers([FREE, { ...PRO, name: 'free' }]), 'UsageTierDuplicate', /tiers\[1\]\.name repeats a tier of this API/, /Got: "free"/);
    });

    test('a tier without rateLimit (from JavaScript): UsageTierRateMissing', () => {
      const tier = { name: 'free', burstLimit: 10 } as unknown as UsageTier;

      expectApiError(() => withTiers([tier]), 'UsageTierRateMissing', /tiers\[0\] needs rateLimit and burstLimit/, /Got: \{"burstLimit":10\}/);
    });

    test('a tier without burstLimit (from JavaScript): UsageTierRateMissing', () => {
      const tier = { name: 'free', rateLimit: 5 } as unknown as UsageTier;

      expectApiError(() => withTiers([tier]), 'UsageTierRateMissing', /tiers\[0\] needs rateLimit and burstLimit/, /Got: \{"rateLimit":5\}/);
    });

    test.each([
      ['rateLimit', { ...FREE, rateLimit: -1 }, /tiers\[0\]\.rateLimit must be a whole number from 0/, /Got: -1$/],
      ['rateLimit', { ...FREE, rateLimit: 2.5 }, /tiers\[0\]\.rateLimit must be a whole number from 0/, /Got: 2\.5$/],
      ['burstLimit', { ...FREE, burstLimit: -3 }, /tiers\[0\]\.burstLimit must be a whole number from 0/, /Got: -3$/],
      ['burstLimit', { ...FREE, burstLimit: 10.5 }, /tiers\[0\]\.burstLimit must be a whole number from 0/, /Got: 10\.5$/],
      ['quota.limit', { ...FREE, quota: { limit: -1, period: Period.DAY } }, /tiers\[0\]\.quota\.limit must be a whole number from 0/, /Got: -1$/],
      ['quota.limit', { ...FREE, quota: { limit: 99.5, period: Period.DAY } }, /tiers\[0\]\.quota\.limit must be a whole number from 0/, /Got: 99\.5$/],
    ])('a negative or fractional %s: UsageTierLimitInvalid', (_prop, tier, propPattern, gotPattern) => {
      const error = expectApiError(() => withTiers([tier as UsageTier]), 'UsageTierLimitInvalid', propPattern);
      expect(error.message.replace(/ \[at .*\]$/, '')).toMatch(gotPattern);
    });

    test.each([
      [Period.DAY, 1, 0],
      [Period.WEEK, 7, 6],
      [Period.MONTH, 28, 27],
      [Period.MONTH, -1, 27],
    ])('a %s quota with offset %d (allowed: 0 to %d): UsageQuotaOffsetInvalid', (period, offset, max) => {
      expectApiError(
        () => withTiers([{ ...FREE, quota: { limit: 10, period, offset } }]),
        'UsageQuotaOffsetInvalid',
        new RegExp(`tiers\\[0\\]\\.quota\\.offset \\(period ${period}\\) must be a whole number from 0 to ${max}\\.`),
        new RegExp(`Got: ${offset}\\b`),
      );
    });

    test.each([
      [Period.WEEK, 6],
      [Period.MONTH, 27],
    ])('a %s quota with the largest offset (%d) is valid', (period, offset) => {
      const { template } = withTiers([{ ...FREE, quota: { limit: 10, period, offset } }]);

      expect(planNamed(template, 'catalog-free').resource.Properties.Quota).toEqual({ Limit: 10, Period: period, Offset: offset });
    });

    test('21 route throttles: UsageTierRouteThrottlesTooMany', () => {
      const { routes, throttles } = manyRoutes(21);

      expectApiError(() => catalogApi({ tiers: [{ ...FREE, routeThrottles: throttles }], routes }), 'UsageTierRouteThrottlesTooMany', /tiers\[0\]\.routeThrottles lists 21 routes, but API Gateway allows 20/, /Got: 21/);
    });

    test('a route throttle on a route the API does not have fails at synth with UsageTierRouteUnknown', () => {
      // GIVEN a tier throttling a route the API does not have (a construct-time check would pass)
      const { stack } = catalogApi({ tiers: [{ ...FREE, routeThrottles: { 'GET /orders': { rateLimit: 1, burstLimit: 1 } } }] });

      // THEN the synth fails, naming the prop, the route and the routes there are
      expect(() => templateOf(stack)).toThrow(/UsageTierRouteUnknown: tiers\[0\]\.routeThrottles names "GET \/orders", which is not a route of this API\. Got: \["GET \/products"\]/);
    });

    test('a route throttle must name the route as written (same parameter names): UsageTierRouteUnknown otherwise', () => {
      const { stack } = catalogApi({
        tiers: [{ ...FREE, routeThrottles: { 'GET /products/{productId}': { rateLimit: 1, burstLimit: 1 } } }],
        routes: { 'GET /products/{id}': mockRoute() },
      });

      expect(() => templateOf(stack)).toThrow(/UsageTierRouteUnknown: .*names "GET \/products\/\{productId\}"/);
    });

    test.each([
      ['rateLimit', { rateLimit: 1.5, burstLimit: 2 }, /Got: 1\.5/],
      ['burstLimit', { rateLimit: 1, burstLimit: 2.5 }, /Got: 2\.5/],
      ['rateLimit', { rateLimit: -1, burstLimit: 2 }, /Got: -1/],
    ])('a fractional or negative route throttle %s: RouteThrottleInvalid', (prop, throttle, got) => {
      expectApiError(
        () => catalogApi({ tiers: [{ ...FREE, routeThrottles: { 'GET /products': throttle } }] }),
        'RouteThrottleInvalid',
        new RegExp(`tiers\\[0\\]\\.routeThrottles\\["GET /products"\\]\\.${prop} must be a whole number`),
        got,
      );
    });

    test('a malformed route throttle key: RouteKeyInvalid', () => {
      expectApiError(() => catalogApi({ tiers: [{ ...FREE, routeThrottles: { '/products': { rateLimit: 1, burstLimit: 1 } } }] }), 'RouteKeyInvalid', /tiers\[0\]\.routeThrottles\["\/products"\]/, /Got: "\/products"/);
    });

    // BUG (lib/metered-public-api/usage-tiers.ts:196, `${pascal(tier.name)}Plan`): two valid, distinct
    // tier names that differ only in '-', '_' or the case of a first letter get the same construct id,
    // and synthesis fails with the constructs library's "There is already a Construct with name
    // 'FreeTierPlan'" instead of either working or failing with an ApiPatternsError that names the prop.
    test('two tiers whose names differ only in separators (free-tier, free_tier) either both get a plan or fail with an ApiPatternsError', () => {
      let template: Template | undefined;
      try {
        template = withTiers([{ ...FREE, name: 'free-tier' }, { ...PRO, name: 'free_tier' }]).template;
      } catch (e) {
        expect((e as Error).name).toBe('ApiPatternsError');
        return;
      }
      template.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
    });
  });
});

describe('usage tiers: customers and their keys', () => {
  test('a customer gets one enabled key named <apiName>-<customer>-v1, with no Value (API Gateway generates it)', () => {
    const { template } = withCustomers([{ name: 'acme', tier: 'free' }]);

    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    const { resource } = keyNamed(template, 'catalog-acme-v1');
    expect(resource.Properties).toEqual({ Name: 'catalog-acme-v1', Description: 'catalog: key 1 of acme', Enabled: true });
    expect(resource.Properties.Value).toBeUndefined();
  });

  test("the key is associated with its tier's usage plan (and no other)", () => {
    const { template } = withCustomers([{ name: 'acme', tier: 'pro' }]);

    const key = keyNamed(template, 'catalog-acme-v1');
    const association = onlyResource(template, 'AWS::ApiGateway::UsagePlanKey');
    expect(association.resource.Properties).toEqual({ KeyId: { Ref: key.id }, KeyType: 'API_KEY', UsagePlanId: { Ref: planNamed(template, 'catalog-pro').id } });
  });

  test('customers in different tiers go to different plans', () => {
    const { template } = withCustomers([
      { name: 'acme', tier: 'free' },
      { name: 'globex', tier: 'pro' },
    ]);

    expect(associations(template)).toEqual({
      [keyNamed(template, 'catalog-acme-v1').id]: [planNamed(template, 'catalog-free').id],
      [keyNamed(template, 'catalog-globex-v1').id]: [planNamed(template, 'catalog-pro').id],
    });
  });

  test('keys are exposed by <customer>-v<version>', () => {
    const { api, stack, template } = withCustomers([
      { name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2 }] },
      { name: 'globex', tier: 'pro' },
    ]);

    expect(Object.keys(api.keys).sort()).toEqual(['acme-v1', 'acme-v2', 'globex-v1']);
    expect(stack.getLogicalId(api.keys['acme-v2'])).toBe(keyNamed(template, 'catalog-acme-v2').id);
    expect(stack.getLogicalId(api.keys['globex-v1'])).toBe(keyNamed(template, 'catalog-globex-v1').id);
  });

  test('construct ids come from the names: Tiers/<Tier>Plan, Tiers/<Customer>KeyV<n> and Tiers/<Customer>KeyV<n><Tier>', () => {
    const { api } = withCustomers([{ name: 'payment-service', tier: 'free', keys: [{ version: 1 }, { version: 2, tier: 'pro' }] }]);

    expect(api.plans.free.node.path).toBe('TestStack/Api/Tiers/FreePlan');
    expect(api.keys['payment-service-v1'].node.path).toBe('TestStack/Api/Tiers/PaymentServiceKeyV1');
    expect(api.keys['payment-service-v2'].node.path).toBe('TestStack/Api/Tiers/PaymentServiceKeyV2');
    const associationPaths = api.node.findChild('Tiers').node.children.filter((c) => c instanceof CfnUsagePlanKey).map((c) => c.node.path);
    expect(associationPaths.sort()).toEqual(['TestStack/Api/Tiers/PaymentServiceKeyV1Free', 'TestStack/Api/Tiers/PaymentServiceKeyV2Pro']);
  });

  test("removing a customer leaves the other customer's key and association logical ids unchanged", () => {
    // GIVEN two variants of one app: with acme and globex, and with globex only
    const both = keyAndAssociationIds(withCustomers([{ name: 'acme', tier: 'free' }, { name: 'globex', tier: 'pro' }]).template);
    const globexOnly = keyAndAssociationIds(withCustomers([{ name: 'globex', tier: 'pro' }]).template);

    // THEN globex keeps its logical ids, so CloudFormation neither replaces its key nor re-associates it
    expect(Object.keys(globexOnly)).toEqual(['catalog-globex-v1']);
    expect(globexOnly['catalog-globex-v1'].associations).toHaveLength(1);
    expect(globexOnly['catalog-globex-v1']).toEqual(both['catalog-globex-v1']);
  });

  test('reordering customers leaves every logical id unchanged', () => {
    const first = keyAndAssociationIds(withCustomers([{ name: 'acme', tier: 'free' }, { name: 'globex', tier: 'pro' }]).template);
    const second = keyAndAssociationIds(withCustomers([{ name: 'globex', tier: 'pro' }, { name: 'acme', tier: 'free' }]).template);

    expect(second).toEqual(first);
  });

  test('rotation: keys v1 and v2 both exist, enabled, and both are associated with the plan (both valid)', () => {
    const { template } = withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2 }] }]);

    const v1 = keyNamed(template, 'catalog-acme-v1');
    const v2 = keyNamed(template, 'catalog-acme-v2');
    expect(v1.resource.Properties.Enabled).toBe(true);
    expect(v2.resource.Properties.Enabled).toBe(true);
    const free = planNamed(template, 'catalog-free').id;
    expect(associations(template)).toEqual({ [v1.id]: [free], [v2.id]: [free] });
  });

  test('adding key v2 leaves the logical ids of key v1 and its association unchanged', () => {
    const before = keyAndAssociationIds(withCustomers([{ name: 'acme', tier: 'free' }]).template);
    const after = keyAndAssociationIds(withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2 }] }]).template);

    expect(after['catalog-acme-v1']).toEqual(before['catalog-acme-v1']);
  });

  test("moving tier: a new key version in another tier is associated with that tier's plan, the old one with the old plan", () => {
    const { template } = withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2, tier: 'pro' }] }]);

    expect(associations(template)).toEqual({
      [keyNamed(template, 'catalog-acme-v1').id]: [planNamed(template, 'catalog-free').id],
      [keyNamed(template, 'catalog-acme-v2').id]: [planNamed(template, 'catalog-pro').id],
    });
  });

  test('a key value from Secrets Manager becomes a dynamic reference in the template, and nothing else', () => {
    const { template } = withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.secretsManager('catalog/acme-key') }] }]);

    expect(keyNamed(template, 'catalog-acme-v1').resource.Properties.Value).toBe('{{resolve:secretsmanager:catalog/acme-key:SecretString:::}}');
    // The secret's name appears nowhere else in the template.
    expect(JSON.stringify(template.toJSON()).split('catalog/acme-key')).toHaveLength(2);
  });

  test('a key value from a secret of the app (an ARN token) is a dynamic reference too', () => {
    const { stack } = newStack();
    const secret = new Secret(stack, 'AcmeKey');
    new MeteredPublicApi(stack, 'Api', {
      profile: StageProfile.dev(),
      apiName: 'catalog',
      tiers: [FREE],
      customers: [{ name: 'acme', tier: 'free', keys: [{ version: 1, value: secret.secretValue }] }],
      routes: { 'GET /products': mockRoute() },
    });

    const value = keyNamed(templateOf(stack), 'catalog-acme-v1').resource.Properties.Value;
    expect(JSON.stringify(value)).toContain('{{resolve:secretsmanager:');
    expect(JSON.stringify(value)).toContain(stack.getLogicalId(secret.node.defaultChild as CfnSecret));
  });

  test('a plaintext key value (30 characters): CustomerKeyValuePlaintext, without echoing the value', () => {
    const plain = 'abcdefghijklmnopqrstuvwxyz0123';

    const error = expectApiError(
      () => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.unsafePlainText(plain) }] }]),
      'CustomerKeyValuePlaintext',
      /customers\[0\]\.keys\[0\]\.value must be a Secrets Manager reference \(SecretValue\.secretsManager\(\.\.\.\)\)/,
      /Got: a value that is not a Secrets Manager reference/,
    );
    expect(error.message).not.toContain(plain);
    expect(error.message).not.toMatch(/characters long/);
  });

  test('a short plaintext key value (5 characters): CustomerKeyValuePlaintext, naming its length', () => {
    const error = expectApiError(
      () => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2, value: SecretValue.unsafePlainText('s3cr3') }] }]),
      'CustomerKeyValuePlaintext',
      /customers\[0\]\.keys\[1\]\.value must be a Secrets Manager reference/,
      /5 characters long \(20 to 128 allowed\)/,
    );
    expect(error.message).not.toContain('s3cr3');
  });

  test('a key value from SSM SecureString (a reference API Gateway does not resolve): CustomerKeyValuePlaintext', () => {
    expectApiError(
      () => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.ssmSecure('/catalog/acme-key') }] }]),
      'CustomerKeyValuePlaintext',
      /customers\[0\]\.keys\[0\]\.value must be a Secrets Manager reference/,
      /Got: a value that is not a Secrets Manager reference/,
    );
  });

  test('addCustomer() after construction adds the key and its association', () => {
    // GIVEN an API with one customer
    const { api, stack } = withCustomers([{ name: 'acme', tier: 'free' }]);

    // WHEN another customer is added
    api.addCustomer({ name: 'initech', tier: 'pro', keys: [{ version: 3 }] });

    // THEN
    const template = templateOf(stack);
    expect(associations(template)[keyNamed(template, 'catalog-initech-v3').id]).toEqual([planNamed(template, 'catalog-pro').id]);
    expect(Object.keys(api.keys).sort()).toEqual(['acme-v1', 'initech-v3']);
  });

  test('addCustomer() errors name the call', () => {
    const { api } = withCustomers([]);

    expectApiError(() => api.addCustomer({ name: 'initech', tier: 'gold' }), 'UsageTierUnknown', /addCustomer\("initech"\)\.tier names a tier this API does not have/, /Got: "gold"/);
  });

  describe('errors', () => {
    test.each([
      ['a space', 'acme corp'],
      ['empty', ''],
      ['65 characters', 'c'.repeat(65)],
      ['a slash', 'acme/eu'],
    ])('a customer name with %s: CustomerNameInvalid', (_why, name) => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'free' }, { name, tier: 'free' }]), 'CustomerNameInvalid', /customers\[1\]\.name must be 1 to 64 letters, digits, '-' or '_'/, literal(`Got: ${JSON.stringify(name)}`));
    });

    test('a customer name ending in -v<n> (how key names mark versions): CustomerNameInvalid', () => {
      expectApiError(() => withCustomers([{ name: 'acme-v2', tier: 'free' }]), 'CustomerNameInvalid', /customers\[0\]\.name must not end in '-v' and a number/, /Got: "acme-v2"/);
    });

    test('a customer name with -v inside it is valid', () => {
      const { template } = withCustomers([{ name: 'acme-v2-eu', tier: 'free' }]);

      keyNamed(template, 'catalog-acme-v2-eu-v1');
    });

    test('two customers with one name: CustomerDuplicate', () => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'free' }, { name: 'acme', tier: 'pro' }]), 'CustomerDuplicate', /customers\[1\]\.name repeats a customer of this API/, /Got: "acme"/);
    });

    test('addCustomer() with the name of a customer from props: CustomerDuplicate', () => {
      const { api } = withCustomers([{ name: 'acme', tier: 'free' }]);

      expectApiError(() => api.addCustomer({ name: 'acme', tier: 'pro' }), 'CustomerDuplicate', /addCustomer\("acme"\)\.name repeats a customer/, /Got: "acme"/);
    });

    test("a customer's tier the API does not have: UsageTierUnknown, listing the tiers", () => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'gold' }]), 'UsageTierUnknown', /customers\[0\]\.tier names a tier this API does not have \(tiers: free, pro\)/, /Got: "gold"/);
    });

    test("a key's tier the API does not have: UsageTierUnknown", () => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 2, tier: 'gold' }] }]), 'UsageTierUnknown', /customers\[0\]\.keys\[1\]\.tier names a tier/, /Got: "gold"/);
    });

    test('an empty key list: CustomerKeysInvalid', () => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'free', keys: [] }]), 'CustomerKeysInvalid', /customers\[0\]\.keys must list at least one key/, /Got: \[\]/);
    });

    test.each([
      ['0', 0, /Got: 0/],
      ['fractional', 1.5, /Got: 1\.5/],
      ['over 999', 1000, /Got: 1000/],
    ])('a key version %s: CustomerKeysInvalid', (_why, version, got) => {
      expectApiError(() => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version }] }]), 'CustomerKeysInvalid', /customers\[0\]\.keys\[0\]\.version must be a whole number from 1 to 999/, got);
    });

    test('a repeated key version: CustomerKeysInvalid', () => {
      expectApiError(
        () => withCustomers([{ name: 'acme', tier: 'free', keys: [{ version: 1 }, { version: 1, tier: 'pro' }] }]),
        'CustomerKeysInvalid',
        /customers\[0\]\.keys\[1\]\.version repeats a version of this customer/,
        /Got: 1/,
      );
    });

    // BUG (lib/metered-public-api/usage-tiers.ts:155, `${pascal(customer.name)}KeyV${version}`): two
    // valid, distinct customer names that differ only in '-', '_' or the case of a first letter
    // ('acme-corp' and 'acme_corp', or 'acme' and 'Acme') get the same construct id, and synthesis fails
    // with the constructs library's "There is already a Construct with name 'AcmeCorpKeyV1'" instead of
    // either working (their key names differ) or failing with an ApiPatternsError that names the prop.
    test.each([
      ['acme-corp', 'acme_corp'],
      ['acme', 'Acme'],
    ])('two customers %s and %s either both get their key or fail with an ApiPatternsError', (a, b) => {
      let template: Template | undefined;
      try {
        template = withCustomers([{ name: a, tier: 'free' }, { name: b, tier: 'free' }]).template;
      } catch (e) {
        expect((e as Error).name).toBe('ApiPatternsError');
        return;
      }
      keyNamed(template, `catalog-${a}-v1`);
      keyNamed(template, `catalog-${b}-v1`);
    });
  });
});

describe('UsageTiers on its own (internal)', () => {
  /** GIVEN a plain REST API with one method and its stage. */
  function plainApi() {
    const { stack } = newStack();
    const api = new RestApi(stack, 'Plain', { cloudWatchRole: false });
    api.root.addResource('items').addMethod('GET', new MockIntegration());
    return { stack, api };
  }

  test('plans name the given API id and stage, and are named after apiName', () => {
    const { stack, api } = plainApi();

    const tiers = new UsageTiers(stack, 'Tiers', { apiName: 'plain', restApiId: api.restApiId, stage: api.deploymentStage, tiers: [FREE], routeKeys: () => [] });

    const plan = planNamed(templateOf(stack), 'plain-free');
    expect(plan.id).toBe(stack.getLogicalId(tiers.plans.free));
    expect(plan.resource.Properties.ApiStages).toEqual([{ ApiId: { Ref: stack.getLogicalId(api.node.defaultChild as CfnRestApi) }, Stage: { Ref: stack.getLogicalId(api.deploymentStage.node.defaultChild as CfnStage) } }]);
  });

  test('routeKeys is read when the app synthesizes, not when the tier is added', () => {
    const { stack, api } = plainApi();
    const routeKeys: string[] = [];
    new UsageTiers(stack, 'Tiers', { apiName: 'plain', restApiId: api.restApiId, stage: api.deploymentStage, tiers: [{ ...FREE, routeThrottles: { 'GET /items': { rateLimit: 1, burstLimit: 1 } } }], routeKeys: () => routeKeys });

    routeKeys.push('GET /items');

    expect(planNamed(templateOf(stack), 'plain-free').resource.Properties.ApiStages[0].Throttle).toEqual({ '/items/GET': { RateLimit: 1, BurstLimit: 1 } });
  });

  test('errors are raised at the scope given to addCustomer()', () => {
    const { stack, api } = plainApi();
    const tiers = new UsageTiers(stack, 'Tiers', { apiName: 'plain', restApiId: api.restApiId, stage: api.deploymentStage, tiers: [FREE], routeKeys: () => [] });

    const error = expectApiError(() => tiers.addCustomer(api, 'clients[0]', { name: 'acme', tier: 'gold' }), 'UsageTierUnknown', /clients\[0\]\.tier/);
    expect(error.constructPath).toBe(api.node.path);
  });
});
