import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import {
  AuthorizerFailure,
  createTenantKeyAuthorizer,
  MAX_CACHED_STAGES,
  MAX_PAGES,
  PAGE_SIZE,
  sdkApiKeyDirectory,
  stageOfMethodArn,
  tenantKeyMap,
  tenantKeySettingsFromEnv,
  USAGE_PLANS_MAX_OF_STAGE,
} from '../../../lambda/authorizers/tenant-key-authorizer';
import type { ApiKeyLookupTimeouts, ApiKeyRecord, TenantKeyAuthorizerHandler, TenantKeyAuthorizerOptions } from '../../../lambda/authorizers/tenant-key-authorizer';
import { createJwtVerifier, MAX_TOKEN_LENGTH } from '../../../lambda/shared/jwt';
import type { JwtTokenVerifier } from '../../../lambda/shared/jwt';
import { API_KEYS_CREDENTIALS, API_KEYS_REGION, startApiKeysEndpoint } from '../../support/api-keys-endpoint';
import type { ApiKeysEndpoint, ApiKeysFailure, ApiKeysOperation, StoredApiKey, StoredUsagePlan } from '../../support/api-keys-endpoint';
import { ManualClock, startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import type { JwksAnswer, TestIdp } from '../../support/jwks-server';

const API_ID = 'abc123';
const STAGE = 'prod';
const METHOD_ARN = `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/${STAGE}/GET/items/42`;
const STAGE_ARN = `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/${STAGE}/*/*`;
const PREFIX = 'catalog-prod-';
const SETTINGS = { keyNamePrefix: PREFIX, tenantClaim: 'tenant_id', keyCacheSeconds: 300, keyStaleSeconds: 3600 };
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
/** The requests of one refresh of a stage with one usage plan, in order. */
const ONE_REFRESH: ApiKeysOperation[] = ['GetUsagePlans', 'GetUsagePlanKeys', 'GetApiKeys'];

function event(authorizationToken: string, methodArn: string = METHOD_ARN): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn };
}

function allowed(sub: string, tenant: string, key: string, stageArn: string = STAGE_ARN) {
  return {
    principalId: sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageArn }] },
    context: { sub, tenant },
    usageIdentifierKey: key,
  };
}

function denied(principalId: string) {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE_ARN }] },
  };
}

