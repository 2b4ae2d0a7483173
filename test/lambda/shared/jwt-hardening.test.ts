/**
 * lambda/shared/jwt.ts under attack and under a failing IdP, against the real loopback HTTPS IdP of
 * test/support/jwks-server.ts. The key store's clock is a ManualClock: nothing sleeps in real time,
 * and every count asserted here follows from the store's rules, not from how fast this machine is.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  createJwtVerifier,
  JwksUnavailableError,
  jwtModuleStats,
  jwtSettingsFromEnv,
  MAX_CACHED_VERIFIERS,
  MAX_TOKEN_LENGTH,
  TokenRejectedError,
  verifyJwt,
} from '../../../lambda/shared/jwt';
import type { JwtSettings, JwtTokenVerifier, TokenRejectionReason } from '../../../lambda/shared/jwt';
import { eventually, ManualClock, startTestIdp, TEST_AUDIENCE, track, validClaims } from '../../support/jwks-server';
import type { JwksAnswer, TestIdp } from '../../support/jwks-server';

let idp: TestIdp;
let settings: JwtSettings;

beforeAll(async () => {
  idp = await startTestIdp();
  settings = { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] };
});
afterAll(() => idp.close());
beforeEach(() => {
  idp.answerWith({ kind: 'jwks' });
  idp.publish([idp.kid]);
});

function verifierWith(clock: ManualClock, overrides: Partial<JwtSettings> = {}): JwtTokenVerifier {
  return createJwtVerifier({ ...settings, ...overrides }, { jwksRequestOptions: { ca: idp.ca }, clock, jwksTimeoutMs: 500 });
}

/** A token nobody signed: right shape, any header and payload, a junk signature. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT', ...header })}.${part(payload)}.${Buffer.from('not a signature').toString('base64url')}`;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but it resolved');
    },
    (err: unknown) => err,
  );
}

async function rejectionReason(promise: Promise<unknown>): Promise<TokenRejectionReason> {
  const err = await failure(promise);
  expect(err).toBeInstanceOf(TokenRejectedError);
  return (err as TokenRejectedError).reason;
}

async function expectIdpFailure(promise: Promise<unknown>): Promise<JwksUnavailableError> {
  const err = await failure(promise);
  expect(err).not.toBeInstanceOf(TokenRejectedError);
  expect(err).toBeInstanceOf(JwksUnavailableError);
  return err as JwksUnavailableError;
}

describe('forged tokens cannot grow memory or reach the IdP', () => {
  test('GIVEN 5,000 forged tokens with unique 7 KB issuers and unique kids WHEN verified THEN each is an issuer rejection, the JWKS is never fetched and the key store stays empty', async () => {
    const verifier = verifierWith(new ManualClock());
    const before = idp.jwksRequests;

    for (let i = 0; i < 5000; i++) {
      const iss = `https://${randomUUID()}.example.com/${'x'.repeat(7000)}`;
      const token = forge({ kid: randomUUID() }, { ...validClaims(idp), iss });
      expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      const err = await verifier.verify(token).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TokenRejectedError);
      expect((err as TokenRejectedError).reason).toBe('issuer');
    }

    expect(idp.jwksRequests).toBe(before);
    expect(verifier.jwksStats()).toEqual({ keys: 0, keyObjects: 0, fetches: 0 });
  });

  test('GIVEN the keys are loaded WHEN 3,000 tokens name the published kid under unique 7 KB issuers THEN nothing is kept per issuer', async () => {
    const verifier = verifierWith(new ManualClock());
    await verifier.verify(idp.sign(validClaims(idp)));

    for (let i = 0; i < 3000; i++) {
      const iss = `https://${randomUUID()}.example.com/${'y'.repeat(7000)}`;
      expect(await rejectionReason(verifier.verify(forge({ kid: idp.kid }, { ...validClaims(idp), iss })))).toBe('issuer');
    }

    expect(verifier.jwksStats()).toEqual({ keys: 1, keyObjects: 1, fetches: 1 });
  });

  test('GIVEN a token longer than MAX_TOKEN_LENGTH WHEN verified THEN it is malformed and nothing is fetched', async () => {
    const verifier = verifierWith(new ManualClock());
    const before = idp.jwksRequests;
    const long = idp.sign(validClaims(idp, { pad: 'p'.repeat(MAX_TOKEN_LENGTH) }));
    const justFits = idp.sign(validClaims(idp, { pad: 'p'.repeat(7000) }));
    expect(long.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    expect(justFits.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);

    expect(await rejectionReason(verifier.verify(long))).toBe('malformed');
    expect(idp.jwksRequests).toBe(before);
    await expect(verifier.verify(justFits)).resolves.toMatchObject({ sub: 'user-123' });
  });

  test('GIVEN verifyJwt with 50 distinct settings WHEN called THEN at most MAX_CACHED_VERIFIERS verifiers are kept', async () => {
    const before = idp.jwksRequests;
    for (let i = 0; i < 50; i++) {
      const token = forge({ kid: randomUUID() }, { ...validClaims(idp), iss: 'https://someone-else.example.com' });
      expect(await rejectionReason(verifyJwt(token, { ...settings, audience: [`api-${i}`] }))).toBe('issuer');
    }

    expect(jwtModuleStats().verifiers).toBeLessThanOrEqual(MAX_CACHED_VERIFIERS);
    expect(idp.jwksRequests).toBe(before);
  });
});

describe('unknown kids: rate-limited refetches that real rotations survive', () => {
  test('GIVEN an attacker probed kid X just before the IdP publishes X WHEN a user presents a token signed with X THEN it verifies after a wait of at most 2 s', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    const next = idp.createKey();
    await verifier.verify(idp.sign(validClaims(idp)));
    clock.advance(5000);

    // The probe refetches (allowed: 5 s since the last fetch) and X is not there yet.
    expect(await rejectionReason(verifier.verify(forge({ kid: next }, validClaims(idp))))).toBe('signature');
    idp.publish([idp.kid, next]);
    clock.advance(100);

    const user = track(verifier.verify(idp.sign(validClaims(idp, { sub: 'alice' }), { key: next })));
    await eventually(() => user.settled || clock.sleeping > 0);
    expect(user.settled).toBe(false); // waiting for the next permitted fetch, not rejected
    expect(clock.longestSleep).toBeGreaterThan(0);
    expect(clock.longestSleep).toBeLessThanOrEqual(2000);
    clock.advance(clock.longestSleep);

    await expect(user.outcome).resolves.toMatchObject({ sub: 'alice' });
    expect(verifier.jwksStats().fetches).toBe(3);
  });

  test('GIVEN 1,000 simultaneous probes with random kids WHEN verified THEN they share one refetch and are all rejected', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    await verifier.verify(idp.sign(validClaims(idp)));
    const before = idp.jwksRequests;
    clock.advance(1);

    const probes = Array.from({ length: 1000 }, () => track(verifier.verify(forge({ kid: randomUUID() }, validClaims(idp)))));
    await eventually(() => clock.sleeping > 0);
    expect(clock.sleeping).toBe(1);
    clock.advance(clock.longestSleep);
    const outcomes = await Promise.all(probes.map((p) => p.outcome));

    expect(outcomes.every((e) => e instanceof TokenRejectedError && e.reason === 'signature')).toBe(true);
    expect(idp.jwksRequests - before).toBe(1);
  });

  test('GIVEN a flood of probes with random kids over time WHEN verified THEN fetches start at most once per 2 s and every probe is rejected', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    await verifier.verify(idp.sign(validClaims(idp)));
    const before = idp.jwksRequests;
    const start = clock.now();

    const probes: Array<ReturnType<typeof track>> = [];
    for (let i = 0; i < 200; i++) {
      clock.advance(50);
      probes.push(track(verifier.verify(forge({ kid: randomUUID() }, validClaims(idp)))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (let round = 0; round < 100 && !probes.every((p) => p.settled); round++) {
      await eventually(() => probes.every((p) => p.settled) || clock.sleeping > 0);
      clock.advance(clock.longestSleep);
    }
    const outcomes = await Promise.all(probes.map((p) => p.outcome));
    const elapsed = clock.now() - start;

    expect(outcomes.every((e) => e instanceof TokenRejectedError && e.reason === 'signature')).toBe(true);
    const fetches = idp.jwksRequests - before;
    expect(fetches).toBeGreaterThan(0);
    expect(fetches).toBeLessThanOrEqual(Math.floor(elapsed / 2000) + 1);
    expect(fetches).toBeLessThanOrEqual(10); // 200 probes over about 10 s of the clock
  });
});

describe('key set age: withdrawn keys stop verifying', () => {
  test('GIVEN a token signed by key A WHEN A is withdrawn from the JWKS THEN it verifies until the 600 s max age and is rejected after it', async () => {
    const clock = new ManualClock();
    const b = idp.createKey();
    idp.publish([idp.kid, b]);
    const verifier = verifierWith(clock);
    const signedByA = idp.sign(validClaims(idp));
    const before = idp.jwksRequests;
    await expect(verifier.verify(signedByA)).resolves.toMatchObject({ sub: 'user-123' });

    idp.publish([b]);
    clock.advance(599_000);
    await expect(verifier.verify(signedByA)).resolves.toMatchObject({ sub: 'user-123' });
    expect(idp.jwksRequests - before).toBe(1);

    clock.advance(1_000);
    expect(await rejectionReason(verifier.verify(signedByA))).toBe('signature');
    await expect(verifier.verify(idp.sign(validClaims(idp), { key: b }))).resolves.toMatchObject({ sub: 'user-123' });
    expect(idp.jwksRequests - before).toBe(2);
    expect(verifier.jwksStats()).toEqual({ keys: 1, keyObjects: 1, fetches: 2 });
  });

  test('GIVEN JWT_JWKS_MAX_AGE_SECONDS=60 WHEN 60 s pass THEN the key set is refetched', async () => {
    const clock = new ManualClock();
    const fromEnv = jwtSettingsFromEnv({
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: TEST_AUDIENCE,
      JWT_JWKS_URI: idp.jwksUri,
      JWT_JWKS_MAX_AGE_SECONDS: '60',
    });
    const verifier = createJwtVerifier(fromEnv, { jwksRequestOptions: { ca: idp.ca }, clock });
    const token = idp.sign(validClaims(idp));
    const before = idp.jwksRequests;
    await verifier.verify(token);

    clock.advance(59_999);
    await verifier.verify(token);
    expect(idp.jwksRequests - before).toBe(1);
    clock.advance(1);
    await verifier.verify(token);
    expect(idp.jwksRequests - before).toBe(2);
  });

  test.each([0, 59, 86_401, 1.5, Number.NaN])('GIVEN jwksMaxAgeSeconds %p WHEN a verifier is created THEN it throws', (seconds) => {
    expect(() => createJwtVerifier({ ...settings, jwksMaxAgeSeconds: seconds })).toThrow(/60 to 86400/);
  });
});

describe('IdP failures are server errors, never token rejections', () => {
  const cases: Array<[string, (idp: TestIdp) => JwksAnswer]> = [
    ['HTTP 503', () => ({ kind: 'status', status: 503 })],
    ['HTTP 500', () => ({ kind: 'status', status: 500 })],
    ['HTTP 404', () => ({ kind: 'status', status: 404 })],
    ['HTTP 302', () => ({ kind: 'status', status: 302 })],
    ['an HTML page', () => ({ kind: 'body', body: '<html>maintenance</html>' })],
    ['an empty body', () => ({ kind: 'body', body: '' })],
    ['an empty key set', () => ({ kind: 'body', body: '{"keys":[]}' })],
    ['no keys member', () => ({ kind: 'body', body: '{}' })],
    ['keys that is not an array', () => ({ kind: 'body', body: '{"keys":"none"}' })],
    ['a JSON array', () => ({ kind: 'body', body: '[]' })],
    ['keys without a kid', () => ({ kind: 'body', body: '{"keys":[{"kty":"RSA","n":"AAAA","e":"AQAB"}]}' })],
    ['only encryption keys', (p) => ({ kind: 'body', body: JSON.stringify({ keys: [{ kid: p.kid, kty: 'RSA', use: 'enc', n: 'AAAA', e: 'AQAB' }] }) })],
    ['101 keys', () => ({ kind: 'body', body: JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => ({ kid: `k${i}`, kty: 'RSA', n: 'AAAA', e: 'AQAB' })) }) })],
    ['a streamed body of 64 MB', () => ({ kind: 'stream', bytes: 64 * 1024 * 1024 })],
    ['a declared length of 10 MB', () => ({ kind: 'declared', bytes: 10 * 1024 * 1024 })],
    ['a reset connection', () => ({ kind: 'reset' })],
    ['no answer (timeout)', () => ({ kind: 'hang' })],
  ];

  test.each(cases)('GIVEN the JWKS answer is %s WHEN a valid token is verified THEN it fails with JwksUnavailableError', async (_case, answer) => {
    idp.answerWith(answer(idp));
    const streamedBefore = idp.streamedBytes;
    const verifier = verifierWith(new ManualClock());

    const err = await expectIdpFailure(verifier.verify(idp.sign(validClaims(idp))));

    expect(err.message).toMatch(/jwks/i);
    // An oversize answer is cut off, not read to the end (the server stops when the client does).
    expect(idp.streamedBytes - streamedBefore).toBeLessThan(32 * 1024 * 1024);
  });

  test.each([
    ['an RSA key with a 0-bit modulus', { kty: 'RSA', alg: 'RS256', use: 'sig', n: 'AAAA', e: 'AQAB' }],
    ['an RSA key of 1024 bits', { kty: 'RSA', alg: 'RS256', use: 'sig', n: Buffer.alloc(128, 0xff).toString('base64url'), e: 'AQAB' }],
    ['an EC key off its curve', { kty: 'EC', crv: 'P-256', use: 'sig', x: 'AAAA', y: 'AAAA' }],
  ])('GIVEN the JWKS publishes the token kid as %s WHEN verified THEN it fails with JwksUnavailableError', async (_case, jwk) => {
    idp.answerWith({ kind: 'body', body: JSON.stringify({ keys: [{ kid: 'broken', ...jwk }] }) });
    const verifier = verifierWith(new ManualClock());
    const alg = jwk.kty === 'EC' ? 'ES256' : 'RS256';

    const err = await expectIdpFailure(verifier.verify(idp.sign(validClaims(idp), { kid: 'broken', alg })));
    expect(err.message).toMatch(/JWKS publishes/);
  });

  test('GIVEN the JWKS port refuses connections WHEN a valid token is verified THEN it fails with JwksUnavailableError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const verifier = createJwtVerifier(
      { ...settings, jwksUri: `https://127.0.0.1:${port}/.well-known/jwks.json` },
      { jwksRequestOptions: { ca: idp.ca }, clock: new ManualClock() },
    );

    const err = await expectIdpFailure(verifier.verify(idp.sign(validClaims(idp))));
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  test('GIVEN a good key set WHEN refetches answer an empty set or other junk THEN known keys keep verifying, unknown kids fail as server errors, and a new key verifies once the IdP recovers', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    const valid = idp.sign(validClaims(idp));
    await verifier.verify(valid);

    const junk: JwksAnswer[] = [
      { kind: 'body', body: '{"keys":[]}' },
      { kind: 'status', status: 503 },
      { kind: 'body', body: 'not json' },
      { kind: 'body', body: '{"keys":[{"kty":"RSA"}]}' },
      { kind: 'stream', bytes: 8 * 1024 * 1024 },
    ];
    for (const answer of junk) {
      idp.answerWith(answer);
      clock.advance(2_500);
      await expectIdpFailure(verifier.verify(idp.sign(validClaims(idp), { kid: 'rotated-in-soon' })));
      await expect(verifier.verify(valid)).resolves.toMatchObject({ sub: 'user-123' });
    }
    expect(verifier.jwksStats()).toEqual({ keys: 1, keyObjects: 1, fetches: 1 + junk.length });

    const next = idp.createKey();
    idp.publish([idp.kid, next]);
    idp.answerWith({ kind: 'jwks' });
    clock.advance(2_500);
    await expect(verifier.verify(idp.sign(validClaims(idp), { key: next }))).resolves.toMatchObject({ sub: 'user-123' });
  });

  test('GIVEN a fetch just failed WHEN more requests need a fetch within 2 s THEN they fail at once without asking the IdP, and the IdP is asked again after 2 s', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    idp.answerWith({ kind: 'status', status: 503 });
    const token = idp.sign(validClaims(idp));
    const before = idp.jwksRequests;

    await expectIdpFailure(verifier.verify(token));
    clock.advance(1_999);
    await expectIdpFailure(verifier.verify(token));
    expect(idp.jwksRequests - before).toBe(1);

    idp.answerWith({ kind: 'jwks' });
    clock.advance(1);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-123' });
    expect(idp.jwksRequests - before).toBe(2);
  });

  test('GIVEN the key set is past its max age WHEN the IdP fails THEN valid tokens fail as server errors, not 401', async () => {
    const clock = new ManualClock();
    const verifier = verifierWith(clock);
    const token = idp.sign(validClaims(idp));
    await verifier.verify(token);

    idp.answerWith({ kind: 'status', status: 502 });
    clock.advance(600_000);
    await expectIdpFailure(verifier.verify(token));
  });
});

describe('absurd claims are token rejections, not crashes', () => {
  let ecKid: string;
  let verifier: JwtTokenVerifier;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(() => {
    ecKid = idp.createKey('ec');
  });
  beforeEach(() => {
    idp.publish([idp.kid, ecKid]);
    verifier = verifierWith(new ManualClock());
  });

  test.each([
    ['exp 1e308 (never expires)', 'invalid', { exp: 1e308 }],
    ['exp after the year 9999', 'invalid', { exp: 1e12 }],
    ['exp -1', 'invalid', { exp: -1 }],
    ['exp -1e308', 'invalid', { exp: -1e308 }],
    ['exp "soon"', 'malformed', { exp: 'soon' }],
    ['exp as an object', 'malformed', { exp: { at: now + 60 } }],
    ['exp as an array', 'malformed', { exp: [now + 60] }],
    ['exp true', 'malformed', { exp: true }],
    ['exp null', 'malformed', { exp: null }],
    ['nbf 1e308', 'invalid', { nbf: 1e308 }],
    ['nbf -1e308', 'invalid', { nbf: -1e308 }],
    ['nbf "now"', 'malformed', { nbf: 'now' }],
    ['iat 1e308', 'invalid', { iat: 1e308 }],
    ['iat -5', 'invalid', { iat: -5 }],
    ['iat as an object', 'malformed', { iat: {} }],
    ['sub as a number', 'malformed', { sub: 42 }],
    ['an empty sub', 'invalid', { sub: '' }],
    ['iss as an array', 'malformed', { iss: ['https://idp.example.com'] }],
    ['aud as an object', 'malformed', { aud: { value: TEST_AUDIENCE } }],
    ['1,000 audiences, none accepted', 'audience', { aud: Array.from({ length: 1000 }, (_, i) => `${i}`) }],
    ['an audience list with a number', 'malformed', { aud: [TEST_AUDIENCE, 1] }],
  ] as Array<[string, TokenRejectionReason, Record<string, unknown>]>)(
    'GIVEN a signed token with %s WHEN verified THEN it is rejected as %s',
    async (_case, reason, overrides) => {
      const token = idp.sign(validClaims(idp, overrides));
      expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(await rejectionReason(verifier.verify(token))).toBe(reason);
    },
  );

  test.each([
    ['nbf Infinity (1e999)', 'malformed', (p: TestIdp) => withRaw(p, '"nbf":1e999')],
    ['exp -Infinity (-1e999)', 'malformed', (p: TestIdp) => withRaw(p, '"exp":-1e999')],
    ['a payload that is an array', 'malformed', (p: TestIdp) => p.signRaw('[1,2,3]')],
    ['a payload that is a number', 'malformed', (p: TestIdp) => p.signRaw('1')],
    ['a payload that is not JSON', 'malformed', (p: TestIdp) => p.signRaw('{"exp":')],
    ['claims nested 3,000 deep', 'malformed', (p: TestIdp) => withRaw(p, `"deep":${'['.repeat(3000)}${']'.repeat(3000)}`)],
    ['a kid that is a number', 'malformed', (p: TestIdp) => forgeSigned(p, { kid: 7 })],
    ['no kid', 'malformed', (p: TestIdp) => forgeSigned(p, { kid: undefined })],
    ['alg none', 'signature', (p: TestIdp) => p.sign(validClaims(p), { alg: 'none' })],
    ['alg HS256', 'signature', (p: TestIdp) => p.sign(validClaims(p), { alg: 'HS256' })],
    ['alg ES256 with an RSA key', 'signature', (p: TestIdp) => p.sign(validClaims(p), { alg: 'ES256' })],
    ['alg RS256 with an EC key', 'signature', (p: TestIdp) => p.sign(validClaims(p), { key: ecKid, alg: 'RS256' })],
    ['a truncated ECDSA signature', 'signature', (p: TestIdp) => p.sign(validClaims(p), { key: ecKid, mangleSignature: (s) => s.subarray(0, 10) })],
    ['an empty-looking RSA signature', 'signature', (p: TestIdp) => p.sign(validClaims(p), { mangleSignature: () => Buffer.from([0]) })],
  ] as Array<[string, TokenRejectionReason, (p: TestIdp) => string]>)(
    'GIVEN a token with %s WHEN verified THEN it is rejected as %s',
    async (_case, reason, make) => {
      const token = make(idp);
      expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(await rejectionReason(verifier.verify(token))).toBe(reason);
    },
  );

  test('GIVEN 1,000 audiences with the accepted one last, or claims nested 500 deep WHEN verified THEN the token is accepted', async () => {
    const audiences = [...Array.from({ length: 1000 }, (_, i) => `${i}`), TEST_AUDIENCE];
    await expect(verifier.verify(idp.sign(validClaims(idp, { aud: audiences })))).resolves.toMatchObject({ sub: 'user-123' });
    await expect(verifier.verify(withRaw(idp, `"deep":${'['.repeat(500)}${']'.repeat(500)}`))).resolves.toMatchObject({ sub: 'user-123' });
  });

  test('GIVEN an ES256 token from a published EC key WHEN verified THEN it is accepted', async () => {
    await expect(verifier.verify(idp.sign(validClaims(idp, { sub: 'ec-user' }), { key: ecKid }))).resolves.toMatchObject({ sub: 'ec-user' });
  });

  /** A signed token whose payload is validClaims plus `extra` JSON members, written verbatim. */
  function withRaw(p: TestIdp, extra: string): string {
    const json = JSON.stringify(validClaims(p));
    return p.signRaw(`${json.slice(0, -1)},${extra}}`);
  }

  /** A token signed by the IdP's key with a hand-made header. */
  function forgeSigned(p: TestIdp, header: Record<string, unknown>): string {
    const signed = p.sign(validClaims(p));
    const [, payload, signature] = signed.split('.');
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', ...header })).toString('base64url');
    return `${h}.${payload}.${signature}`;
  }
});
