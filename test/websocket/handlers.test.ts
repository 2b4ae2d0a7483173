/**
 * The WebSocket route handlers against dynalite (a real DynamoDB protocol peer) and a loopback
 * `@connections` endpoint reached through the real ApiGatewayManagementApiClient.
 */
import type * as ConnectModule from '../../lambda/websocket/connect';
import type * as DefaultModule from '../../lambda/websocket/default';
import type * as DisconnectModule from '../../lambda/websocket/disconnect';
import type * as PublishModule from '../../lambda/websocket/publish';
import type * as SubscribeModule from '../../lambda/websocket/subscribe';
import type * as UnsubscribeModule from '../../lambda/websocket/unsubscribe';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FakeConnectionsEndpoint } from '../support/connections-endpoint';
import { startConnectionsEndpoint } from '../support/connections-endpoint';
import type { LocalDynamo } from '../support/dynalite';
import { createConnectionsTable, itemsOfConnection, startDynalite } from '../support/dynalite';
import { answerOf, CHANNEL_INDEX, newConnectionId, ROUTES, setHandlerEnvironment, TABLE_NAME, wsEvent } from './support';

let dynamo: LocalDynamo;
let endpoint: FakeConnectionsEndpoint;
let connect: typeof ConnectModule.handler;
let disconnect: typeof DisconnectModule.handler;
let defaultRoute: typeof DefaultModule.handler;
let subscribe: typeof SubscribeModule.handler;
let unsubscribe: typeof UnsubscribeModule.handler;
let publish: typeof PublishModule.handler;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createConnectionsTable(dynamo.client, TABLE_NAME);
  endpoint = await startConnectionsEndpoint('test');
  setHandlerEnvironment(endpoint.url);
  // Imported after the environment is set, as Lambda would load them.
  ({ handler: connect } = await import('../../lambda/websocket/connect'));
  ({ handler: disconnect } = await import('../../lambda/websocket/disconnect'));
  ({ handler: defaultRoute } = await import('../../lambda/websocket/default'));
  ({ handler: subscribe } = await import('../../lambda/websocket/subscribe'));
  ({ handler: unsubscribe } = await import('../../lambda/websocket/unsubscribe'));
  ({ handler: publish } = await import('../../lambda/websocket/publish'));
});

afterAll(async () => {
  await endpoint?.close();
  await dynamo?.close();
});

beforeEach(() => endpoint.reset());

const items = (connectionId: string) => itemsOfConnection(dynamo.documentClient, TABLE_NAME, connectionId);

async function connected(sub = 'user-1'): Promise<string> {
  const connectionId = newConnectionId();
  const result = await connect(wsEvent({ routeKey: '$connect', connectionId, authorizer: { principalId: sub, sub, scope: 'chat' } }));
  expect(result.statusCode).toBe(200);
  return connectionId;
}

async function subscribed(channel: string, sub?: string): Promise<string> {
  const connectionId = await connected(sub);
  const result = await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel } }));
  expect(answerOf(result)).toEqual({ type: 'subscribed', channel });
  return connectionId;
}

describe('$connect', () => {
  test('stores the connection with the identity from the authorizer and a TTL of 2 h 10 min', async () => {
    const before = Math.floor(Date.now() / 1000);
    const connectionId = await connected('alice');

    const [item] = await items(connectionId);
    expect(item).toEqual({
      connectionId,
      sk: 'connection',
      userId: 'alice',
      claims: { sub: 'alice', scope: 'chat' },
      connectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expiresAt: expect.any(Number),
    });
    expect(item.expiresAt).toBeGreaterThanOrEqual(before + 7800);
    expect(item.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 7800);
  });

  test('stores an anonymous connection when there is no authorizer', async () => {
    const connectionId = newConnectionId();
    const event = wsEvent({ routeKey: '$connect', connectionId });
    delete (event.requestContext as { authorizer?: unknown }).authorizer;
    expect((await connect(event)).statusCode).toBe(200);

    const [item] = await items(connectionId);
    expect(item.userId).toBe('anonymous');
    expect(item).not.toHaveProperty('claims');
  });

  test('refuses the connection (500, INTERNAL) and logs the error when the table write fails', async () => {
    const { logger } = await import('../../lambda/websocket/lib/observability');
    const logged = jest.spyOn(logger, 'error');
    try {
      // An empty key value is rejected by DynamoDB's validation.
      const result = await connect(wsEvent({ routeKey: '$connect', connectionId: '' }));
      expect(result.statusCode).toBe(500);
      expect(answerOf(result)).toEqual({ type: 'error', code: 'INTERNAL', message: expect.any(String) });
      expect(logged).toHaveBeenCalledWith('Route failed', expect.objectContaining({ name: 'ValidationException' }));
    } finally {
      logged.mockRestore();
    }
  });
});