async function failureOf(outcome: Promise<unknown>): Promise<unknown> {
  return outcome.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('tenant key authorizer', () => {
  let idp: TestIdp;
  let endpoint: ApiKeysEndpoint;
  let verifier: JwtTokenVerifier;
  let consoleSpies: jest.SpyInstance[];
  let stdout: jest.SpyInstance;
  let clock: ManualClock;
  /** The usage plan of the stage under test (abc123/prod). */
  let plan: StoredUsagePlan;

  beforeAll(async () => {
    [idp, endpoint] = await Promise.all([startTestIdp(), startApiKeysEndpoint()]);
    verifier = createJwtVerifier(
      { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: ['items/read'] },
      { jwksRequestOptions: { ca: idp.ca } },
    );
  });
  afterAll(() => Promise.all([idp.close(), endpoint.close()]));
  beforeEach(() => {
    clock = new ManualClock();
    endpoint.reset();
    plan = endpoint.addUsagePlan([{ apiId: API_ID, stage: STAGE }], 'catalog-prod-basic');
    consoleSpies = CONSOLE_METHODS.map((method) => jest.spyOn(console, method).mockImplementation(() => undefined));
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    consoleSpies.forEach((spy) => spy.mockRestore());
    stdout.mockRestore();
  });

  /** The real SDK client, pointed at the loopback endpoint with its static credentials. */
  function directory(timeouts?: ApiKeyLookupTimeouts) {
    return sdkApiKeyDirectory({ endpoint: endpoint.url, region: API_KEYS_REGION, credentials: API_KEYS_CREDENTIALS }, timeouts);
  }

  /** The authorizer with the test's clock and no jitter (a map lives exactly KEY_CACHE_SECONDS). */
  function authorizer(options: TenantKeyAuthorizerOptions = {}): TenantKeyAuthorizerHandler {
    return createTenantKeyAuthorizer({ verifier, directory: directory(), settings: SETTINGS, now: clock.now, random: () => 0.5, ...options });
  }

  /** A key in the usage plan of the stage under test (unless `plans` says otherwise). */
  function addKey(name: string, options: { enabled?: boolean; value?: string; plans?: readonly string[] } = {}): StoredApiKey {
    return endpoint.addKey(name, { plans: [plan.id], ...options });
  }

  function bearer(claims: Record<string, unknown>): string {
    return `Bearer ${idp.sign(validClaims(idp, { sub: 'alice', ...claims }))}`;
  }

  /** The operations requested, in order. */
  function operations(): Array<ApiKeysOperation | undefined> {
    return endpoint.requests.map((r) => r.operation);
  }

  /** Everything written to the console and to stdout, one string. */
  function consoleOutput(): string {
    return [...consoleSpies, stdout].flatMap((spy) => spy.mock.calls.map((args: unknown[]) => args.map(String).join(' '))).join('\n');
  }

  function decisions(): Array<Record<string, unknown>> {
    return stdout.mock.calls.map(([line]: unknown[]) => JSON.parse(String(line)) as Record<string, unknown>);
  }

  async function withMetricsNamespace<T>(run: () => Promise<T>): Promise<T> {
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'MeteredApi';
    process.env.POWERTOOLS_SERVICE_NAME = 'catalog';
    try {
      return await run();
    } finally {
      delete process.env.POWERTOOLS_METRICS_NAMESPACE;
      delete process.env.POWERTOOLS_SERVICE_NAME;
    }
  }

  describe('choosing the key', () => {
    test('GIVEN a tenant with keys v1 and v2 enabled in the stage’s plan WHEN a valid token is authorized THEN the stage is allowed with the v2 value, from one signed refresh: GetUsagePlans, GetUsagePlanKeys, GetApiKeys', async () => {
      // GIVEN
      addKey(`${PREFIX}acme-v1`);
      const v2 = addKey(`${PREFIX}acme-v2`);

      // WHEN
      const result = await authorizer()(event(bearer({ tenant_id: 'acme' })));

      // THEN the whole stage, the tenant in the context, the newest key
      expect(result).toEqual(allowed('alice', 'acme', v2.value));
      // AND the plans, the keys of the stage's plan, and every key named like the prefix, with values, signed for apigateway in the region
      const signed = expect.stringMatching(
        new RegExp(`^AWS4-HMAC-SHA256 Credential=${API_KEYS_CREDENTIALS.accessKeyId}/\\d{8}/${API_KEYS_REGION}/apigateway/aws4_request, `),
      );
      expect(endpoint.requests).toEqual([
        { operation: 'GetUsagePlans', method: 'GET', path: '/usageplans', query: { limit: '500' }, authorization: signed, signatureProblem: undefined },
        { operation: 'GetUsagePlanKeys', method: 'GET', path: `/usageplans/${plan.id}/keys`, query: { limit: '500' }, authorization: signed, signatureProblem: undefined },
        {
          operation: 'GetApiKeys',
          method: 'GET',
          path: '/apikeys',
          query: { name: PREFIX, includeValues: 'true', limit: '500' },
          authorization: signed,
          signatureProblem: undefined,
        },
      ]);
      // AND the decision names the tenant and the key id
      expect(decisions()).toEqual([
        expect.objectContaining({ level: 'INFO', decision: 'allow', sub: 'alice', tenant: 'acme', keyId: v2.id, cache: 'miss', methodArn: METHOD_ARN }),
      ]);
    });

    test('GIVEN 50 tenants with keys WHEN each is authorized THEN one refresh (three requests) serves them all', async () => {
      // GIVEN
      const tenants = Array.from({ length: 50 }, (_, i) => `tenant${i}`);
      const keys = tenants.map((tenant) => addKey(`${PREFIX}${tenant}-v1`));
      const authorize = authorizer();

      // WHEN
      const results = [];
      for (const tenant of tenants) results.push(await authorize(event(bearer({ tenant_id: tenant }))));

      // THEN every tenant its own key, from one refresh
      expect(results.map((r) => r.usageIdentifierKey)).toEqual(keys.map((k) => k.value));
      expect(operations()).toEqual(ONE_REFRESH);
      expect(decisions().map((d) => d.cache)).toEqual(['miss', ...Array(49).fill('hit')]);
    });

    test('GIVEN the newest version is disabled WHEN authorized THEN the older enabled version is used', async () => {
      const v1 = addKey(`${PREFIX}hooli-v1`);
      addKey(`${PREFIX}hooli-v2`, { enabled: false });

      const result = await authorizer()(event(bearer({ tenant_id: 'hooli' })));

      expect(result.usageIdentifierKey).toBe(v1.value);
    });

    test('GIVEN keys of other tenants sharing the name prefix, and badly versioned names WHEN authorized THEN only the tenant’s own name or name-v<n> counts, unversioned below v1', async () => {
      // GIVEN GetApiKeys' prefix match returns all of these, every one in the stage's plan
      addKey(`${PREFIX}globex`);
      const v1 = addKey(`${PREFIX}globex-v1`);
      for (const neighbour of ['globex2-v9', 'globexcorp', 'globex.eu-v3', 'globex-v02', 'globex-v3x', 'globex-v', 'globex-V4', 'globex-v1-old']) {
        addKey(`${PREFIX}${neighbour}`);
      }

      const result = await authorizer()(event(bearer({ tenant_id: 'globex' })));

      expect(result.usageIdentifierKey).toBe(v1.value);
    });

    test('GIVEN only an unversioned key WHEN authorized THEN it is used', async () => {
      const key = addKey(`${PREFIX}initech`);

      const result = await authorizer()(event(bearer({ tenant_id: 'initech' })));

      expect(result.usageIdentifierKey).toBe(key.value);
    });

    test('GIVEN more than one page of plans, of plan keys and of keys WHEN authorized THEN every page is read', async () => {
      // GIVEN 600 plans of other APIs before the stage's second plan, and 600 keys of other tenants in it before the tenant's own
      for (let i = 0; i < 600; i++) endpoint.addUsagePlan([{ apiId: `other${i}`, stage: STAGE }]);
      const second = endpoint.addUsagePlan([{ apiId: 'other', stage: 'prod' }, { apiId: API_ID, stage: STAGE }]);
      for (let i = 0; i < 600; i++) addKey(`${PREFIX}umbrella${i}`, { plans: [second.id] });
      const own = addKey(`${PREFIX}umbrella-v2`, { plans: [second.id] });

      // WHEN
      const result = await authorizer()(event(bearer({ tenant_id: 'umbrella' })));

      // THEN the key from the second page, in the plan from the second page
      expect(result.usageIdentifierKey).toBe(own.value);
      const position = expect.any(String);
      expect(endpoint.requests.map((r) => [r.path, r.query])).toEqual([
        ['/usageplans', { limit: '500' }],
        ['/usageplans', { limit: '500', position }],
        [`/usageplans/${plan.id}/keys`, { limit: '500' }],
        [`/usageplans/${second.id}/keys`, { limit: '500' }],
        [`/usageplans/${second.id}/keys`, { limit: '500', position }],
        ['/apikeys', { name: PREFIX, includeValues: 'true', limit: '500' }],
        ['/apikeys', { name: PREFIX, includeValues: 'true', limit: '500', position }],
      ]);
      expect(endpoint.requests.every((r) => r.signatureProblem === undefined)).toBe(true);
    });

    test.each([
      ['the highest version', [key('a', 'p-t-v1'), key('b', 'p-t-v10'), key('c', 'p-t-v9')], 'b'],
      ['an enabled key over a disabled higher one', [key('a', 'p-t-v1'), key('b', 'p-t-v2', { enabled: false })], 'a'],
      ['the newest of two keys of one name', [key('a', 'p-t-v2', { createdDate: 2 }), key('b', 'p-t-v2', { createdDate: 1 })], 'a'],
      ['the greatest id of two keys of one name and date', [key('b', 'p-t-v2'), key('c', 'p-t-v2'), key('a', 'p-t-v2')], 'c'],
      ['no key without a value', [key('a', 'p-t-v1'), key('b', 'p-t-v2', { value: '' })], 'a'],
      ['nothing when no name fits', [key('a', 'p-tx'), key('b', 'p-t-v0'), key('c', 'p-t-'), key('d', 'q-t')], undefined],
      ['no key outside the usable ids', [key('a', 'p-t-v1'), key('x-b', 'p-t-v2')], 'a'],
    ])('GIVEN keys WHEN mapping tenants THEN tenant t gets %s', (_case, keys, expected) => {
      const usable = new Set(keys.map((k) => k.id).filter((id) => !id.startsWith('x-')));
      expect(tenantKeyMap('p-', keys, usable).get('t')?.id).toBe(expected);
    });

    test('GIVEN names whose tenant part is no usable tenant id WHEN mapping tenants THEN they are left out', () => {
      const keys = [key('a', 'p-ok'), key('b', 'p-acme-v2-v3'), key('c', 'p-bad tenant'), key('d', 'p-x-v0'), key('e', `p-${'a'.repeat(65)}`)];

      expect([...tenantKeyMap('p-', keys, new Set(keys.map((k) => k.id))).keys()]).toEqual(['ok']);
    });
  });

  describe('only keys in a usage plan of the request’s stage', () => {
    test('GIVEN a key of the same name in another stage’s plan, of a higher version WHEN authorized THEN it is ignored', async () => {
      // GIVEN stage "beta" of an API with the same name: its keys share the names
      const beta = endpoint.addUsagePlan([{ apiId: 'xyz789', stage: 'beta' }]);
      const own = addKey(`${PREFIX}acme-v1`);
      addKey(`${PREFIX}acme-v5`, { plans: [beta.id] });

      const result = await authorizer()(event(bearer({ tenant_id: 'acme' })));

      expect(result.usageIdentifierKey).toBe(own.value);
    });

    test('GIVEN the same API id and a plan of another stage only WHEN authorized THEN that key is ignored too', async () => {
      const dev = endpoint.addUsagePlan([{ apiId: API_ID, stage: 'dev' }]);
      addKey(`${PREFIX}pied`, { plans: [dev.id] });

      await expect(authorizer()(event(bearer({ tenant_id: 'pied' })))).rejects.toThrow(/^Unauthorized$/);

      expect(decisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'pied' })]);
    });

    test('GIVEN a new version not associated with the plan yet WHEN authorized THEN the previous version is chosen, and the new one once associated and refreshed', async () => {
      // GIVEN CloudFormation created v2 but not yet its usage plan key
      const v1 = addKey(`${PREFIX}wayne-v1`);
      const v2 = addKey(`${PREFIX}wayne-v2`, { plans: [] });
      const authorize = authorizer();

      // WHEN
      const before = await authorize(event(bearer({ tenant_id: 'wayne' })));

      // THEN v1
      expect(before.usageIdentifierKey).toBe(v1.value);
      // AND v2 once it is in the plan and the map is refreshed
      endpoint.addToPlan(plan.id, v2.id);
      clock.advance(300_000);
      const after = await authorize(event(bearer({ tenant_id: 'wayne' })));
      expect(after.usageIdentifierKey).toBe(v2.value);
    });

    test('GIVEN no usage plan includes the stage WHEN authorized THEN Unauthorized, without reading the keys', async () => {
      endpoint.reset();
      endpoint.addKey(`${PREFIX}acme`);

      await expect(authorizer()(event(bearer({ tenant_id: 'acme' })))).rejects.toThrow(/^Unauthorized$/);

      expect(operations()).toEqual(['GetUsagePlans']);
    });

    test('GIVEN two stages with their own plans and keys of the same names WHEN each stage’s requests are authorized THEN each gets its own key, from its own refresh', async () => {
      // GIVEN stage "beta" of the same API with its own plan and key
      const beta = endpoint.addUsagePlan([{ apiId: API_ID, stage: 'beta' }]);
      const prodKey = addKey(`${PREFIX}acme-v1`);
      const betaKey = addKey(`${PREFIX}acme-v1`, { plans: [beta.id] });
      const betaArn = `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/beta/GET/items/42`;
      const authorize = authorizer();

      // WHEN
      const prod = await authorize(event(bearer({ tenant_id: 'acme' })));
      const betaResult = await authorize(event(bearer({ tenant_id: 'acme' }), betaArn));
      const prodAgain = await authorize(event(bearer({ tenant_id: 'acme' })));

      // THEN
      expect(prod.usageIdentifierKey).toBe(prodKey.value);
      expect(betaResult).toEqual(allowed('alice', 'acme', betaKey.value, `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/beta/*/*`));
      expect(prodAgain.usageIdentifierKey).toBe(prodKey.value);
      expect(operations()).toEqual([...ONE_REFRESH, ...ONE_REFRESH]);
      expect(endpoint.requests.filter((r) => r.operation === 'GetUsagePlanKeys').map((r) => r.path)).toEqual([
        `/usageplans/${plan.id}/keys`,
        `/usageplans/${beta.id}/keys`,
      ]);
    });

    test.each([
      ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/', { apiId: 'abc123', stage: 'prod' }],
      ['arn:aws-cn:execute-api:cn-north-1:123456789012:a1/$default/POST/a/b', { apiId: 'a1', stage: '$default' }],
      ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod', undefined],
      ['arn:aws:lambda:eu-west-1:123456789012:abc123/prod/GET/', undefined],
      ['', undefined],
    ])('GIVEN the method ARN %j THEN its stage is %j', (methodArn, expected) => {
      expect(stageOfMethodArn(methodArn)).toEqual(expected);
    });

    test('GIVEN a method ARN without a stage WHEN a valid token is authorized THEN a 500 failure without any request, counting AuthorizerErrors', async () => {
      const failure = await withMetricsNamespace(() => failureOf(authorizer()(event(bearer({ tenant_id: 'acme' }), 'arn:aws:execute-api:eu-west-1:1:abc123'))));

      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'error', reason: 'method-arn-invalid', tenant: 'acme', AuthorizerErrors: 1 })]);
    });
  });

  describe('refusals that are the caller’s', () => {
    test('GIVEN a tenant without keys WHEN two requests are authorized THEN both are Unauthorized from one refresh, and a key created meanwhile is found once the map expires', async () => {
      addKey(`${PREFIX}somebody`);
      const authorize = authorizer();

      // WHEN
      const first = await failureOf(authorize(event(bearer({ tenant_id: 'nobody' }))));
      const second = await failureOf(authorize(event(bearer({ tenant_id: 'nobody' }))));

      // THEN
      expect(first).toEqual(new Error('Unauthorized'));
      expect(second).toEqual(new Error('Unauthorized'));
      expect(operations()).toEqual(ONE_REFRESH);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'nobody', cache: 'miss' }),
        expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'nobody', cache: 'hit' }),
      ]);
      // AND a key created meanwhile is found once the 300 s are over
      const created = addKey(`${PREFIX}nobody`);
      clock.advance(299_999);
      await expect(authorize(event(bearer({ tenant_id: 'nobody' })))).rejects.toThrow(/^Unauthorized$/);
      expect(endpoint.lookups).toBe(1);
      clock.advance(1);
      await expect(authorize(event(bearer({ tenant_id: 'nobody' })))).resolves.toEqual(allowed('alice', 'nobody', created.value));
      expect(endpoint.lookups).toBe(2);
    });

    test('GIVEN a tenant whose keys are all disabled WHEN authorized THEN Unauthorized, counting no error', async () => {
      addKey(`${PREFIX}dormant-v1`, { enabled: false });

      await withMetricsNamespace(async () => {
        await expect(authorizer()(event(bearer({ tenant_id: 'dormant' })))).rejects.toThrow(/^Unauthorized$/);
      });

      expect(decisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'dormant' })]);
      expect(decisions()[0]).not.toHaveProperty('AuthorizerErrors');
    });

    test('GIVEN a known tenant and a burst of unknown ones WHEN authorized THEN the unknown ones cost no request and the known one is still served from the map', async () => {
      const known = addKey(`${PREFIX}stark`);
      const authorize = authorizer();
      await authorize(event(bearer({ tenant_id: 'stark' })));

      for (let i = 0; i < 20; i++) {
        await expect(authorize(event(bearer({ tenant_id: `stranger${i}` })))).rejects.toThrow(/^Unauthorized$/);
      }

      await expect(authorize(event(bearer({ tenant_id: 'stark' })))).resolves.toEqual(allowed('alice', 'stark', known.value));
      expect(operations()).toEqual(ONE_REFRESH);
    });

    test.each([
      ['a blank', 'acme corp'],
      ['nothing', ''],
      ['65 characters', 'a'.repeat(65)],
      ['a slash', 'acme/../wayne'],
      ['a non-ASCII letter', 'acmé'],
      ['a number', 42],
      ['an array', ['acme']],
      ['null', null],
    ])('GIVEN a tenant claim with %s WHEN authorized THEN an explicit Deny (403) without any request, the claim not logged', async (_case, claim) => {
      const result = await authorizer()(event(bearer({ tenant_id: claim })));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-invalid', sub: 'alice' })]);
      expect(decisions()[0]).not.toHaveProperty('tenant');
    });

    test('GIVEN no tenant claim WHEN authorized THEN an explicit Deny without any request', async () => {
      const result = await authorizer()(event(bearer({})));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-missing' })]);
    });

    test('GIVEN a tenant id ending in -v<n> WHEN authorized THEN Deny: its key name would read as a version of another tenant’s key', async () => {
      // GIVEN tenant `wayne`'s version 2 and a would-be tenant `wayne-v2`
      addKey(`${PREFIX}wayne-v2`);

      const result = await authorizer()(event(bearer({ tenant_id: 'wayne-v2' })));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-ambiguous', tenant: 'wayne-v2' })]);
    });

    test('GIVEN TENANT_CLAIM names another claim WHEN authorized THEN the tenant comes from that claim', async () => {
      const key = addKey(`${PREFIX}cyberdyne`);
      const settings = tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: PREFIX, TENANT_CLAIM: 'https://example.com/tenant' });

      const result = await authorizer({ settings })(event(bearer({ 'https://example.com/tenant': 'cyberdyne', tenant_id: 'acme' })));

      expect(result).toEqual(allowed('alice', 'cyberdyne', key.value));
    });

    const now = Math.floor(Date.now() / 1000);
    test.each([
      ['an expired token', () => bearer({ tenant_id: 'acme', exp: now - 60 }), 'expired'],
      ['a forged token', () => `Bearer ${idp.sign(validClaims(idp, { tenant_id: 'acme' }), { key: 'other' })}`, 'signature'],
      ['a token for another audience', () => bearer({ tenant_id: 'acme', aud: 'other-api' }), 'audience'],
      ['a malformed token', () => 'Bearer abc.def.ghi', 'malformed'],
      ['no token', () => '', 'missing'],
      ['a token one character over the limit', () => `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`, 'malformed'],
      ['a 1 MB header', () => `Bearer ${'a'.repeat(1024 * 1024)}`, 'malformed'],
    ])('GIVEN %s WHEN authorized THEN Unauthorized (401) without any request or error count', async (_case, header, reason) => {
      await withMetricsNamespace(async () => {
        await expect(authorizer()(event(header()))).rejects.toThrow(/^Unauthorized$/);
      });

      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason })]);
      expect(decisions()[0]).not.toHaveProperty('AuthorizerErrors');
    });

    test('GIVEN a valid token without a required scope WHEN authorized THEN an explicit Deny without any request', async () => {
      const result = await authorizer()(event(bearer({ tenant_id: 'acme', scope: 'profile' })));

      expect(result).toEqual(denied('insufficient-scope'));
      expect(endpoint.requests).toEqual([]);
    });
  });

  describe('failures that are not the caller’s', () => {
    test.each([
      ['answers 503', (target: TestIdp) => ({ jwksUri: target.jwksUri, answer: { kind: 'status', status: 503 } as JwksAnswer })],
      ['is unreachable', () => ({ jwksUri: 'https://127.0.0.1:1/.well-known/jwks.json', answer: { kind: 'jwks' } as JwksAnswer })],
    ])('GIVEN the IdP %s WHEN a valid token is authorized THEN a failure that is not Unauthorized (500, never cached), counting AuthorizerErrors', async (_case, setup) => {
      // GIVEN a verifier that has no keys yet
      const { jwksUri, answer } = setup(idp);
      idp.answerWith(answer);
      try {
        const fresh = createJwtVerifier(
          { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri, requiredScopes: [] },
          { jwksRequestOptions: { ca: idp.ca }, jwksTimeoutMs: 500 },
        );

        // WHEN
        const failure = await withMetricsNamespace(() => failureOf(authorizer({ verifier: fresh })(event(bearer({ tenant_id: 'acme' })))));

        // THEN
        expect(failure).toBeInstanceOf(AuthorizerFailure);
        expect((failure as Error).message).not.toBe('Unauthorized');
        expect(endpoint.requests).toEqual([]);
        expect(decisions()).toEqual([
          expect.objectContaining({
            level: 'ERROR',
            decision: 'error',
            reason: 'token-verification-failed',
            error: expect.objectContaining({ name: 'JwksUnavailableError' }),
            AuthorizerErrors: 1,
            service: 'catalog',
            _aws: expect.objectContaining({ CloudWatchMetrics: [{ Namespace: 'MeteredApi', Dimensions: [['service']], Metrics: [{ Name: 'AuthorizerErrors', Unit: 'Count' }] }] }),
          }),
        ]);
      } finally {
        idp.answerWith({ kind: 'jwks' });
      }
    });

    test.each([
      ['answers 500', { kind: 'status', status: 500, errorType: 'InternalFailure' }, { name: 'InternalFailure', status: 500 }, 2],
      ['throttles (429)', { kind: 'status', status: 429, errorType: 'TooManyRequestsException' }, { name: 'TooManyRequestsException', status: 429 }, 2],
      ['refuses the credentials (403)', { kind: 'status', status: 403, errorType: 'UnrecognizedClientException' }, { name: 'UnrecognizedClientException', status: 403 }, 1],
      ['resets the connection', { kind: 'reset' }, {}, 2],
    ] as Array<[string, ApiKeysFailure, Record<string, unknown>, number]>)(
      'GIVEN no map was ever loaded and the control plane %s WHEN authorized THEN a 500 failure, counting AuthorizerErrors, and nothing is remembered',
      async (_case, failure, error, attempts) => {
        // GIVEN
        const key = addKey(`${PREFIX}oscorp`);
        endpoint.failWith(failure);
        const authorize = authorizer();

        // WHEN
        const outcome = await withMetricsNamespace(() => failureOf(authorize(event(bearer({ tenant_id: 'oscorp' })))));

        // THEN at most two attempts of the first request, then 500 and an error count
        expect(outcome).toBeInstanceOf(AuthorizerFailure);
        expect(operations()).toEqual(Array(attempts).fill('GetUsagePlans'));
        expect(decisions()).toEqual([
          expect.objectContaining({
            level: 'ERROR',
            decision: 'error',
            reason: 'key-lookup-failed',
            tenant: 'oscorp',
            error: expect.objectContaining(error),
            AuthorizerErrors: 1,
          }),
        ]);
        // AND the next request, once the control plane works, refreshes again
        endpoint.failWith(undefined);
        await expect(authorize(event(bearer({ tenant_id: 'oscorp' })))).resolves.toEqual(allowed('alice', 'oscorp', key.value));
      },
    );

    test.each(['GetUsagePlanKeys', 'GetApiKeys'] as ApiKeysOperation[])(
      'GIVEN no map was ever loaded and %s fails WHEN authorized THEN a 500 failure, counting AuthorizerErrors',
      async (operation) => {
        addKey(`${PREFIX}oscorp`);
        endpoint.failWith({ kind: 'status', status: 500, errorType: 'InternalFailure' }, operation);

        const outcome = await withMetricsNamespace(() => failureOf(authorizer()(event(bearer({ tenant_id: 'oscorp' })))));

        expect(outcome).toBeInstanceOf(AuthorizerFailure);
        expect(endpoint.countOf(operation)).toBe(2);
        expect(decisions()).toEqual([expect.objectContaining({ decision: 'error', reason: 'key-lookup-failed', AuthorizerErrors: 1 })]);
      },
    );

    test('GIVEN the control plane does not answer WHEN authorized THEN a 500 failure once the request times out', async () => {
      addKey(`${PREFIX}tyrell`);
      endpoint.failWith({ kind: 'hang' });
      const authorize = authorizer({ directory: directory({ requestMs: 200 }) });
      const started = Date.now();

      await expect(authorize(event(bearer({ tenant_id: 'tyrell' })))).rejects.toBeInstanceOf(AuthorizerFailure);

      // Two attempts of 200 ms and a retry delay; the default is two of 3 s.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(operations()).toEqual(['GetUsagePlans', 'GetUsagePlans']);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'error', reason: 'key-lookup-failed', error: expect.objectContaining({ name: 'TimeoutError' }) }),
      ]);
    });

    test(`GIVEN more than ${MAX_PAGES} pages WHEN the map is loaded THEN the refresh fails (the map holds at most ${MAX_PAGES} × ${PAGE_SIZE} keys)`, async () => {
      // GIVEN pages of 2 keys, and 41 keys
      endpoint.capPageSize(2);
      for (let i = 0; i < MAX_PAGES * 2 + 1; i++) addKey(`${PREFIX}t${i}`);

      const outcome = await failureOf(authorizer()(event(bearer({ tenant_id: 't0' }))));

      expect(outcome).toBeInstanceOf(AuthorizerFailure);
      expect(endpoint.countOf('GetUsagePlanKeys')).toBe(MAX_PAGES);
      expect(decisions()).toEqual([
        expect.objectContaining({ reason: 'key-lookup-failed', error: { name: 'ApiKeyLookupError', message: `GetUsagePlanKeys returned more than ${MAX_PAGES} pages` } }),
      ]);
      expect(PAGE_SIZE * MAX_PAGES).toBe(10_000);
    });

    test(`GIVEN more than ${USAGE_PLANS_MAX_OF_STAGE} usage plans include the stage WHEN the map is loaded THEN the refresh fails before reading their keys`, async () => {
      for (let i = 0; i < USAGE_PLANS_MAX_OF_STAGE; i++) endpoint.addUsagePlan([{ apiId: API_ID, stage: STAGE }]);

      const outcome = await failureOf(authorizer()(event(bearer({ tenant_id: 'acme' }))));

      expect(outcome).toBeInstanceOf(AuthorizerFailure);
      expect(operations()).toEqual(['GetUsagePlans']);
      expect(decisions()).toEqual([
        expect.objectContaining({
          reason: 'key-lookup-failed',
          error: { name: 'ApiKeyLookupError', message: `more than ${USAGE_PLANS_MAX_OF_STAGE} usage plans include stage ${STAGE} of API ${API_ID}` },
        }),
      ]);
    });

    test('GIVEN no KEY_NAME_PREFIX in the environment WHEN authorized THEN a 500 failure, counting AuthorizerErrors, without verifying or looking up', async () => {
      const authorize = createTenantKeyAuthorizer({ verifier, directory: directory() });

      const failure = await withMetricsNamespace(() => failureOf(authorize(event(bearer({ tenant_id: 'acme' })))));

      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(endpoint.requests).toEqual([]);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'error', reason: 'configuration', error: expect.objectContaining({ message: expect.stringMatching(/^KEY_NAME_PREFIX must be set/) }), AuthorizerErrors: 1 }),
      ]);
    });
  });

  describe('when a refresh fails', () => {
    test('GIVEN a loaded map WHEN the refresh after KEY_CACHE_SECONDS fails THEN the map is still used (allow, cache "stale"), the failure is counted once, and the next refresh waits 10 s', async () => {
      // GIVEN a map loaded at 0 s
      const key = addKey(`${PREFIX}acme`);
      const authorize = authorizer();
      await authorize(event(bearer({ tenant_id: 'acme' })));
      stdout.mockClear();
      endpoint.clearRequests();

      // WHEN GetApiKeys throttles at 300 s, for three concurrent requests
      endpoint.failWith({ kind: 'status', status: 429, errorType: 'TooManyRequestsException' }, 'GetApiKeys');
      clock.advance(300_000);
      const results = await withMetricsNamespace(() => Promise.all([1, 2, 3].map(() => authorize(event(bearer({ tenant_id: 'acme' }))))));

      // THEN the previous map answers all three, from one refresh (two attempts of GetApiKeys)
      expect(results).toEqual(Array(3).fill(allowed('alice', 'acme', key.value)));
      expect(operations()).toEqual(['GetUsagePlans', 'GetUsagePlanKeys', 'GetApiKeys', 'GetApiKeys']);
      // AND one line counts the failed refresh; the decisions count nothing
      const failures = decisions().filter((d) => d.reason === 'key-refresh-failed');
      expect(failures).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          apiId: API_ID,
          stage: STAGE,
          mapAgeSeconds: 300,
          error: { name: 'TooManyRequestsException', status: 429 },
          AuthorizerErrors: 1,
        }),
      ]);
      const allows = decisions().filter((d) => d.decision === 'allow');
      expect(allows.map((d) => d.cache)).toEqual(['stale', 'stale', 'stale']);
      expect(allows.every((d) => !('AuthorizerErrors' in d))).toBe(true);

      // AND for 10 s no refresh is tried, then one is, and its success ends the fallback
      endpoint.clearRequests();
      clock.advance(9_999);
      await authorize(event(bearer({ tenant_id: 'acme' })));
      expect(endpoint.requests).toEqual([]);
      endpoint.failWith(undefined);
      const v2 = addKey(`${PREFIX}acme-v2`);
      clock.advance(1);
      await expect(authorize(event(bearer({ tenant_id: 'acme' })))).resolves.toEqual(allowed('alice', 'acme', v2.value));
      expect(operations()).toEqual(ONE_REFRESH);
      expect(decisions().slice(-2).map((d) => d.cache)).toEqual(['stale', 'miss']);
    });

    test('GIVEN a map loaded KEY_STALE_SECONDS ago WHEN refreshing fails THEN a 500 failure, counting AuthorizerErrors', async () => {
      // GIVEN a map loaded at 0 s, and a control plane failing from then on
      addKey(`${PREFIX}acme`);
      const authorize = authorizer();
      await authorize(event(bearer({ tenant_id: 'acme' })));
      endpoint.failWith({ kind: 'status', status: 500, errorType: 'InternalFailure' });

      // WHEN requests come just before and at 3,600 s
      clock.advance(3_599_999);
      const lastStale = await authorize(event(bearer({ tenant_id: 'acme' })));
      clock.advance(1);
      const tooOld = await withMetricsNamespace(() => failureOf(authorize(event(bearer({ tenant_id: 'acme' })))));

      // THEN the map is used until it is 3,600 s old, then the request fails
      expect(lastStale.usageIdentifierKey).toBeDefined();
      expect(tooOld).toBeInstanceOf(AuthorizerFailure);
      expect(decisions().slice(-1)).toEqual([expect.objectContaining({ decision: 'error', reason: 'key-lookup-failed', AuthorizerErrors: 1 })]);
      // AND only the decision counts this failure (no map was used, so no refresh line)
      expect(decisions().filter((d) => d.reason === 'key-refresh-failed')).toHaveLength(1);
    });

    test('GIVEN KEY_STALE_SECONDS=0 WHEN the refresh after KEY_CACHE_SECONDS fails THEN a 500 failure at once', async () => {
      addKey(`${PREFIX}acme`);
      const authorize = authorizer({ settings: tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: PREFIX, KEY_STALE_SECONDS: '0' }) });
      await authorize(event(bearer({ tenant_id: 'acme' })));
      endpoint.failWith({ kind: 'status', status: 500, errorType: 'InternalFailure' });
      clock.advance(300_000);

      await expect(authorize(event(bearer({ tenant_id: 'acme' })))).rejects.toBeInstanceOf(AuthorizerFailure);
    });
  });

  describe('caching', () => {
    test('GIVEN a loaded map WHEN the tenant comes back within KEY_CACHE_SECONDS THEN no request is made, and after it a rotated key is picked up', async () => {
      const v1 = addKey(`${PREFIX}wonka-v1`);
      const authorize = authorizer();
      await authorize(event(bearer({ tenant_id: 'wonka' })));

      // WHEN a new version appears, and requests come 1 s and 299.999 s later
      const v2 = addKey(`${PREFIX}wonka-v2`);
      clock.advance(1000);
      const hit = await authorize(event(bearer({ tenant_id: 'wonka', sub: 'bob' })));
      clock.advance(298_999);
      const lastHit = await authorize(event(bearer({ tenant_id: 'wonka' })));

      // THEN the cached key, one refresh in all
      expect(hit).toEqual(allowed('bob', 'wonka', v1.value));
      expect(lastHit.usageIdentifierKey).toBe(v1.value);
      expect(operations()).toEqual(ONE_REFRESH);
      expect(decisions().map((d) => d.cache)).toEqual(['miss', 'hit', 'hit']);

      // AND at 300 s the map is refreshed and has v2
      clock.advance(1);
      const refreshed = await authorize(event(bearer({ tenant_id: 'wonka' })));
      expect(refreshed.usageIdentifierKey).toBe(v2.value);
      expect(operations()).toEqual([...ONE_REFRESH, ...ONE_REFRESH]);
    });

    test.each([
      ['the least', 0, 270_000],
      ['the middle', 0.5, 300_000],
      ['just below 1, the greatest', 1 - 1e-12, 330_000],
    ])('GIVEN a jitter source of %s (%d) WHEN a map is loaded THEN it lives %d ms', async (_case, random, lifetime) => {
      addKey(`${PREFIX}acme`);
      const authorize = authorizer({ random: () => random });
      await authorize(event(bearer({ tenant_id: 'acme' })));

      clock.advance(lifetime - 1);
      await authorize(event(bearer({ tenant_id: 'acme' })));
      expect(endpoint.lookups).toBe(1);
      clock.advance(1);
      await authorize(event(bearer({ tenant_id: 'acme' })));
      expect(endpoint.lookups).toBe(2);
    });

    test('GIVEN KEY_CACHE_SECONDS=0 WHEN a tenant comes back THEN every request refreshes the map', async () => {
      addKey(`${PREFIX}soylent`);
      const authorize = authorizer({ settings: tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: PREFIX, KEY_CACHE_SECONDS: '0' }) });

      await authorize(event(bearer({ tenant_id: 'soylent' })));
      await authorize(event(bearer({ tenant_id: 'soylent' })));

      expect(operations()).toEqual([...ONE_REFRESH, ...ONE_REFRESH]);
    });

    test('GIVEN concurrent requests of several tenants and no map yet WHEN authorized THEN they share one refresh', async () => {
      const keys = ['massive', 'dynamic', 'vandelay'].map((tenant) => addKey(`${PREFIX}${tenant}`));
      const authorize = authorizer();

      const results = await Promise.all([0, 1, 2, 0, 1, 2].map((i) => authorize(event(bearer({ tenant_id: ['massive', 'dynamic', 'vandelay'][i] })))));

      expect(results.map((r) => r.usageIdentifierKey)).toEqual([0, 1, 2, 0, 1, 2].map((i) => keys[i].value));
      expect(operations()).toEqual(ONE_REFRESH);
    });

    test('GIVEN an expired map WHEN concurrent requests come THEN they share one refresh', async () => {
      addKey(`${PREFIX}massive`);
      const authorize = authorizer();
      await authorize(event(bearer({ tenant_id: 'massive' })));
      const v2 = addKey(`${PREFIX}massive-v2`);
      endpoint.clearRequests();
      clock.advance(300_000);

      const results = await Promise.all([1, 2, 3, 4, 5].map(() => authorize(event(bearer({ tenant_id: 'massive' })))));

      expect(results.map((r) => r.usageIdentifierKey)).toEqual(Array(5).fill(v2.value));
      expect(operations()).toEqual(ONE_REFRESH);
    });

    test('GIVEN a bound of 2 stages WHEN a third stage is authorized THEN the least recently used stage’s map is dropped', async () => {
      const stages = ['s1', 's2', 's3'];
      for (const stage of stages) addKey(`${PREFIX}acme-${stage}`, { plans: [endpoint.addUsagePlan([{ apiId: API_ID, stage }]).id] });
      const authorize = authorizer({ maxCachedStages: 2 });
      const visit = (stage: string) => authorize(event(bearer({ tenant_id: `acme-${stage}` }), `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/${stage}/GET/`));

      // WHEN s1, s2, s1 again (now the most recent), then s3 drops s2
      await visit('s1');
      await visit('s2');
      await visit('s1');
      await visit('s3');
      expect(endpoint.lookups).toBe(3);

      // THEN s1 and s3 are still cached, s2 is loaded again
      await visit('s1');
      await visit('s3');
      expect(endpoint.lookups).toBe(3);
      await visit('s2');
      expect(endpoint.lookups).toBe(4);
    });

    test('GIVEN the default bound THEN it is 8 stages', () => {
      expect(MAX_CACHED_STAGES).toBe(8);
    });
  });

  test('GIVEN keys loaded, cached, refused, failing with and without a previous map WHEN authorized THEN no key value and no token part reaches stdout or the console', async () => {
    // GIVEN
    const good = addKey(`${PREFIX}nakatomi-v1`);
    const disabled = addKey(`${PREFIX}nakatomi-v2`, { enabled: false });
    const neighbour = addKey(`${PREFIX}nakatomi2`);
    const elsewhere = endpoint.addKey(`${PREFIX}nakatomi-v3`);
    const authorize = authorizer();
    const tokens = [bearer({ tenant_id: 'nakatomi' }), bearer({ tenant_id: 'nakatomi', aud: 'other-api' }), bearer({ tenant_id: 'bad tenant' })];
    const failure: ApiKeysFailure = { kind: 'status', status: 500, errorType: 'InternalFailure', message: `internal error near ${good.value}` };

    // WHEN allowed, refused, denied, failing while the previous map is used, and failing without one
    await withMetricsNamespace(async () => {
      await authorize(event(tokens[0]));
      await failureOf(authorize(event(tokens[1])));
      await authorize(event(tokens[2]));
      endpoint.failWith(failure, 'GetApiKeys');
      clock.advance(300_000);
      await authorize(event(tokens[0]));
      clock.advance(3_600_000);
      await failureOf(authorize(event(tokens[0])));
    });

    // THEN
    const output = consoleOutput();
    expect(decisions().map((d) => d.decision ?? d.reason)).toEqual(['allow', 'unauthorized', 'deny', 'key-refresh-failed', 'allow', 'error']);
    expect(output).toContain(good.id);
    for (const secret of [good.value, disabled.value, neighbour.value, elsewhere.value]) expect(output).not.toContain(secret);
    for (const token of tokens) {
      for (const part of token.replace(/^Bearer /, '').split('.')) expect(output).not.toContain(part);
    }
  });

  test('GIVEN only the standard AWS variables WHEN the default directory reads keys and plans THEN it signs with the environment’s credentials and reaches AWS_ENDPOINT_URL_API_GATEWAY', async () => {
    // GIVEN what Lambda provides (region, credentials) and the SDK's endpoint variable
    const variables: Record<string, string | undefined> = {
      AWS_REGION: API_KEYS_REGION,
      AWS_ACCESS_KEY_ID: API_KEYS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: API_KEYS_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL_API_GATEWAY: endpoint.url,
    };
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    setVariables(variables);
    try {
      const key = addKey(`${PREFIX}vandelay`);
      const defaultDirectory = sdkApiKeyDirectory();

      // WHEN
      const plans = await defaultDirectory.plansOfStage({ apiId: API_ID, stage: STAGE });
      const ids = await defaultDirectory.keyIdsOfPlan(plan.id);
      const keys = await defaultDirectory.keysNamedLike(`${PREFIX}vandelay`);

      // THEN
      expect(plans).toEqual([plan.id]);
      expect(ids).toEqual([key.id]);
      expect(keys).toEqual([{ id: key.id, name: key.name, value: key.value, enabled: true, createdDate: key.createdDate * 1000 }]);
      expect(endpoint.requests.map((r) => r.signatureProblem)).toEqual([undefined, undefined, undefined]);
    } finally {
      setVariables(saved);
    }
  });
});

