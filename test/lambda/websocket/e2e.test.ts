/**
 * End to end: real WebSocket clients, the local API Gateway stand-in, the real authorizer (JWT
 * against a loopback IdP), the real route handlers, dynalite, and the management API for fan-out.
 */
import { createJwtVerifier } from '../../../lambda/shared/jwt';
import type { LocalDynamo } from '../../support/dynalite';
import { createConnectionsTable, itemsOfConnection, startDynalite } from '../../support/dynalite';
import type { TestIdp } from '../../support/jwks-server';
import { startTestIdp, TEST_AUDIENCE, validClaims } from '../../support/jwks-server';
import type { LocalWebSocketGateway } from '../../support/local-websocket-gateway';
import { startLocalWebSocketGateway } from '../../support/local-websocket-gateway';
import type { TestClient } from '../../support/websocket-client';
import { connectClient, RefusedError } from '../../support/websocket-client';
import { ROUTES, setHandlerEnvironment, TABLE_NAME } from '../../support/websocket-handlers';

let dynamo: LocalDynamo;
let idp: TestIdp;
let gateway: LocalWebSocketGateway;
const clients: TestClient[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  await createConnectionsTable(dynamo.client, TABLE_NAME);
  idp = await startTestIdp();
  // CALLBACK_URL is known once the gateway listens; the handlers read it on first publish.
  setHandlerEnvironment('http://127.0.0.1/pending');

  const { createWebSocketAuthorizer } = await import('../../../lambda/websocket/authorizer');
  const verifier = createJwtVerifier(
    { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: ['chat'] },
    { jwksRequestOptions: { ca: idp.ca } },
  );
  gateway = await startLocalWebSocketGateway({ stage: 'test', authorizer: createWebSocketAuthorizer({ verifier }) });
  process.env.CALLBACK_URL = gateway.callbackUrl;
  gateway.addRoute('$connect', (await import('../../../lambda/websocket/connect')).handler);
  gateway.addRoute('$disconnect', (await import('../../../lambda/websocket/disconnect')).handler);
  gateway.addRoute('$default', (await import('../../../lambda/websocket/default')).handler);
  gateway.addRoute('subscribe', (await import('../../../lambda/websocket/subscribe')).handler);
  gateway.addRoute('unsubscribe', (await import('../../../lambda/websocket/unsubscribe')).handler);
  gateway.addRoute('publish', (await import('../../../lambda/websocket/publish')).handler);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await gateway.idle();
});

afterAll(async () => {
  await gateway?.close();
  await idp?.close();
  await dynamo?.close();
});

async function client(sub: string): Promise<TestClient> {
  const connected = await connectClient(gateway.url, { token: idp.sign(validClaims(idp, { sub, scope: 'chat' })) });
  clients.push(connected);
  return connected;
}

const items = (connectionId: string) => itemsOfConnection(dynamo.documentClient, TABLE_NAME, connectionId);

/** Resolves after `ms`; for "nothing else arrives" checks. */
const quietPeriod = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a publish reaches exactly the subscribers of the channel', async () => {
  const [alice, bob, carol] = await Promise.all([client('alice'), client('bob'), client('carol')]);
  expect(await alice.request({ action: 'subscribe', channel: 'lobby' })).toEqual({ type: 'subscribed', channel: 'lobby' });
  expect(await bob.request({ action: 'subscribe', channel: 'lobby' })).toEqual({ type: 'subscribed', channel: 'lobby' });

  expect(await carol.request({ action: 'publish', channel: 'lobby', data: { text: 'hello' } })).toEqual({
    type: 'published',
    channel: 'lobby',
    delivered: 2,
    gone: 0,
    failed: 0,
  });
  for (const subscriber of [alice, bob]) {
    expect(await subscriber.next((frame) => frame.type === 'message')).toEqual({
      type: 'message',
      channel: 'lobby',
      data: { text: 'hello' },
      sender: 'carol',
      sentAt: expect.any(String),
    });
  }
  await quietPeriod(100);
  expect([alice.inbox, bob.inbox, carol.inbox]).toEqual([[], [], []]);
});

test('a client that vanished without $disconnect stays in the table until a publish purges it (410)', async () => {
  const [alice, bob, carol] = await Promise.all([client('alice'), client('bob'), client('carol')]);
  await alice.request({ action: 'subscribe', channel: 'room' });
  await bob.request({ action: 'subscribe', channel: 'room' });

  gateway.dropConnection(bob.connectionId);
  expect(await bob.closed()).toBe(1006);
  await gateway.idle();
  expect(await items(bob.connectionId)).toHaveLength(2);

  expect(await carol.request({ action: 'publish', channel: 'room', data: 1 })).toMatchObject({ delivered: 1, gone: 1, failed: 0 });
  expect(await alice.next((frame) => frame.type === 'message')).toMatchObject({ data: 1 });
  expect(await items(bob.connectionId)).toEqual([]);
  expect(await items(alice.connectionId)).toHaveLength(2);
});