describe('$disconnect', () => {
  test('deletes the connection and all its subscriptions (more than one batch of 25)', async () => {
    const connectionId = await connected();
    for (let i = 0; i < 30; i += 1) {
      await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel: `room-${i}` } }));
    }
    expect(await items(connectionId)).toHaveLength(31);

    expect((await disconnect(wsEvent({ routeKey: '$disconnect', connectionId }))).statusCode).toBe(200);
    expect(await items(connectionId)).toEqual([]);
  });

  test('succeeds for a connection that is already gone', async () => {
    expect((await disconnect(wsEvent({ routeKey: '$disconnect', connectionId: newConnectionId() }))).statusCode).toBe(200);
  });
});

describe('$default', () => {
  const call = async (body: unknown) => answerOf(await defaultRoute(wsEvent({ connectionId: newConnectionId(), body })));

  test('answers an unknown action with UNKNOWN_ROUTE and the available routes', async () => {
    expect(await call({ action: 'dance' })).toEqual({
      type: 'error',
      code: 'UNKNOWN_ROUTE',
      message: expect.stringContaining('"dance"'),
      routes: ROUTES,
    });
  });

  test('answers a message without an action with UNKNOWN_ROUTE', async () => {
    expect(await call({ channel: 'x' })).toMatchObject({ code: 'UNKNOWN_ROUTE', routes: ROUTES });
  });

  test.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['empty', ''],
  ])('answers a body that is %s with BAD_REQUEST and the routes', async (_label, body) => {
    expect(await call(body)).toMatchObject({ type: 'error', code: 'BAD_REQUEST', routes: ROUTES });
  });

  test('answers a message over 128 KB with MESSAGE_TOO_LARGE', async () => {
    expect(await call('x'.repeat(128 * 1024 + 1))).toMatchObject({ code: 'MESSAGE_TOO_LARGE', routes: ROUTES });
  });
});

describe('subscribe', () => {
  test('joins the channel: a subscription item that expires with the connection, found by the index', async () => {
    const connectionId = await subscribed('news.eu:1');
    const all = await items(connectionId);
    const connection = all.find((item) => item.sk === 'connection');
    const subscription = all.find((item) => item.sk !== 'connection');
    expect(subscription).toEqual({
      connectionId,
      sk: 'channel#news.eu:1',
      channel: 'news.eu:1',
      subscribedAt: expect.any(String),
      expiresAt: connection?.expiresAt,
    });
    const { Items } = await dynamo.documentClient.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: CHANNEL_INDEX,
        KeyConditionExpression: 'channel = :c',
        ExpressionAttributeValues: { ':c': 'news.eu:1' },
      }),
    );
    expect(Items).toEqual([{ channel: 'news.eu:1', connectionId, sk: 'channel#news.eu:1' }]);
  });

  test('is idempotent', async () => {
    const connectionId = await subscribed('twice');
    const again = await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel: 'twice' } }));
    expect(answerOf(again)).toEqual({ type: 'subscribed', channel: 'twice' });
    expect(await items(connectionId)).toHaveLength(2);
  });

  test('fails with an error answer when the connection is not registered, and stores nothing', async () => {
    const connectionId = newConnectionId();
    const result = await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel: 'a' } }));
    expect(answerOf(result)).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('not registered') });
    expect(await items(connectionId)).toEqual([]);
  });

  test.each([
    ['a body that is not JSON', 'BAD_REQUEST', '{"action":'],
    ['a missing channel', 'BAD_REQUEST', { action: 'subscribe' }],
    ['a channel with a space', 'INVALID_CHANNEL', { action: 'subscribe', channel: 'a b' }],
    ['a channel with a slash', 'INVALID_CHANNEL', { action: 'subscribe', channel: 'a/b' }],
    ['an empty channel', 'INVALID_CHANNEL', { action: 'subscribe', channel: '' }],
    ['a channel of 65 characters', 'INVALID_CHANNEL', { action: 'subscribe', channel: 'c'.repeat(65) }],
    ['a channel that is a number', 'INVALID_CHANNEL', { action: 'subscribe', channel: 42 }],
    ['a message over 128 KB', 'MESSAGE_TOO_LARGE', { action: 'subscribe', channel: 'a', pad: 'x'.repeat(128 * 1024) }],
  ])('answers %s with %s', async (_label, code, body) => {
    const connectionId = await connected();
    const result = await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body }));
    expect(answerOf(result)).toEqual({ type: 'error', code, message: expect.any(String) });
    expect(result.statusCode).toBe(code === 'MESSAGE_TOO_LARGE' ? 413 : 400);
    expect(await items(connectionId)).toHaveLength(1);
  });

  test('accepts a channel name of exactly 64 characters', async () => {
    await subscribed('c'.repeat(64));
  });
});

