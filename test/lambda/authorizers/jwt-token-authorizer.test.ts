import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createJwtTokenAuthorizer, stageWildcardArn } from '../../../lambda/authorizers/jwt-token-authorizer';
import type { TokenAuthorizerHandler } from '../../../lambda/authorizers/jwt-token-authorizer';
import { createJwtVerifier, JwksUnavailableError } from '../../../lambda/shared/jwt';
import { ManualClock, startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import type { JwksAnswer, TestIdp } from '../../support/jwks-server';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/items/42';
const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*';

function event(authorizationToken: string): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn: METHOD_ARN };
}

function statementOf(result: APIGatewayAuthorizerResult): unknown {
  return result.policyDocument.Statement;
}

describe('JWT TOKEN authorizer', () => {
  let idp: TestIdp;
  let authorize: TokenAuthorizerHandler;
  let logs: jest.SpyInstance;

  beforeAll(async () => {
    idp = await startTestIdp();
    const verifier = createJwtVerifier(
      { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: ['items/read', 'items/write'] },
      { jwksRequestOptions: { ca: idp.ca } },
    );
    authorize = createJwtTokenAuthorizer(verifier);
  });
  afterAll(() => idp.close());
  beforeEach(() => {
    logs = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => logs.mockRestore());

  function loggedDecisions(): Array<Record<string, unknown>> {
    return logs.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
  }

  test('GIVEN a valid token with a required scope WHEN authorized THEN the whole stage is allowed for its subject', async () => {
    const token = idp.sign(validClaims(idp, { sub: 'alice', scope: 'profile items/read' }));

    const result = await authorize(event(`Bearer ${token}`));

    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_ARN }],
      },
      context: { sub: 'alice', scope: 'profile items/read', iss: idp.issuer },
    });
    expect(loggedDecisions()).toEqual([
      expect.objectContaining({ decision: 'allow', reason: 'valid-token', sub: 'alice', methodArn: METHOD_ARN }),
    ]);
  });

  test('GIVEN a valid token without any required scope WHEN authorized THEN an explicit Deny is returned (403)', async () => {
    const token = idp.sign(validClaims(idp, { scope: 'profile' }));

    const result = await authorize(event(`Bearer ${token}`));

    expect(statementOf(result)).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE_ARN }]);
    expect(result.context).toBeUndefined();
    expect(loggedDecisions()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'scope' })]);
  });

  const now = Math.floor(Date.now() / 1000);
  test.each([
    ['an expired token', () => `Bearer ${idp.sign(validClaims(idp, { exp: now - 60 }))}`, 'expired'],
    ['a token not valid yet', () => `Bearer ${idp.sign(validClaims(idp, { nbf: now + 3600 }))}`, 'not-yet-valid'],
    ['a token from another issuer', () => `Bearer ${idp.sign(validClaims(idp, { iss: 'https://evil.example.com' }))}`, 'issuer'],
    ['a token for another audience', () => `Bearer ${idp.sign(validClaims(idp, { aud: 'other-api' }))}`, 'audience'],
    ['a token signed with an unpublished key', () => `Bearer ${idp.sign(validClaims(idp), { key: 'other' })}`, 'signature'],
    ['a token whose kid is unknown', () => `Bearer ${idp.sign(validClaims(idp), { kid: 'unknown-kid' })}`, 'signature'],
    ['a malformed token', () => 'Bearer abc', 'malformed'],
    ['an empty header', () => '', 'missing'],
    ['a token without the Bearer scheme', () => idp.sign(validClaims(idp)), 'missing'],
  ])('GIVEN %s WHEN authorized THEN it throws Unauthorized (401)', async (_case, header, reason) => {
    const outcome = authorize(event(header()));

    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
    expect(loggedDecisions()).toEqual([expect.objectContaining({ decision: 'unauthorized', reason })]);
  });

  test('GIVEN accepted and rejected tokens WHEN authorized THEN no token part reaches the logs', async () => {
    const accepted = idp.sign(validClaims(idp));
    const rejected = idp.sign(validClaims(idp, { aud: 'other-api' }));

    await authorize(event(`Bearer ${accepted}`));
    await authorize(event(`Bearer ${rejected}`)).catch(() => undefined);

    const logged = logs.mock.calls.flat().join('\n');
    expect(logs).toHaveBeenCalledTimes(2);
    for (const part of [...accepted.split('.'), ...rejected.split('.')]) {
      expect(logged).not.toContain(part);
    }
  });

  test('GIVEN the JWKS cannot be fetched WHEN authorized THEN the error propagates instead of a 401', async () => {
    const untrusting = createJwtTokenAuthorizer(
      createJwtVerifier({ issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] }),
    );

    const outcome = untrusting(event(`Bearer ${idp.sign(validClaims(idp))}`));

    await expect(outcome).rejects.toThrow();
    await expect(outcome).rejects.not.toThrow(/^Unauthorized$/);
    expect(loggedDecisions()).toEqual([
      expect.objectContaining({ decision: 'error', level: 'ERROR', reason: expect.stringMatching(/jwks\.json: self-signed certificate/) }),
    ]);
  });
});

