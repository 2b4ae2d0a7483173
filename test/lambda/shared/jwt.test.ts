import {
  bearerToken,
  createJwtVerifier,
  jwtSettingsFromEnv,
  TokenRejectedError,
  verifyJwt,
} from '../../../lambda/shared/jwt';
import type { JwtSettings, TokenVerifier } from '../../../lambda/shared/jwt';
import { startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import type { TestIdp } from '../../support/jwks-server';

describe('jwtSettingsFromEnv', () => {
  test('GIVEN issuer and audience only WHEN read THEN the JWKS URI is derived and no scopes are required', () => {
    const settings = jwtSettingsFromEnv({ JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'api' });

    expect(settings).toEqual({
      issuer: 'https://idp.example.com/',
      audience: ['api'],
      jwksUri: 'https://idp.example.com/.well-known/jwks.json',
      requiredScopes: [],
    });
  });

  test('GIVEN every variable WHEN read THEN lists are split and trimmed', () => {
    const settings = jwtSettingsFromEnv({
      JWT_ISSUER: 'https://idp.example.com',
      JWT_AUDIENCE: ' api , web ,',
      JWT_JWKS_URI: 'https://keys.example.com/jwks',
      JWT_REQUIRED_SCOPES: 'items/read, items/write  admin',
    });

    expect(settings).toEqual({
      issuer: 'https://idp.example.com',
      audience: ['api', 'web'],
      jwksUri: 'https://keys.example.com/jwks',
      requiredScopes: ['items/read', 'items/write', 'admin'],
    });
  });

  test.each([
    ['120', 120],
    [' 3600 ', 3600],
    ['60', 60],
    ['86400', 86400],
  ])('GIVEN JWT_JWKS_MAX_AGE_SECONDS=%p WHEN read THEN the key set max age is %p seconds', (value, seconds) => {
    const settings = jwtSettingsFromEnv({ JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: 'api', JWT_JWKS_MAX_AGE_SECONDS: value });

    expect(settings.jwksMaxAgeSeconds).toBe(seconds);
  });

  test.each(['59', '0', '86401', '-60', '1.5', '1e3', '600s', 'ten minutes', '99999999999999999999'])(
    'GIVEN JWT_JWKS_MAX_AGE_SECONDS=%p WHEN read THEN it throws naming the variable and its bounds',
    (value) => {
      expect(() =>
        jwtSettingsFromEnv({ JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: 'api', JWT_JWKS_MAX_AGE_SECONDS: value }),
      ).toThrow(/JWT_JWKS_MAX_AGE_SECONDS must be a whole number of seconds from 60 to 86400/);
    },
  );

  test.each([
    ['JWT_ISSUER is missing', { JWT_AUDIENCE: 'api' }, /JWT_ISSUER/],
    ['JWT_ISSUER is blank', { JWT_ISSUER: '  ', JWT_AUDIENCE: 'api' }, /JWT_ISSUER/],
    ['JWT_AUDIENCE is missing', { JWT_ISSUER: 'https://idp.example.com' }, /JWT_AUDIENCE/],
    ['JWT_AUDIENCE has no entry', { JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: ' , ' }, /JWT_AUDIENCE/],
    ['the JWKS URI is not HTTPS', { JWT_ISSUER: 'http://idp.example.com', JWT_AUDIENCE: 'api' }, /https:\/\//],
    [
      'JWT_JWKS_URI is not HTTPS',
      { JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: 'api', JWT_JWKS_URI: 'http://keys.example.com' },
      /JWT_JWKS_URI/,
    ],
  ])('GIVEN %s WHEN read THEN it throws naming the problem', (_case, env, message) => {
    expect(() => jwtSettingsFromEnv(env)).toThrow(message);
  });
});

describe('bearerToken', () => {
  test.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi  ', 'abc.def.ghi'],
    ['Basic dXNlcjpwdw==', undefined],
    ['abc.def.ghi', undefined],
    ['Bearer ', undefined],
    ['Bearer a b', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('GIVEN header %p THEN the token is %p', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

describe('createJwtVerifier against a loopback HTTPS IdP', () => {
  let idp: TestIdp;
  let settings: JwtSettings;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    idp = await startTestIdp();
    settings = { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] };
    verifier = createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca } });
  });
  afterAll(() => idp.close());

  async function rejection(promise: Promise<unknown>): Promise<TokenRejectedError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TokenRejectedError);
    return err as TokenRejectedError;
  }

  test('GIVEN a valid token WHEN verified THEN the identity carries sub, issuer, scopes and claims', async () => {
    const token = idp.sign(validClaims(idp, { scope: 'items/read items/write', scp: ['admin', 'items/read'] }));

    const identity = await verifier.verify(token);

    expect(identity.sub).toBe('user-123');
    expect(identity.issuer).toBe(idp.issuer);
    expect(identity.scopes).toEqual(['items/read', 'items/write', 'admin']);
    expect(identity.claims.aud).toBe(TEST_AUDIENCE);
  });

  test('GIVEN several verifications WHEN the key is known THEN the JWKS is fetched once', async () => {
    const before = idp.jwksRequests;
    const fresh = createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca } });

    await fresh.verify(idp.sign(validClaims(idp)));
    await fresh.verify(idp.sign(validClaims(idp)));

    expect(idp.jwksRequests - before).toBe(1);
  });

  test.each([
    ['no token', undefined, 'missing'],
    ['an empty token', '', 'missing'],
    ['a token that is not a JWT', 'abc', 'malformed'],
  ] as const)('GIVEN %s WHEN verified THEN it is rejected with the matching reason', async (_case, token, reason) => {
    expect((await rejection(verifier.verify(token))).reason).toBe(reason);
  });

  test('GIVEN a token without exp WHEN verified THEN it is rejected as invalid', async () => {
    const err = await rejection(verifier.verify(idp.sign(validClaims(idp, { exp: undefined }))));
    expect(err.reason).toBe('invalid');
  });

  test('GIVEN a token without sub WHEN verified THEN it is rejected as invalid', async () => {
    const err = await rejection(verifier.verify(idp.sign(validClaims(idp, { sub: undefined }))));
    expect(err.reason).toBe('invalid');
  });

  test('GIVEN required scopes WHEN the token has one of them in scp only THEN it passes', async () => {
    const scoped = createJwtVerifier(
      { ...settings, requiredScopes: ['items/write', 'admin'] },
      { jwksRequestOptions: { ca: idp.ca } },
    );

    const identity = await scoped.verify(idp.sign(validClaims(idp, { scope: undefined, scp: 'admin' })));

    expect(identity.scopes).toEqual(['admin']);
  });

  test('GIVEN required scopes WHEN the token has none of them THEN it is rejected as scope', async () => {
    const scoped = createJwtVerifier(
      { ...settings, requiredScopes: ['items/write', 'admin'] },
      { jwksRequestOptions: { ca: idp.ca } },
    );

    const err = await rejection(scoped.verify(idp.sign(validClaims(idp, { scope: 'items/read' }))));

    expect(err.reason).toBe('scope');
  });

  test('GIVEN a rejected token WHEN the error is read THEN it does not contain token contents', async () => {
    const token = idp.sign(validClaims(idp, { iss: 'https://secret-issuer.example.com' }));

    const err = await rejection(verifier.verify(token));

    expect(err.reason).toBe('issuer');
    expect(err.message).toBe('Token rejected: issuer');
  });

  test('GIVEN the default trust store WHEN the JWKS has a self-signed certificate THEN verification fails as a server error, not a token rejection', async () => {
    const err = await verifyJwt(idp.sign(validClaims(idp)), settings).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TokenRejectedError);
  });
});
