import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import {
  AuthorizerFailure,
  createTenantKeyAuthorizer,
  KEY_CACHE_MAX_TENANTS,
  sdkApiKeyDirectory,
  selectTenantKey,
  tenantKeySettingsFromEnv,
} from '../../../lambda/authorizers/tenant-key-authorizer';
import type { ApiKeyLookupTimeouts, ApiKeyRecord, TenantKeyAuthorizerHandler, TenantKeyAuthorizerOptions } from '../../../lambda/authorizers/tenant-key-authorizer';
import { createJwtVerifier, MAX_TOKEN_LENGTH } from '../../../lambda/shared/jwt';
import type { JwtTokenVerifier } from '../../../lambda/shared/jwt';
import { API_KEYS_CREDENTIALS, API_KEYS_REGION, startApiKeysEndpoint } from '../../support/api-keys-endpoint';
import type { ApiKeysEndpoint, ApiKeysFailure } from '../../support/api-keys-endpoint';
import { ManualClock, startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import type { JwksAnswer, TestIdp } from '../../support/jwks-server';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/items/42';
const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*';
const PREFIX = 'catalog-prod-';
const SETTINGS = { keyNamePrefix: PREFIX, tenantClaim: 'tenant_id', keyCacheSeconds: 300 };
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

function event(authorizationToken: string): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn: METHOD_ARN };
}