describe('JWT TOKEN authorizer when the IdP fails', () => {
  let idp: TestIdp;
  let logs: jest.SpyInstance;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());
  beforeEach(() => {
    idp.answerWith({ kind: 'jwks' });
    logs = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => logs.mockRestore());

  function authorizerWith(clock: ManualClock): TokenAuthorizerHandler {
    const settings = { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] };
    return createJwtTokenAuthorizer(createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca }, clock, jwksTimeoutMs: 300 }));
  }

  async function expectServerError(outcome: Promise<unknown>, token: string): Promise<void> {
    const err = await outcome.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Anything but exactly `Unauthorized` is a 500 that API Gateway does not cache.
    expect(err).toBeInstanceOf(JwksUnavailableError);
    expect((err as Error).message).not.toBe('Unauthorized');
    const decisions = logs.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(decisions).toEqual([expect.objectContaining({ decision: 'error', level: 'ERROR' })]);
    const logged = logs.mock.calls.flat().join('\n');
    for (const part of token.split('.')) expect(logged).not.toContain(part);
  }

  test.each([
    ['HTTP 503', { kind: 'status', status: 503 }],
    ['an empty key set', { kind: 'body', body: '{"keys":[]}' }],
    ['a key set without usable keys', { kind: 'body', body: '{"keys":[{"kty":"RSA"}]}' }],
    ['not JSON', { kind: 'body', body: '<html>down</html>' }],
    ['a 64 MB body', { kind: 'stream', bytes: 64 * 1024 * 1024 }],
    ['a reset connection', { kind: 'reset' }],
    ['no answer (timeout)', { kind: 'hang' }],
  ] as Array<[string, JwksAnswer]>)('GIVEN the JWKS answer is %s WHEN a valid token is authorized THEN it fails with a server error, not 401', async (_case, answer) => {
    idp.answerWith(answer);
    const token = idp.sign(validClaims(idp));

    await expectServerError(authorizerWith(new ManualClock())(event(`Bearer ${token}`)), token);
  });

  test('GIVEN a metrics namespace WHEN the IdP fails THEN the error line also counts AuthorizerErrors in Embedded Metric Format', async () => {
    // GIVEN the variables the construct sets on the bundled authorizer
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'ServerlessApi';
    process.env.POWERTOOLS_SERVICE_NAME = 'items';
    try {
      idp.answerWith({ kind: 'status', status: 503 });
      const token = idp.sign(validClaims(idp));

      // WHEN
      await authorizerWith(new ManualClock())(event(`Bearer ${token}`)).catch(() => undefined);

      // THEN one EMF line: namespace, the `service` dimension, the count
      const [line] = logs.mock.calls.map(([l]) => JSON.parse(String(l)) as Record<string, unknown>);
      expect(line).toMatchObject({
        decision: 'error',
        service: 'items',
        AuthorizerErrors: 1,
        _aws: { CloudWatchMetrics: [{ Namespace: 'ServerlessApi', Dimensions: [['service']], Metrics: [{ Name: 'AuthorizerErrors', Unit: 'Count' }] }] },
      });
      expect(typeof (line._aws as { Timestamp: unknown }).Timestamp).toBe('number');

      // AND a refused token is a 401 that counts nothing
      logs.mockClear();
      idp.answerWith({ kind: 'jwks' });
      await authorizerWith(new ManualClock())(event('Bearer not-a-token')).catch(() => undefined);
      const [refused] = logs.mock.calls.map(([l]) => JSON.parse(String(l)) as Record<string, unknown>);
      expect(refused).toMatchObject({ decision: 'unauthorized' });
      expect(refused).not.toHaveProperty('_aws');
      expect(refused).not.toHaveProperty('AuthorizerErrors');
    } finally {
      delete process.env.POWERTOOLS_METRICS_NAMESPACE;
      delete process.env.POWERTOOLS_SERVICE_NAME;
    }
  });

  test('GIVEN known keys WHEN a token names an unknown kid and the refetch answers an empty key set THEN it fails with a server error, not 401', async () => {
    const clock = new ManualClock();
    const authorize = authorizerWith(clock);
    await authorize(event(`Bearer ${idp.sign(validClaims(idp))}`));
    logs.mockClear();
    idp.answerWith({ kind: 'body', body: '{"keys":[]}' });
    clock.advance(3000);
    const token = idp.sign(validClaims(idp), { kid: 'next-key' });

    await expectServerError(authorize(event(`Bearer ${token}`)), token);
  });
});

describe('stageWildcardArn', () => {
  test.each([
    [METHOD_ARN, STAGE_ARN],
    ['arn:aws:execute-api:us-east-1:111122223333:api9/$default/POST/', 'arn:aws:execute-api:us-east-1:111122223333:api9/$default/*/*'],
    ['arn:aws-cn:execute-api:cn-north-1:111122223333:api9/dev/GET/a/b/c', 'arn:aws-cn:execute-api:cn-north-1:111122223333:api9/dev/*/*'],
    ['not-an-arn', 'not-an-arn'],
  ])('GIVEN %s THEN it becomes %s', (methodArn, expected) => {
    expect(stageWildcardArn(methodArn)).toBe(expected);
  });
});