describe('tenantKeySettingsFromEnv', () => {
  test('GIVEN only KEY_NAME_PREFIX THEN the defaults are the tenant_id claim, 300 s of cache and 3,600 s of stale use', () => {
    expect(tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: 'catalog-prod-' })).toEqual({
      keyNamePrefix: 'catalog-prod-',
      tenantClaim: 'tenant_id',
      keyCacheSeconds: 300,
      keyStaleSeconds: 3600,
    });
  });

  test.each(['0', '3600', ' 60 '])('GIVEN KEY_CACHE_SECONDS=%j THEN it is accepted', (value) => {
    expect(tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: value }).keyCacheSeconds).toBe(Number(value));
  });

  test.each(['0', '86400', ' 600 '])('GIVEN KEY_STALE_SECONDS=%j THEN it is accepted', (value) => {
    expect(tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: 'p-', KEY_STALE_SECONDS: value }).keyStaleSeconds).toBe(Number(value));
  });

  test.each([
    [{}, /^KEY_NAME_PREFIX must be set/],
    [{ KEY_NAME_PREFIX: '  ' }, /^KEY_NAME_PREFIX must be set/],
    [{ KEY_NAME_PREFIX: ' p-' }, /^KEY_NAME_PREFIX must be set/],
    [{ KEY_NAME_PREFIX: 'p'.repeat(901) }, /^KEY_NAME_PREFIX must be set/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: '3601' }, /^KEY_CACHE_SECONDS must be a whole number of seconds from 0 to 3600 \(got "3601"\)$/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: '-1' }, /KEY_CACHE_SECONDS .*\(got "-1"\)/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: '1.5' }, /KEY_CACHE_SECONDS .*\(got "1.5"\)/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: 'soon' }, /KEY_CACHE_SECONDS .*\(got "soon"\)/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_STALE_SECONDS: '86401' }, /^KEY_STALE_SECONDS must be a whole number of seconds from 0 to 86400 \(got "86401"\)$/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_STALE_SECONDS: '-5' }, /KEY_STALE_SECONDS .*\(got "-5"\)/],
    [{ KEY_NAME_PREFIX: 'p-', KEY_STALE_SECONDS: '1h' }, /KEY_STALE_SECONDS .*\(got "1h"\)/],
  ])('GIVEN %j THEN it throws %s', (env, message) => {
    expect(() => tenantKeySettingsFromEnv(env)).toThrow(message);
  });
});

function key(id: string, name: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { id, name, value: `value-${id}`, enabled: true, createdDate: 0, ...overrides };
}

function setVariables(variables: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