function allowed(sub: string, tenant: string, key: string) {
  return {
    principalId: sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_ARN }] },
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
    endpoint.failWith(undefined);
    endpoint.clearRequests();
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

  function authorizer(options: TenantKeyAuthorizerOptions = {}): TenantKeyAuthorizerHandler {
    return createTenantKeyAuthorizer({ verifier, directory: directory(), settings: SETTINGS, now: clock.now, ...options });
  }

  function bearer(claims: Record<string, unknown>): string {
    return `Bearer ${idp.sign(validClaims(idp, { sub: 'alice', ...claims }))}`;
  }

  /** Everything written to the console, one string. */
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
    test('GIVEN a tenant with keys v1 and v2 enabled WHEN a valid token is authorized THEN the stage is allowed with the v2 value as usage identifier, from a signed GetApiKeys', async () => {
      // GIVEN
      endpoint.addKey(`${PREFIX}acme-v1`);
      const v2 = endpoint.addKey(`${PREFIX}acme-v2`);

      // WHEN
      const result = await authorizer()(event(bearer({ tenant_id: 'acme' })));

      // THEN the whole stage, the tenant in the context, the newest key
      expect(result).toEqual(allowed('alice', 'acme', v2.value));
      // AND one GetApiKeys for the tenant's name, with values, signed for apigateway in the region
      expect(endpoint.requests).toEqual([
        {
          method: 'GET',
          path: '/apikeys',
          query: { name: `${PREFIX}acme`, includeValues: 'true', limit: '500' },
          authorization: expect.stringMatching(
            new RegExp(`^AWS4-HMAC-SHA256 Credential=${API_KEYS_CREDENTIALS.accessKeyId}/\\d{8}/${API_KEYS_REGION}/apigateway/aws4_request, `),
          ),
          signatureProblem: undefined,
        },
      ]);
      // AND the decision names the tenant and the key id
      expect(decisions()).toEqual([
        expect.objectContaining({ level: 'INFO', decision: 'allow', sub: 'alice', tenant: 'acme', keyId: v2.id, cache: 'miss', methodArn: METHOD_ARN }),
      ]);
    });

    test('GIVEN the newest version is disabled WHEN authorized THEN the older enabled version is used', async () => {
      const v1 = endpoint.addKey(`${PREFIX}hooli-v1`);
      endpoint.addKey(`${PREFIX}hooli-v2`, { enabled: false });

      const result = await authorizer()(event(bearer({ tenant_id: 'hooli' })));

      expect(result.usageIdentifierKey).toBe(v1.value);
    });

    test('GIVEN keys of other tenants sharing the name prefix, and badly versioned names WHEN authorized THEN only the tenant’s own name or name-v<n> counts, unversioned below v1', async () => {
      // GIVEN GetApiKeys' prefix match also returns all of these for `catalog-prod-globex`
      endpoint.addKey(`${PREFIX}globex`);
      const v1 = endpoint.addKey(`${PREFIX}globex-v1`);
      for (const neighbour of ['globex2-v9', 'globexcorp', 'globex.eu-v3', 'globex-v02', 'globex-v3x', 'globex-v', 'globex-V4', 'globex-v1-old']) {
        endpoint.addKey(`${PREFIX}${neighbour}`);
      }

      const result = await authorizer()(event(bearer({ tenant_id: 'globex' })));

      expect(result.usageIdentifierKey).toBe(v1.value);
    });

    test('GIVEN only an unversioned key WHEN authorized THEN it is used', async () => {
      const key = endpoint.addKey(`${PREFIX}initech`);

      const result = await authorizer()(event(bearer({ tenant_id: 'initech' })));

      expect(result.usageIdentifierKey).toBe(key.value);
    });

    test('GIVEN more than one page of keys match the name prefix WHEN authorized THEN every page is read', async () => {
      // GIVEN 600 keys of tenants umbrella0..umbrella599 before the tenant's own key
      for (let i = 0; i < 600; i++) endpoint.addKey(`${PREFIX}umbrella${i}`);
      const own = endpoint.addKey(`${PREFIX}umbrella-v2`);

      // WHEN
      const result = await authorizer()(event(bearer({ tenant_id: 'umbrella' })));

      // THEN the key from the second page
      expect(result.usageIdentifierKey).toBe(own.value);
      expect(endpoint.requests.map((r) => r.query)).toEqual([
        { name: `${PREFIX}umbrella`, includeValues: 'true', limit: '500' },
        { name: `${PREFIX}umbrella`, includeValues: 'true', limit: '500', position: expect.any(String) },
      ]);
      expect(endpoint.requests.every((r) => r.signatureProblem === undefined)).toBe(true);
    });

    test.each([
      ['the highest version', [key('a', 'p-t-v1'), key('b', 'p-t-v10'), key('c', 'p-t-v9')], 'b'],
      ['an enabled key over a disabled higher one', [key('a', 'p-t-v1'), key('b', 'p-t-v2', { enabled: false })], 'a'],
      ['the newest of two keys of one name', [key('a', 'p-t-v2', { createdDate: 2 }), key('b', 'p-t-v2', { createdDate: 1 })], 'a'],
      ['the greatest id of two keys of one name and date', [key('b', 'p-t-v2'), key('c', 'p-t-v2'), key('a', 'p-t-v2')], 'c'],
      ['no key without a value', [key('a', 'p-t-v1'), key('b', 'p-t-v2', { value: '' })], 'a'],
      ['nothing when no name fits', [key('a', 'p-tx'), key('b', 'p-t-v0'), key('c', 'p-t-')], undefined],
    ])('GIVEN keys WHEN selecting THEN it takes %s', (_case, keys, expected) => {
      expect(selectTenantKey('p-t', keys)?.id).toBe(expected);
    });
  });

  describe('refusals that are the caller’s', () => {
    test('GIVEN a tenant without keys WHEN two requests are authorized THEN both are Unauthorized from one lookup, and the tenant is looked up again after 60 s', async () => {
      const authorize = authorizer();

      // WHEN
      const first = await failureOf(authorize(event(bearer({ tenant_id: 'nobody' }))));
      const second = await failureOf(authorize(event(bearer({ tenant_id: 'nobody' }))));

      // THEN
      expect(first).toEqual(new Error('Unauthorized'));
      expect(second).toEqual(new Error('Unauthorized'));
      expect(endpoint.lookups).toBe(1);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'nobody', cache: 'miss' }),
        expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'nobody', cache: 'negative-hit' }),
      ]);
      // AND a key created meanwhile is found once the 60 s are over
      const created = endpoint.addKey(`${PREFIX}nobody`);
      clock.advance(59_999);
      await expect(authorize(event(bearer({ tenant_id: 'nobody' })))).rejects.toThrow(/^Unauthorized$/);
      expect(endpoint.lookups).toBe(1);
      clock.advance(1);
      await expect(authorize(event(bearer({ tenant_id: 'nobody' })))).resolves.toEqual(allowed('alice', 'nobody', created.value));
      expect(endpoint.lookups).toBe(2);
    });

    test('GIVEN a tenant whose keys are all disabled WHEN authorized THEN Unauthorized, counting no error', async () => {
      endpoint.addKey(`${PREFIX}dormant-v1`, { enabled: false });

      await withMetricsNamespace(async () => {
        await expect(authorizer()(event(bearer({ tenant_id: 'dormant' })))).rejects.toThrow(/^Unauthorized$/);
      });

      expect(decisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'no-key', tenant: 'dormant' })]);
      expect(decisions()[0]).not.toHaveProperty('AuthorizerErrors');
    });

    test('GIVEN a known tenant and a burst of unknown ones WHEN authorized THEN the unknown ones do not evict the known one', async () => {
      const known = endpoint.addKey(`${PREFIX}stark`);
      const authorize = authorizer({ maxCachedTenants: 2 });
      await authorize(event(bearer({ tenant_id: 'stark' })));

      for (const stranger of ['s1', 's2', 's3', 's4']) {
        await expect(authorize(event(bearer({ tenant_id: stranger })))).rejects.toThrow(/^Unauthorized$/);
      }
      endpoint.clearRequests();

      await expect(authorize(event(bearer({ tenant_id: 'stark' })))).resolves.toEqual(allowed('alice', 'stark', known.value));
      expect(endpoint.lookups).toBe(0);
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
    ])('GIVEN a tenant claim with %s WHEN authorized THEN an explicit Deny (403) without any lookup, the claim not logged', async (_case, claim) => {
      const result = await authorizer()(event(bearer({ tenant_id: claim })));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.lookups).toBe(0);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-invalid', sub: 'alice' })]);
      expect(decisions()[0]).not.toHaveProperty('tenant');
    });

    test('GIVEN no tenant claim WHEN authorized THEN an explicit Deny without any lookup', async () => {
      const result = await authorizer()(event(bearer({})));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.lookups).toBe(0);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-missing' })]);
    });

    test('GIVEN a tenant id ending in -v<n> WHEN authorized THEN Deny: its key name would read as a version of another tenant’s key', async () => {
      // GIVEN tenant `wayne`'s version 2 and a would-be tenant `wayne-v2`
      endpoint.addKey(`${PREFIX}wayne-v2`);

      const result = await authorizer()(event(bearer({ tenant_id: 'wayne-v2' })));

      expect(result).toEqual(denied('alice'));
      expect(endpoint.lookups).toBe(0);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'tenant-ambiguous', tenant: 'wayne-v2' })]);
    });

    test('GIVEN TENANT_CLAIM names another claim WHEN authorized THEN the tenant comes from that claim', async () => {
      const key = endpoint.addKey(`${PREFIX}cyberdyne`);
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
    ])('GIVEN %s WHEN authorized THEN Unauthorized (401) without any lookup or error count', async (_case, header, reason) => {
      await withMetricsNamespace(async () => {
        await expect(authorizer()(event(header()))).rejects.toThrow(/^Unauthorized$/);
      });

      expect(endpoint.lookups).toBe(0);
      expect(decisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason })]);
      expect(decisions()[0]).not.toHaveProperty('AuthorizerErrors');
    });

    test('GIVEN a valid token without a required scope WHEN authorized THEN an explicit Deny without any lookup', async () => {
      const result = await authorizer()(event(bearer({ tenant_id: 'acme', scope: 'profile' })));

      expect(result).toEqual(denied('insufficient-scope'));
      expect(endpoint.lookups).toBe(0);
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
        expect(endpoint.lookups).toBe(0);
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
      'GIVEN GetApiKeys %s WHEN authorized THEN a 500 failure, counting AuthorizerErrors, and nothing is remembered',
      async (_case, failure, error, attempts) => {
        // GIVEN
        const key = endpoint.addKey(`${PREFIX}oscorp`);
        endpoint.failWith(failure);
        const authorize = authorizer();

        // WHEN
        const outcome = await withMetricsNamespace(() => failureOf(authorize(event(bearer({ tenant_id: 'oscorp' })))));

        // THEN at most two attempts, then 401 and an error count
        expect(outcome).toBeInstanceOf(AuthorizerFailure);
        expect(endpoint.lookups).toBe(attempts);
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
        // AND the next request, once GetApiKeys works, looks the tenant up again
        endpoint.failWith(undefined);
        await expect(authorize(event(bearer({ tenant_id: 'oscorp' })))).resolves.toEqual(allowed('alice', 'oscorp', key.value));
      },
    );

    test('GIVEN GetApiKeys does not answer WHEN authorized THEN a 500 failure once the request times out', async () => {
      endpoint.addKey(`${PREFIX}tyrell`);
      endpoint.failWith({ kind: 'hang' });
      const authorize = authorizer({ directory: directory({ requestMs: 200 }) });
      const started = Date.now();

      await expect(authorize(event(bearer({ tenant_id: 'tyrell' })))).rejects.toBeInstanceOf(AuthorizerFailure);

      // Two attempts of 200 ms and a retry delay; the default is two of 3 s.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(endpoint.lookups).toBe(2);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'error', reason: 'key-lookup-failed', error: expect.objectContaining({ name: 'TimeoutError' }) }),
      ]);
    });

    test('GIVEN no KEY_NAME_PREFIX in the environment WHEN authorized THEN a 500 failure, counting AuthorizerErrors, without verifying or looking up', async () => {
      const authorize = createTenantKeyAuthorizer({ verifier, directory: directory() });

      const failure = await withMetricsNamespace(() => failureOf(authorize(event(bearer({ tenant_id: 'acme' })))));

      expect(failure).toBeInstanceOf(AuthorizerFailure);
      expect(endpoint.lookups).toBe(0);
      expect(decisions()).toEqual([
        expect.objectContaining({ decision: 'error', reason: 'configuration', error: expect.objectContaining({ message: expect.stringMatching(/^KEY_NAME_PREFIX must be set/) }), AuthorizerErrors: 1 }),
      ]);
    });
  });

  describe('caching', () => {
    test('GIVEN a found key WHEN the tenant comes back within KEY_CACHE_SECONDS THEN no request is made, and after it a rotated key is picked up', async () => {
      const v1 = endpoint.addKey(`${PREFIX}wonka-v1`);
      const authorize = authorizer({ settings: { ...SETTINGS, keyCacheSeconds: 300 } });
      await authorize(event(bearer({ tenant_id: 'wonka' })));

      // WHEN a new version appears, and requests come 1 s and 299.999 s later
      const v2 = endpoint.addKey(`${PREFIX}wonka-v2`);
      clock.advance(1000);
      const hit = await authorize(event(bearer({ tenant_id: 'wonka', sub: 'bob' })));
      clock.advance(298_999);
      const lastHit = await authorize(event(bearer({ tenant_id: 'wonka' })));

      // THEN the cached key, one request in all
      expect(hit).toEqual(allowed('bob', 'wonka', v1.value));
      expect(lastHit.usageIdentifierKey).toBe(v1.value);
      expect(endpoint.lookups).toBe(1);
      expect(decisions().map((d) => d.cache)).toEqual(['miss', 'hit', 'hit']);

      // AND at 300 s the tenant is looked up again and gets v2
      clock.advance(1);
      const refreshed = await authorize(event(bearer({ tenant_id: 'wonka' })));
      expect(refreshed.usageIdentifierKey).toBe(v2.value);
      expect(endpoint.lookups).toBe(2);
    });

    test('GIVEN KEY_CACHE_SECONDS=0 WHEN a tenant comes back THEN every request looks the key up', async () => {
      endpoint.addKey(`${PREFIX}soylent`);
      const authorize = authorizer({ settings: tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: PREFIX, KEY_CACHE_SECONDS: '0' }) });

      await authorize(event(bearer({ tenant_id: 'soylent' })));
      await authorize(event(bearer({ tenant_id: 'soylent' })));

      expect(endpoint.lookups).toBe(2);
    });

    test('GIVEN a bound of 2 tenants WHEN a third is cached THEN the least recently used one is evicted', async () => {
      for (const tenant of ['t1', 't2', 't3']) endpoint.addKey(`${PREFIX}${tenant}`);
      const authorize = authorizer({ maxCachedTenants: 2 });
      const visit = (tenant: string) => authorize(event(bearer({ tenant_id: tenant })));

      // WHEN t1, t2, t1 again (now the most recent), then t3 evicts t2
      await visit('t1');
      await visit('t2');
      await visit('t1');
      await visit('t3');
      expect(endpoint.lookups).toBe(3);

      // THEN t1 and t3 are still cached, t2 is looked up again
      await visit('t1');
      await visit('t3');
      expect(endpoint.lookups).toBe(3);
      await visit('t2');
      expect(endpoint.lookups).toBe(4);
      expect(endpoint.requests.map((r) => r.query.name)).toEqual([`${PREFIX}t1`, `${PREFIX}t2`, `${PREFIX}t3`, `${PREFIX}t2`]);
    });

    test('GIVEN the default bound THEN it is 1,000 tenants', () => {
      expect(KEY_CACHE_MAX_TENANTS).toBe(1000);
    });

    test('GIVEN concurrent requests of one uncached tenant WHEN authorized THEN they share one lookup', async () => {
      const key = endpoint.addKey(`${PREFIX}massive`);
      const authorize = authorizer();

      const results = await Promise.all([1, 2, 3, 4, 5].map(() => authorize(event(bearer({ tenant_id: 'massive' })))));

      expect(results.map((r) => r.usageIdentifierKey)).toEqual(Array(5).fill(key.value));
      expect(endpoint.lookups).toBe(1);
    });
  });

  test('GIVEN keys looked up, cached, refused and failing WHEN authorized THEN no key value and no token part reaches the console', async () => {
    // GIVEN
    const good = endpoint.addKey(`${PREFIX}nakatomi-v1`);
    const disabled = endpoint.addKey(`${PREFIX}nakatomi-v2`, { enabled: false });
    const neighbour = endpoint.addKey(`${PREFIX}nakatomi2`);
    const authorize = authorizer({ settings: { ...SETTINGS, keyCacheSeconds: 0 } });
    const tokens = [bearer({ tenant_id: 'nakatomi' }), bearer({ tenant_id: 'nakatomi', aud: 'other-api' }), bearer({ tenant_id: 'bad tenant' })];

    // WHEN allowed, refused, denied, and failing with an error message that carries a key value
    await withMetricsNamespace(async () => {
      await authorize(event(tokens[0]));
      await failureOf(authorize(event(tokens[1])));
      await authorize(event(tokens[2]));
      endpoint.failWith({ kind: 'status', status: 500, errorType: 'InternalFailure', message: `internal error near ${good.value}` });
      await failureOf(authorize(event(tokens[0])));
    });

    // THEN
    const output = consoleOutput();
    expect(decisions().map((d) => d.decision)).toEqual(['allow', 'unauthorized', 'deny', 'error']);
    expect(output).toContain(good.id);
    for (const secret of [good.value, disabled.value, neighbour.value]) expect(output).not.toContain(secret);
    for (const token of tokens) {
      for (const part of token.replace(/^Bearer /, '').split('.')) expect(output).not.toContain(part);
    }
  });

  test('GIVEN only the standard AWS variables WHEN the default directory looks keys up THEN it signs with the environment’s credentials and reaches AWS_ENDPOINT_URL_API_GATEWAY', async () => {
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
      const key = endpoint.addKey(`${PREFIX}vandelay`);

      // WHEN
      const keys = await sdkApiKeyDirectory().keysNamedLike(`${PREFIX}vandelay`);

      // THEN
      expect(keys).toEqual([{ id: key.id, name: key.name, value: key.value, enabled: true, createdDate: key.createdDate * 1000 }]);
      expect(endpoint.requests.map((r) => r.signatureProblem)).toEqual([undefined]);
    } finally {
      setVariables(saved);
    }
  });
});

describe('tenantKeySettingsFromEnv', () => {
  test('GIVEN only KEY_NAME_PREFIX THEN the defaults are the tenant_id claim and 300 s', () => {
    expect(tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: 'catalog-prod-' })).toEqual({
      keyNamePrefix: 'catalog-prod-',
      tenantClaim: 'tenant_id',
      keyCacheSeconds: 300,
    });
  });

  test.each(['0', '3600', ' 60 '])('GIVEN KEY_CACHE_SECONDS=%j THEN it is accepted', (value) => {
    expect(tenantKeySettingsFromEnv({ KEY_NAME_PREFIX: 'p-', KEY_CACHE_SECONDS: value }).keyCacheSeconds).toBe(Number(value));
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
