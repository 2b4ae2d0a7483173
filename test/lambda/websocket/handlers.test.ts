/**
 * The WebSocket route handlers against dynalite (a real DynamoDB protocol peer) and a loopback
 * `@connections` endpoint reached through the real ApiGatewayManagementApiClient.
 */
import type * as ConnectModule from '../../../lambda/websocket/connect';
import type * as DefaultModule from '../../../lambda/websocket/default';
import type * as DisconnectModule from '../../../lambda/websocket/disconnect';
import type * as PublishModule from '../../../lambda/websocket/publish';
import type * as SubscribeModule from '../../../lambda/websocket/subscribe';
import type * as UnsubscribeModule from '../../../lambda/websocket/unsubscribe';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { FakeConnectionsEndpoint } from '../../support/connections-endpoint';
import { startConnectionsEndpoint } from '../../support/connections-endpoint';
import type { LocalDynamo } from '../../support/dynalite';
import { createConnectionsTable, itemsOfConnection, startDynalite } from '../../support/dynalite';
import { answerOf, CHANNEL_INDEX, newConnectionId, ROUTES, setHandlerEnvironment, TABLE_NAME, wsEvent } from '../../support/websocket-handlers';

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
  ({ handler: connect } = await import('../../../lambda/websocket/connect'));
  ({ handler: disconnect } = await import('../../../lambda/websocket/disconnect'));
  ({ handler: defaultRoute } = await import('../../../lambda/websocket/default'));
  ({ handler: subscribe } = await import('../../../lambda/websocket/subscribe'));
  ({ handler: unsubscribe } = await import('../../../lambda/websocket/unsubscribe'));
  ({ handler: publish } = await import('../../../lambda/websocket/publish'));
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
    const { logger } = await import('../../../lambda/websocket/lib/observability');
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
    const { ConnectionRepository } = await import('../../../lambda/websocket/lib/connection-repository');
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