test('a clean close runs $disconnect, which deletes the connection and its subscriptions', async () => {
  const alice = await client('alice');
  await alice.request({ action: 'subscribe', channel: 'room' });
  expect(await items(alice.connectionId)).toHaveLength(2);
  await alice.close();
  await gateway.idle();
  expect(await items(alice.connectionId)).toEqual([]);
});

test.each([
  ['without a token', undefined],
  ['with a malformed token', () => 'not-a-jwt'],
  ['with a token signed by another key', () => idp.sign(validClaims(idp, { scope: 'chat' }), { key: 'other' })],
  ['with a token lacking the required scope', () => idp.sign(validClaims(idp, { scope: 'other' }))],
])('a connection %s is refused with 401 and nothing is stored', async (_label, token) => {
  const before = gateway.connectionIds().length;
  const attempt = connectClient(gateway.url, { token: token?.() });
  await expect(attempt).rejects.toBeInstanceOf(RefusedError);
  await expect(attempt).rejects.toMatchObject({ statusCode: 401 });
  expect(gateway.connectionIds()).toHaveLength(before);
});

test('bad messages get an error answer and the socket stays usable', async () => {
  const alice = await client('alice');

  expect(await alice.request('this is not JSON')).toEqual({
    type: 'error',
    code: 'BAD_REQUEST',
    message: expect.any(String),
    routes: ROUTES,
  });
  expect(await alice.request({ action: 'dance' })).toMatchObject({ type: 'error', code: 'UNKNOWN_ROUTE', routes: ROUTES });
  expect(await alice.request({ action: 'subscribe', channel: 'no spaces' })).toMatchObject({ code: 'INVALID_CHANNEL' });

  // Within API Gateway's 128 KB inbound limit, but the delivered envelope would exceed it.
  const oversized = { action: 'publish', channel: 'room', data: 'x'.repeat(128 * 1024 - 60) };
  expect(Buffer.byteLength(JSON.stringify(oversized))).toBeLessThanOrEqual(128 * 1024);
  expect(await alice.request(oversized)).toMatchObject({ type: 'error', code: 'MESSAGE_TOO_LARGE' });

  expect(await alice.request({ action: 'subscribe', channel: 'room' })).toEqual({ type: 'subscribed', channel: 'room' });
});

test('a message over 128 KB closes the socket with 1009, like API Gateway', async () => {
  const alice = await client('alice');
  alice.send({ action: 'publish', channel: 'room', data: 'x'.repeat(128 * 1024) });
  expect(await alice.closed()).toBe(1009);
  await gateway.idle();
  expect(await items(alice.connectionId)).toEqual([]);
});

test('data nested 60,000 levels deep gets BAD_REQUEST, not an internal error, and the socket stays usable', async () => {
  const [alice, bob] = await Promise.all([client('alice'), client('bob')]);
  await bob.request({ action: 'subscribe', channel: 'deep' });
  const deep = `{"action":"publish","channel":"deep","data":${'['.repeat(60_000)}${']'.repeat(60_000)}}`;
  expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(128 * 1024);

  expect(await alice.request(deep)).toEqual({ type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('64 levels') });
  expect(await alice.request({ action: 'publish', channel: 'deep', data: [[1]] })).toMatchObject({ delivered: 1 });
  expect(await bob.next((frame) => frame.type === 'message')).toMatchObject({ data: [[1]] });
});

test('a connection joins at most MAX_SUBSCRIPTIONS_PER_CONNECTION channels; leaving one frees a slot', async () => {
  const before = process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION;
  process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION = '2';
  try {
    const alice = await client('alice');
    expect(await alice.request({ action: 'subscribe', channel: 'one' })).toEqual({ type: 'subscribed', channel: 'one' });
    expect(await alice.request({ action: 'subscribe', channel: 'two' })).toEqual({ type: 'subscribed', channel: 'two' });
    expect(await alice.request({ action: 'subscribe', channel: 'two' })).toEqual({ type: 'subscribed', channel: 'two' });
    expect(await alice.request({ action: 'subscribe', channel: 'three' })).toMatchObject({ type: 'error', code: 'TOO_MANY_SUBSCRIPTIONS' });
    expect(await alice.request({ action: 'unsubscribe', channel: 'one' })).toEqual({ type: 'unsubscribed', channel: 'one' });
    expect(await alice.request({ action: 'subscribe', channel: 'three' })).toEqual({ type: 'subscribed', channel: 'three' });

    await alice.close();
    await gateway.idle();
    expect(await items(alice.connectionId)).toEqual([]);
  } finally {
    if (before === undefined) delete process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION;
    else process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION = before;
  }
});