describe('unsubscribe', () => {
  test('leaves the channel and keeps the connection', async () => {
    const connectionId = await subscribed('leaving');
    const result = await unsubscribe(wsEvent({ routeKey: 'unsubscribe', connectionId, body: { action: 'unsubscribe', channel: 'leaving' } }));
    expect(answerOf(result)).toEqual({ type: 'unsubscribed', channel: 'leaving' });
    expect((await items(connectionId)).map((item) => item.sk)).toEqual(['connection']);
  });

  test('is idempotent', async () => {
    const connectionId = await connected();
    const result = await unsubscribe(wsEvent({ routeKey: 'unsubscribe', connectionId, body: { action: 'unsubscribe', channel: 'never' } }));
    expect(answerOf(result)).toEqual({ type: 'unsubscribed', channel: 'never' });
  });

  test('answers an invalid channel with INVALID_CHANNEL', async () => {
    const result = await unsubscribe(
      wsEvent({ routeKey: 'unsubscribe', connectionId: newConnectionId(), body: { action: 'unsubscribe', channel: '#' } }),
    );
    expect(answerOf(result)).toMatchObject({ code: 'INVALID_CHANNEL' });
  });
});

describe('publish', () => {
  const publishTo = async (channel: unknown, data: unknown, sub = 'publisher') => {
    const body = data === undefined ? { action: 'publish', channel } : { action: 'publish', channel, data };
    return publish(
      wsEvent({ routeKey: 'publish', connectionId: newConnectionId(), body, authorizer: { principalId: sub, sub, scope: '' } }),
    );
  };

  test('delivers the message envelope to every subscriber of the channel and only to them', async () => {
    const a = await subscribed('room-1');
    const b = await subscribed('room-1');
    await subscribed('room-2');

    const result = await publishTo('room-1', { text: 'hi', n: [1, 2] });
    expect(result.statusCode).toBe(200);
    expect(answerOf(result)).toEqual({ type: 'published', channel: 'room-1', delivered: 2, gone: 0, failed: 0 });
    expect(endpoint.posts.map((post) => post.connectionId).sort()).toEqual([a, b].sort());
    for (const post of endpoint.posts) {
      expect(JSON.parse(post.body)).toEqual({
        type: 'message',
        channel: 'room-1',
        data: { text: 'hi', n: [1, 2] },
        sender: 'publisher',
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });
    }
  });

  test('delivers exactly once to a channel read in several pages (first page = FANOUT_CONCURRENCY ids)', async () => {
    // FANOUT_CONCURRENCY is 4 here: an 11-member channel is read as a page of 4, then the rest.
    const members = [];
    for (let i = 0; i < 11; i += 1) members.push(await subscribed('paged-room'));

    expect(answerOf(await publishTo('paged-room', 'hello'))).toMatchObject({ delivered: 11, gone: 0, failed: 0 });
    expect(endpoint.posts.map((post) => post.connectionId).sort()).toEqual([...members].sort());
  });

  test('channelMembers lists every member once across small pages, reading ahead', async () => {
    const members = [];
    for (let i = 0; i < 7; i += 1) members.push(await subscribed('pages'));
    const { ConnectionRepository } = await import('../../lambda/websocket/lib/connection-repository');
    const repository = new ConnectionRepository({ client: dynamo.documentClient, tableName: TABLE_NAME, channelIndexName: CHANNEL_INDEX });
    const listed: string[] = [];
    for await (const id of repository.channelMembers('pages', { firstPageSize: 1, pageSize: 2 })) listed.push(id);
    expect(listed.sort()).toEqual([...members].sort());
  });

  test('sends null as the sender when the connection has no identity, and accepts null data', async () => {
    await subscribed('anon');
    const event = wsEvent({ routeKey: 'publish', connectionId: newConnectionId(), body: { action: 'publish', channel: 'anon', data: null } });
    delete (event.requestContext as { authorizer?: unknown }).authorizer;
    expect(answerOf(await publish(event))).toMatchObject({ delivered: 1 });
    expect(JSON.parse(endpoint.posts[0].body)).toMatchObject({ data: null, sender: null });
  });

  test('answers zero deliveries for a channel without subscribers', async () => {
    expect(answerOf(await publishTo('empty-room', 1))).toEqual({
      type: 'published',
      channel: 'empty-room',
      delivered: 0,
      gone: 0,
      failed: 0,
    });
  });

  test('purges a connection that answers 410 Gone, with all its subscriptions', async () => {
    const alive = await subscribed('purge');
    const gone = await subscribed('purge');
    await subscribe(wsEvent({ routeKey: 'subscribe', connectionId: gone, body: { action: 'subscribe', channel: 'other' } }));
    endpoint.markGone(gone);

    expect(answerOf(await publishTo('purge', 'x'))).toMatchObject({ delivered: 1, gone: 1, failed: 0 });
    expect(await items(gone)).toEqual([]);
    expect(await items(alive)).toHaveLength(2);

    // The next publish no longer tries the purged connection.
    endpoint.reset();
    expect(answerOf(await publishTo('purge', 'y'))).toMatchObject({ delivered: 1, gone: 0 });
    expect(endpoint.attempts(gone)).toBe(0);
  });

  test('a failing post does not stop the others, and the connection is kept', async () => {
    const members = [];
    for (let i = 0; i < 10; i += 1) {
      members.push(await subscribed('flaky'));
    }
    endpoint.markFailing(members[0], members[5]);
    endpoint.markGone(members[9]);

    expect(answerOf(await publishTo('flaky', 'x'))).toEqual({
      type: 'published',
      channel: 'flaky',
      delivered: 7,
      gone: 1,
      failed: 2,
    });
    expect(new Set(endpoint.posts.map((post) => post.connectionId))).toEqual(new Set(members.slice(1, 9).filter((_, i) => i !== 4)));
    expect(await items(members[0])).toHaveLength(2);
  });

  test('answers an envelope over 128 KB with MESSAGE_TOO_LARGE and posts nothing', async () => {
    await subscribed('big');
    // The request itself fits in 128 KB; the envelope around the data does not.
    const data = 'x'.repeat(128 * 1024 - 60);
    expect(Buffer.byteLength(JSON.stringify({ action: 'publish', channel: 'big', data }))).toBeLessThanOrEqual(128 * 1024);

    const result = await publishTo('big', data);
    expect(result.statusCode).toBe(413);
    expect(answerOf(result)).toMatchObject({ type: 'error', code: 'MESSAGE_TOO_LARGE' });
    expect(endpoint.posts).toEqual([]);
  });

  test.each([
    ['no data', 'BAD_REQUEST', 'room', undefined],
    ['no channel', 'BAD_REQUEST', undefined, 1],
    ['an invalid channel', 'INVALID_CHANNEL', 'bad channel', 1],
  ])('answers a publish with %s with %s', async (_label, code, channel, data) => {
    expect(answerOf(await publishTo(channel, data))).toMatchObject({ type: 'error', code });
  });

  test('answers a body that is not JSON with BAD_REQUEST', async () => {
    const result = await publish(wsEvent({ routeKey: 'publish', connectionId: newConnectionId(), body: 'publish!' }));
    expect(answerOf(result)).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
  });
});
