/**
 * The WebSocket `$connect` authorizer with the real JWT verification of lambda/shared/jwt.ts
 * against a loopback HTTPS identity provider.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createJwtVerifier, JwksUnavailableError } from '../../../lambda/shared/jwt';
import type * as AuthorizerModule from '../../../lambda/websocket/authorizer';
import type { WebSocketAuthorizerEvent } from '../../../lambda/websocket/lib/events';
import type { JwksAnswer, TestIdp } from '../../support/jwks-server';
import { ManualClock, startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import { setHandlerEnvironment } from '../../support/websocket-handlers';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect';

function authorizerEvent(token?: string): WebSocketAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    queryStringParameters: token === undefined ? null : { token },
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', connectionId: 'conn-1=', stage: 'prod' },
  };
}

let idp: TestIdp;
let createWebSocketAuthorizer: typeof AuthorizerModule.createWebSocketAuthorizer;
let defaultHandler: typeof AuthorizerModule.handler;
let authorize: AuthorizerModule.WebSocketAuthorizerHandler;

beforeAll(async () => {
  setHandlerEnvironment('http://127.0.0.1:9/unused');
  // Imported after the environment is set, as Lambda would load it.
  ({ createWebSocketAuthorizer, handler: defaultHandler } = await import('../../../lambda/websocket/authorizer'));
  idp = await startTestIdp();
  const settings = { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] };
  authorize = createWebSocketAuthorizer({ verifier: createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca } }) });
});

afterAll(() => idp?.close());

describe('WebSocket authorizer', () => {
  test('allows the $connect methodArn and passes { sub, scope } as the context', async () => {
    const token = idp.sign(validClaims(idp, { sub: 'alice', scope: 'chat/read chat/write' }));
    await expect(authorize(authorizerEvent(token))).resolves.toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      context: { sub: 'alice', scope: 'chat/read chat/write' },
    });
  });

  test.each([
    ['no token', () => undefined],
    ['an empty token', () => ''],
    ['a token that is not a JWT', () => 'not-a-jwt'],
    ['a token signed by another key', () => idp.sign(validClaims(idp), { key: 'other' })],
    ['an expired token', () => idp.sign(validClaims(idp, { exp: Math.floor(Date.now() / 1000) - 60 }))],
    ['a token for another audience', () => idp.sign(validClaims(idp, { aud: 'someone-else' }))],
  ])('refuses %s with Unauthorized (API Gateway answers 401)', async (_label, token) => {
    await expect(authorize(authorizerEvent(token()))).rejects.toThrow(/^Unauthorized$/);
  });

  test('fails with a server error, not Unauthorized, when the JWKS cannot be fetched', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const settings = {
      issuer: idp.issuer,
      audience: [TEST_AUDIENCE],
      jwksUri: `https://127.0.0.1:${port}/.well-known/jwks.json`,
      requiredScopes: [],
    };
    const unreachable = createWebSocketAuthorizer({ verifier: createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca } }) });
    await expect(unreachable(authorizerEvent(idp.sign(validClaims(idp))))).rejects.toThrow('Authorizer error');
  });

  test.each([
    ['HTTP 503', { kind: 'status', status: 503 }],
    ['an empty key set', { kind: 'body', body: '{"keys":[]}' }],
    ['not JSON', { kind: 'body', body: 'maintenance' }],
    ['a 64 MB body', { kind: 'stream', bytes: 64 * 1024 * 1024 }],
    ['no answer (timeout)', { kind: 'hang' }],
  ] as Array<[string, JwksAnswer]>)('fails with a server error, not Unauthorized, when the JWKS answer is %s', async (_case, answer) => {
    const failing = await startTestIdp();
    try {
      failing.answerWith(answer);
      const settings = { issuer: failing.issuer, audience: [TEST_AUDIENCE], jwksUri: failing.jwksUri, requiredScopes: [] };
      const verifier = createJwtVerifier(settings, { jwksRequestOptions: { ca: failing.ca }, clock: new ManualClock(), jwksTimeoutMs: 300 });
      const err = await createWebSocketAuthorizer({ verifier })(authorizerEvent(failing.sign(validClaims(failing)))).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toEqual(new Error('Authorizer error'));
      expect((err as Error).cause).toBeInstanceOf(JwksUnavailableError);
    } finally {
      await failing.close();
    }
  });

  test('the exported handler reads its settings from the environment and fails closed without them', async () => {
    delete process.env.JWT_ISSUER;
    await expect(defaultHandler(authorizerEvent(idp.sign(validClaims(idp))))).rejects.toThrow('Authorizer error');
  });
});