/** Resolves with `promise`'s value, or rejects when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Lambda context whose remaining time counts down from `remainingMs`. */
function lambdaContext(remainingMs: number): Context {
  const end = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'publish',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:publish',
    memoryLimitInMB: '256',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/publish',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => end - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Sets environment variables for one test; returns a function that restores them. */
function withEnv(values: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

describe('publish deadline (INTEGRATION_TIMEOUT_MS)', () => {
  let restoreEnv: () => void = () => undefined;
  afterEach(() => restoreEnv());

  /** A connection with a chosen id prefix (the channel index lists members in id order), subscribed to `channel`. */
  async function member(channel: string, prefix: string): Promise<string> {
    const connectionId = `${prefix}${newConnectionId()}`;
    expect((await connect(wsEvent({ routeKey: '$connect', connectionId }))).statusCode).toBe(200);
    const result = await subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel } }));
    expect(answerOf(result)).toEqual({ type: 'subscribed', channel });
    return connectionId;
  }

  const publishEvent = (channel: string) =>
    wsEvent({ routeKey: 'publish', connectionId: newConnectionId(), body: { action: 'publish', channel, data: 'hi' } });

  test('answers before the integration timeout when subscribers stall, counting them failed', async () => {
    restoreEnv = withEnv({ INTEGRATION_TIMEOUT_MS: '1500' });
    const stalled = [await member('stall-room', 'm'), await member('stall-room', 'm')];
    const gone = await member('stall-room', 'm');
    const fine = [await member('stall-room', 'm'), await member('stall-room', 'm'), await member('stall-room', 'm')];
    endpoint.markStalled(...stalled);
    endpoint.markGone(gone);

    const started = Date.now();
    const result = await within(publish(publishEvent('stall-room')), 1500);
    const elapsed = Date.now() - started;

    // Deadline: 1500 ms - min(1000 ms, 20% of 1500 ms) = 1200 ms after the start.
    expect(elapsed).toBeGreaterThanOrEqual(1150);
    expect(elapsed).toBeLessThan(1500);
    expect(result.statusCode).toBe(200);
    expect(answerOf(result)).toEqual({ type: 'published', channel: 'stall-room', delivered: 3, gone: 1, failed: 2, timedOut: true });
    expect(endpoint.posts.map((post) => post.connectionId).sort()).toEqual([...fine].sort());
    // One attempt each, cut at the deadline: no retry that could not finish.
    expect(stalled.map((id) => endpoint.attempts(id))).toEqual([1, 1]);
    expect(await items(gone)).toEqual([]);
  });

  test('does not start posts after the deadline: members still queued count as failed', async () => {
    restoreEnv = withEnv({ INTEGRATION_TIMEOUT_MS: '1000' });
    // FANOUT_CONCURRENCY is 4: the four stalled members (first in id order) hold every worker.
    const stalled = [];
    for (let i = 0; i < 4; i += 1) stalled.push(await member('queue-room', 'AAAA'));
    const queued = [];
    for (let i = 0; i < 3; i += 1) queued.push(await member('queue-room', 'zzzz'));
    endpoint.markStalled(...stalled);

    const result = await within(publish(publishEvent('queue-room')), 1000);

    expect(answerOf(result)).toEqual({ type: 'published', channel: 'queue-room', delivered: 0, gone: 0, failed: 7, timedOut: true });
    expect(stalled.map((id) => endpoint.attempts(id))).toEqual([1, 1, 1, 1]);
    expect(queued.map((id) => endpoint.attempts(id))).toEqual([0, 0, 0]);
  });

  test("stops at the Lambda context's remaining time when that comes first", async () => {
    const stalled = await member('short-lambda', 'm');
    const fine = await member('short-lambda', 'm');
    endpoint.markStalled(stalled);

    const started = Date.now();
    // INTEGRATION_TIMEOUT_MS is unset (29 s); the function has 1000 ms left: deadline 800 ms.
    const result = await within(publish(publishEvent('short-lambda'), lambdaContext(1000)), 1000);

    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(answerOf(result)).toMatchObject({ delivered: 1, failed: 1, timedOut: true });
    expect(endpoint.posts.map((post) => post.connectionId)).toEqual([fine]);
  });

  test('FailedDeliveries counts the posts cut by the deadline', async () => {
    restoreEnv = withEnv({ INTEGRATION_TIMEOUT_MS: '500' });
    const stalled = await member('metric-room', 'm');
    await member('metric-room', 'm');
    endpoint.markStalled(stalled);
    const { metrics } = await import('../../../lambda/websocket/lib/observability');
    const added = jest.spyOn(metrics, 'addMetric');
    try {
      await within(publish(publishEvent('metric-room')), 500);
      expect(added).toHaveBeenCalledWith('FailedDeliveries', 'Count', 1);
      expect(added).toHaveBeenCalledWith('Deliveries', 'Count', 1);
    } finally {
      added.mockRestore();
    }
  });

  test('without stalls the answer has no timedOut and comes at once', async () => {
    restoreEnv = withEnv({ INTEGRATION_TIMEOUT_MS: '1000' });
    await member('quick-room', 'm');
    const started = Date.now();
    expect(answerOf(await publish(publishEvent('quick-room')))).toEqual({
      type: 'published',
      channel: 'quick-room',
      delivered: 1,
      gone: 0,
      failed: 0,
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  test.each(['49', '29001', '1.5', 'soon'])('answers INTERNAL when INTEGRATION_TIMEOUT_MS is %p', async (value) => {
    restoreEnv = withEnv({ INTEGRATION_TIMEOUT_MS: value });
    const result = await publish(publishEvent('any-room'));
    expect(result.statusCode).toBe(500);
    expect(answerOf(result)).toMatchObject({ code: 'INTERNAL' });
  });
});

describe('publish: deeply nested data', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const publishRaw = (body: string) => publish(wsEvent({ routeKey: 'publish', connectionId: newConnectionId(), body }));

  test('data nested ~60,000 levels deep (within 128 KB) is a BAD_REQUEST, not an internal error', async () => {
    await subscribed('deep');
    const body = `{"action":"publish","channel":"deep","data":${nested(60_000)}}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(128 * 1024);

    const result = await publishRaw(body);

    expect(result.statusCode).toBe(400);
    expect(answerOf(result)).toEqual({
      type: 'error',
      code: 'BAD_REQUEST',
      message: '"data" nests arrays and objects more than 64 levels deep',
    });
    expect(endpoint.posts).toEqual([]);
  });

  test('deep objects are refused like deep arrays', async () => {
    const body = `{"action":"publish","channel":"deep","data":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    expect(answerOf(await publishRaw(body))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('64 levels') });
  });

  test('64 levels are delivered, 65 are refused', async () => {
    await subscribed('depth-limit');
    const ok = await publishRaw(`{"action":"publish","channel":"depth-limit","data":${nested(64)}}`);
    expect(answerOf(ok)).toMatchObject({ type: 'published', delivered: 1 });
    expect(JSON.parse(endpoint.posts[0].body).data).toEqual(JSON.parse(nested(64)));

    const tooDeep = await publishRaw(`{"action":"publish","channel":"depth-limit","data":{"x":${nested(64)}}}`);
    expect(tooDeep.statusCode).toBe(400);
    expect(endpoint.posts).toHaveLength(1);
  });
});

describe('subscription cap (MAX_SUBSCRIPTIONS_PER_CONNECTION)', () => {
  let restoreEnv: () => void = () => undefined;
  beforeEach(() => {
    restoreEnv = withEnv({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' });
  });
  afterEach(() => restoreEnv());

  const join = async (connectionId: string, channel: string) =>
    subscribe(wsEvent({ routeKey: 'subscribe', connectionId, body: { action: 'subscribe', channel } }));
  const leave = async (connectionId: string, channel: string) =>
    unsubscribe(wsEvent({ routeKey: 'unsubscribe', connectionId, body: { action: 'unsubscribe', channel } }));
  const channelsOf = async (connectionId: string) =>
    (await items(connectionId)).filter((item) => item.sk !== 'connection').map((item) => item.channel).sort();
  const countOf = async (connectionId: string) => (await items(connectionId)).find((item) => item.sk === 'connection')?.subscriptionCount;

  test('refuses one channel more with TOO_MANY_SUBSCRIPTIONS (400) and stores nothing', async () => {
    const connectionId = await connected();
    for (const channel of ['a', 'b', 'c']) expect(answerOf(await join(connectionId, channel))).toEqual({ type: 'subscribed', channel });

    const result = await join(connectionId, 'd');

    expect(result.statusCode).toBe(400);
    expect(answerOf(result)).toEqual({
      type: 'error',
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: 'A connection can join at most 3 channels; unsubscribe from one first',
    });
    expect(await channelsOf(connectionId)).toEqual(['a', 'b', 'c']);
    expect(await countOf(connectionId)).toBe(3);
  });

  test('re-subscribing to a joined channel succeeds, also at the cap, and does not count twice', async () => {
    const connectionId = await connected();
    await join(connectionId, 'a');
    expect(answerOf(await join(connectionId, 'a'))).toEqual({ type: 'subscribed', channel: 'a' });
    expect(await countOf(connectionId)).toBe(1);
    await join(connectionId, 'b');
    await join(connectionId, 'c');
    expect(answerOf(await join(connectionId, 'b'))).toEqual({ type: 'subscribed', channel: 'b' });
    expect(await countOf(connectionId)).toBe(3);
    expect(await channelsOf(connectionId)).toEqual(['a', 'b', 'c']);
  });

  test('unsubscribing frees a slot; unsubscribing a channel not joined frees none', async () => {
    const connectionId = await connected();
    for (const channel of ['a', 'b', 'c']) await join(connectionId, channel);
    await leave(connectionId, 'never-joined');
    expect(answerOf(await join(connectionId, 'd'))).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS' });

    await leave(connectionId, 'b');
    await leave(connectionId, 'b');
    expect(await countOf(connectionId)).toBe(2);
    expect(answerOf(await join(connectionId, 'd'))).toEqual({ type: 'subscribed', channel: 'd' });
    expect(answerOf(await join(connectionId, 'e'))).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS' });
    expect(await channelsOf(connectionId)).toEqual(['a', 'c', 'd']);
  });

  test('concurrent subscribes of one connection to 10 channels: exactly 3 join', async () => {
    const connectionId = await connected();
    const channels = Array.from({ length: 10 }, (_, i) => `many-${i}`);

    const answers = (await Promise.all(channels.map((channel) => join(connectionId, channel)))).map(answerOf);

    expect(answers.filter((answer) => answer.type === 'subscribed')).toHaveLength(3);
    expect(answers.filter((answer) => answer.code === 'TOO_MANY_SUBSCRIPTIONS')).toHaveLength(7);
    expect(await channelsOf(connectionId)).toHaveLength(3);
    expect(await countOf(connectionId)).toBe(3);
  });

  test('concurrent subscribes of one connection to the same channel all succeed and count once', async () => {
    const connectionId = await connected();

    const answers = (await Promise.all(Array.from({ length: 8 }, () => join(connectionId, 'same')))).map(answerOf);

    expect(answers).toEqual(Array(8).fill({ type: 'subscribed', channel: 'same' }));
    expect(await channelsOf(connectionId)).toEqual(['same']);
    expect(await countOf(connectionId)).toBe(1);
  });

  test('the default cap is 100', async () => {
    restoreEnv();
    restoreEnv = withEnv({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '' });
    const connectionId = await connected();
    for (let i = 0; i < 100; i += 1) expect(answerOf(await join(connectionId, `room-${i}`))).toMatchObject({ type: 'subscribed' });
    expect(answerOf(await join(connectionId, 'room-100'))).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS' });
  });

  test.each(['0', '-1', '2.5', 'ten'])('answers INTERNAL when MAX_SUBSCRIPTIONS_PER_CONNECTION is %p', async (value) => {
    restoreEnv();
    restoreEnv = withEnv({ MAX_SUBSCRIPTIONS_PER_CONNECTION: value });
    const connectionId = await connected();
    const result = await join(connectionId, 'a');
    expect(result.statusCode).toBe(500);
    expect(await channelsOf(connectionId)).toEqual([]);
  });
});
