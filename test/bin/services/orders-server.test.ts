import { Agent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  closeGracefully,
  createOrdersServer,
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_BODY_BYTES,
  SERVER_TIMEOUTS,
} from '../../../bin/services/orders/server';
import type { Order, OrdersServerOptions } from '../../../bin/services/orders/server';

// The orders service over real HTTP: each test starts its own server on 127.0.0.1, port 0.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

interface CallOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly agent?: Agent;
}

let server: Server | undefined;
let port = 0;
let logs: string[] = [];

async function start(options: OrdersServerOptions = {}): Promise<Server> {
  logs = [];
  const started = createOrdersServer({ logger: (line) => logs.push(line), ...options });
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  port = (started.address() as AddressInfo).port;
  return started;
}

afterEach(async () => {
  const current = server;
  server = undefined;
  if (current?.listening) {
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  }
});

function readReply(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) });
    });
  });
}

/** One HTTP request on a new connection (or `agent`), the whole body sent at once. */
function call(method: string, path: string, { headers = {}, body, agent }: CallOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      readReply(res).then(resolve, reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function post(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Reply> {
  return call('POST', '/orders', { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function createOrder(item: string, quantity = 1): Promise<Order> {
  const reply = await post({ item, quantity });
  expect(reply.status).toBe(201);
  return reply.json as unknown as Order;
}

/** A request whose body the test writes itself; errors after the answer (reset, EPIPE) are expected. */
function openRequest(method: string, path: string, headers: Record<string, string>): { req: ClientRequest; reply: Promise<Reply> } {
  const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('response', (res) => readReply(res).then(resolve, reject));
    req.on('error', reject);
  });
  reply.catch(() => undefined);
  req.flushHeaders();
  return { req, reply };
}

function nextRequest(target: Server): Promise<void> {
  return new Promise((resolve) => target.once('request', () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Log lines are written when a response closes, which may be just after the client has it. */
async function logLines(count: number): Promise<Record<string, unknown>[]> {
  for (let waited = 0; logs.length < count && waited < 2000; waited += 5) await delay(5);
  expect(logs).toHaveLength(count);
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectJsonHeaders(reply: Reply): void {
  expect(reply.headers['content-type']).toBe(JSON_CONTENT_TYPE);
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
}

function expectError(reply: Reply, status: number): void {
  expect(reply.status).toBe(status);
  expectJsonHeaders(reply);
  expect(Object.keys(reply.json)).toEqual(['message']);
  expect(reply.json.message).toEqual(expect.any(String));
}

describe('createOrdersServer', () => {
  test('rejects option values that are not positive integers', () => {
    expect(() => createOrdersServer({ maxOrders: 0 })).toThrow(RangeError);
    expect(() => createOrdersServer({ maxOrders: 1.5 })).toThrow(RangeError);
    expect(() => createOrdersServer({ maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => createOrdersServer({ maxBodyBytes: Number.NaN })).toThrow(RangeError);
  });

  test('keeps connections longer than the ALB idle timeout (60 s)', () => {
    const created = createOrdersServer({ logger: () => undefined });
    expect(created.listening).toBe(false);
    expect(created.keepAliveTimeout).toBe(65_000);
    expect(created.headersTimeout).toBe(66_000);
    expect(created.requestTimeout).toBe(70_000);
    expect(SERVER_TIMEOUTS.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(SERVER_TIMEOUTS.headersTimeout).toBeGreaterThan(SERVER_TIMEOUTS.keepAliveTimeout);
  });
});

describe('health', () => {
  test.each(['/health', '/orders/health'])('GET %s answers 200 {"status":"ok"}', async (path) => {
    await start();
    const reply = await call('GET', path);
    expect(reply.status).toBe(200);
    expectJsonHeaders(reply);
    expect(reply.text).toBe('{"status":"ok"}');
  });

  test('HEAD /health answers 200 without a body', async () => {
    await start();
    const reply = await call('HEAD', '/health');
    expect(reply.status).toBe(200);
    expectJsonHeaders(reply);
    expect(reply.text).toBe('');
  });

  test('health works with a query string', async () => {
    await start();
    expect((await call('GET', '/health?probe=alb')).status).toBe(200);
  });
});

describe('POST /orders', () => {
  test('creates an order: 201, the order, and its Location', async () => {
    await start();
    const before = Date.now();
    const reply = await post({ item: 'espresso beans', quantity: 3 });
    expect(reply.status).toBe(201);
    expectJsonHeaders(reply);
    const order = reply.json as unknown as Order;
    expect(Object.keys(order).sort()).toEqual(['createdAt', 'id', 'item', 'quantity']);
    expect(order).toMatchObject({ item: 'espresso beans', quantity: 3 });
    expect(order.id).toMatch(UUID);
    expect(new Date(order.createdAt).toISOString()).toBe(order.createdAt);
    expect(Date.parse(order.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(reply.headers.location).toBe(`/orders/${order.id}`);

    const fetched = await call('GET', reply.headers.location!);
    expect(fetched.status).toBe(200);
    expectJsonHeaders(fetched);
    expect(fetched.json).toEqual(order);
  });

  test('accepts the limits: 100 characters (code points), quantity 1 and 1000', async () => {
    await start();
    expect((await post({ item: 'x'.repeat(100), quantity: 1 })).status).toBe(201);
    const emoji = await post({ item: '🍩'.repeat(100), quantity: 1000 });
    expect(emoji.status).toBe(201);
    expect(emoji.json.item).toBe('🍩'.repeat(100));
  });

  test.each([
    ['application/json; charset=utf-8'],
    ['Application/JSON; Charset="UTF-8"'],
    ['application/json;'],
  ])('accepts content-type %s', async (contentType) => {
    await start();
    expect((await post({ item: 'tea', quantity: 1 }, { 'content-type': contentType })).status).toBe(201);
  });

  test.each([
    ['no content-type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['application/jsonx', { 'content-type': 'application/jsonx' }],
    ['another charset', { 'content-type': 'application/json; charset=iso-8859-1' }],
    ['another parameter', { 'content-type': 'application/json; boundary=x' }],
    ['a compressed body', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
  ])('415 for %s', async (_name, headers: Record<string, string>) => {
    await start();
    const reply = await post({ item: 'tea', quantity: 1 }, headers);
    expectError(reply, 415);
    expect((await call('GET', '/orders')).json).toEqual({ orders: [] });
  });

  // Every invalid input carries the marker; no answer may contain it.
  const MARKER = 'ECHO-MARKER';
  test.each([
    ['malformed JSON', `{"item": "${MARKER}", `],
    ['an empty body', ''],
    ['a JSON string', JSON.stringify(MARKER)],
    ['a JSON array', JSON.stringify([MARKER, 1])],
    ['null', 'null'],
    ['an extra property', JSON.stringify({ item: 'tea', quantity: 1, [MARKER]: true })],
    ['an extra property with a marker value', JSON.stringify({ item: 'tea', quantity: 1, note: MARKER })],
    ['a missing item', JSON.stringify({ quantity: 1 })],
    ['a missing quantity', JSON.stringify({ item: MARKER })],
    ['an empty item', JSON.stringify({ item: '', quantity: 1 })],
    ['a blank item', JSON.stringify({ item: '   ', quantity: 1 })],
    ['an item of 101 characters', JSON.stringify({ item: `${MARKER}${'x'.repeat(101)}`, quantity: 1 })],
    ['an item with a control character', JSON.stringify({ item: `${MARKER}\n`, quantity: 1 })],
    ['a number item', JSON.stringify({ item: 42, quantity: 1 })],
    ['a quantity of 0', JSON.stringify({ item: MARKER, quantity: 0 })],
    ['a quantity of 1001', JSON.stringify({ item: MARKER, quantity: 1001 })],
    ['a fractional quantity', JSON.stringify({ item: MARKER, quantity: 1.5 })],
    ['a string quantity', JSON.stringify({ item: MARKER, quantity: '5' })],
    ['a negative quantity', JSON.stringify({ item: MARKER, quantity: -1 })],
  ])('400 for %s, without echoing the input', async (_name, body) => {
    await start();
    const reply = await post(body);
    expectError(reply, 400);
    expect(reply.text).not.toContain(MARKER);
    expect((await call('GET', '/orders')).json).toEqual({ orders: [] });
  });

  test('400 for a body that is not UTF-8', async () => {
    await start();
    const body = Buffer.concat([Buffer.from('{"item":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","quantity":1}')]);
    const reply = await call('POST', '/orders', { headers: { 'content-type': 'application/json' }, body });
    expectError(reply, 400);
  });

  test('accepts a body of exactly maxBodyBytes, 413 one byte over', async () => {
    await start();
    const json = JSON.stringify({ item: 'tea', quantity: 1 });
    const exact = json + ' '.repeat(DEFAULT_MAX_BODY_BYTES - json.length);
    expect((await post(exact)).status).toBe(201);
    const reply = await post(`${exact} `);
    expectError(reply, 413);
    expect(reply.headers.connection).toBe('close');
  });

  test('413 at once for a content-length over the limit, before the body is sent', async () => {
    await start({ maxBodyBytes: 1024 });
    const { req, reply } = openRequest('POST', '/orders', { 'content-type': 'application/json', 'content-length': '100000' });
    // Not one byte of the body is written: the answer cannot have waited for it.
    const answer = await reply;
    req.destroy();
    expectError(answer, 413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.json.message).toContain('1024');
  });

  test('413 for a streamed (chunked) body as soon as it passes the limit', async () => {
    await start({ maxBodyBytes: 1024 });
    const { req, reply } = openRequest('POST', '/orders', { 'content-type': 'application/json' });
    let answer: Reply | undefined;
    void reply.then((received) => (answer = received));
    let sent = 0;
    // The client would go on for 1 MiB: the server must answer long before.
    while (answer === undefined && sent < 1024 * 1024 && !req.destroyed) {
      req.write('x'.repeat(256));
      sent += 256;
      await delay(2);
    }
    answer ??= await reply;
    req.destroy();
    expectError(answer, 413);
    expect(answer.headers.connection).toBe('close');
    expect(sent).toBeLessThan(64 * 1024);
    expect((await call('GET', '/orders')).json).toEqual({ orders: [] });
  });

  test('the server keeps answering after a client sent too much', async () => {
    await start({ maxBodyBytes: 64 });
    expectError(await post({ item: 'x'.repeat(200), quantity: 1 }), 413);
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('GET /orders', () => {
  test('an empty list at first', async () => {
    await start();
    const reply = await call('GET', '/orders');
    expect(reply.status).toBe(200);
    expectJsonHeaders(reply);
    expect(reply.json).toEqual({ orders: [] });
  });

  test(`newest first, at most ${DEFAULT_LIST_LIMIT} by default`, async () => {
    await start();
    const created: Order[] = [];
    for (let i = 0; i < 25; i++) created.push(await createOrder(`item ${i}`, i + 1));
    const reply = await call('GET', '/orders');
    expect(reply.status).toBe(200);
    expect(reply.json.orders).toEqual(created.slice(-DEFAULT_LIST_LIMIT).reverse());
  });

  test('limit chooses how many', async () => {
    await start();
    const created: Order[] = [];
    for (let i = 0; i < 5; i++) created.push(await createOrder(`item ${i}`));
    expect((await call('GET', '/orders?limit=2')).json.orders).toEqual([created[4], created[3]]);
    expect((await call('GET', '/orders?limit=1&other=ignored')).json.orders).toEqual([created[4]]);
    expect((await call('GET', '/orders?limit=100')).json.orders).toEqual([...created].reverse());
  });

  test.each(['0', '101', '1000', '-1', '1.5', 'abc', '', '05', '%201', '1e2'])('400 for limit=%s', async (limit) => {
    await start();
    expectError(await call('GET', `/orders?limit=${limit}`), 400);
  });

  test('400 for limit given twice', async () => {
    await start();
    expectError(await call('GET', '/orders?limit=1&limit=2'), 400);
  });

  test('HEAD /orders answers 200 without a body', async () => {
    await start();
    const reply = await call('HEAD', '/orders');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
  });
});

describe('GET /orders/{id}', () => {
  test('404 for an unknown UUID', async () => {
    await start();
    const reply = await call('GET', '/orders/3f2b8c1e-9d4a-4e6b-8c7d-1a2b3c4d5e6f');
    expectError(reply, 404);
  });

  test('ids are not case-sensitive', async () => {
    await start();
    const order = await createOrder('tea');
    expect((await call('GET', `/orders/${order.id.toUpperCase()}`)).json).toEqual(order);
  });

  test.each(['not-a-uuid', '123', '3f2b8c1e9d4a4e6b8c7d1a2b3c4d5e6f', '3f2b8c1e-9d4a-4e6b-8c7d-1a2b3c4d5e6g', '%3Cscript%3E'])(
    '400 for the id %s',
    async (id) => {
      await start();
      const reply = await call('GET', `/orders/${id}`);
      expectError(reply, 400);
      expect(reply.text).not.toContain(id);
    },
  );
});

describe('routing', () => {
  test.each(['/', '/order', '/orders/', '/orders/a/b', '/health/x', '/ORDERS', '/v1/orders', '/prod/orders'])('404 for %s', async (path) => {
    await start();
    expectError(await call('GET', path), 404);
  });

  test.each([
    ['DELETE', '/orders', 'GET, HEAD, POST'],
    ['PUT', '/orders', 'GET, HEAD, POST'],
    ['OPTIONS', '/orders', 'GET, HEAD, POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['POST', '/orders/health', 'GET, HEAD'],
    ['DELETE', '/orders/3f2b8c1e-9d4a-4e6b-8c7d-1a2b3c4d5e6f', 'GET, HEAD'],
    ['PATCH', '/orders/not-a-uuid', 'GET, HEAD'],
  ])('405 for %s %s, with Allow: %s', async (method, path, allow) => {
    await start();
    const reply = await call(method, path);
    expectError(reply, 405);
    expect(reply.headers.allow).toBe(allow);
  });

  test('a request Node.js cannot parse gets a JSON 400', async () => {
    await start();
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head.toLowerCase()).toContain(`content-type: ${JSON_CONTENT_TYPE}`);
    expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(JSON.parse(body)).toEqual({ message: 'Bad Request' });
    const [line] = await logLines(1);
    expect(line).toMatchObject({ msg: 'client error', status: 400 });
  });
});

describe('the in-memory store', () => {
  test('evicts the oldest orders beyond maxOrders', async () => {
    await start({ maxOrders: 3 });
    const created: Order[] = [];
    for (let i = 0; i < 5; i++) created.push(await createOrder(`item ${i}`));
    expect((await call('GET', '/orders?limit=100')).json.orders).toEqual([created[4], created[3], created[2]]);
    for (const evicted of created.slice(0, 2)) expectError(await call('GET', `/orders/${evicted.id}`), 404);
    for (const kept of created.slice(2)) expect((await call('GET', `/orders/${kept.id}`)).status).toBe(200);
  });

  test('each server has its own store', async () => {
    await start();
    await createOrder('tea');
    const other = createOrdersServer({ logger: () => undefined });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const otherPort = (other.address() as AddressInfo).port;
      const reply = await fetch(`http://127.0.0.1:${otherPort}/orders`);
      expect(await reply.json()).toEqual({ orders: [] });
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('logging', () => {
  test('one JSON line per request: method, path without query, status, duration, trace ids', async () => {
    await start();
    await call('GET', '/orders?limit=5&secret=query-value', {
      headers: { 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678', 'x-amzn-requestid': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' },
    });
    await call('DELETE', '/health');
    const [first, second] = await logLines(2);
    expect(first).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: '/orders',
      status: 200,
      durationMs: expect.any(Number),
      traceId: 'Root=1-67891233-abcdef012345678912345678',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(second).toMatchObject({ method: 'DELETE', path: '/health', status: 405 });
    expect(second).not.toHaveProperty('traceId');
    expect(second).not.toHaveProperty('requestId');
    expect(logs.join('\n')).not.toContain('query-value');
  });

  test('never logs headers such as authorization, nor bodies', async () => {
    await start({ maxBodyBytes: 256 });
    const secret = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-4b1d';
    const headers = { authorization: secret, cookie: 'session=cookie-secret', 'content-type': 'application/json' };
    await call('POST', '/orders', { headers, body: JSON.stringify({ item: 'body-secret', quantity: 1 }) });
    await call('POST', '/orders', { headers, body: '{"item": "body-secret-malformed"' });
    await call('POST', '/orders', { headers, body: JSON.stringify({ item: 'body-secret-large'.repeat(50), quantity: 1 }) });
    await call('GET', '/orders', { headers });
    await call('GET', '/nowhere', { headers });
    const lines = await logLines(5);
    expect(lines.map((line) => line.status)).toEqual([201, 400, 413, 200, 404]);
    const all = logs.join('\n');
    for (const leak of ['eyJhbGciOiJIUzI1NiJ9', 'Bearer', 'cookie-secret', 'body-secret']) expect(all).not.toContain(leak);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['durationMs', 'level', 'method', 'msg', 'path', 'status', 'time']);
    }
  });

  test('a client that goes away before the answer is logged as aborted', async () => {
    const started = await start();
    const { req } = openRequest('POST', '/orders', { 'content-type': 'application/json', 'content-length': '100' });
    await nextRequest(started);
    req.destroy();
    const [line] = await logLines(1);
    expect(line).toMatchObject({ method: 'POST', path: '/orders', status: null, aborted: true });
    expect((await call('GET', '/health')).status).toBe(200);
  });

  test('a logger that throws does not break requests', async () => {
    await start({
      logger: () => {
        throw new Error('log sink down');
      },
    });
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await post({ item: 'tea', quantity: 1 })).status).toBe(201);
  });

  test('writes to stdout by default, one line per request', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const started = createOrdersServer();
      server = started;
      await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
      port = (started.address() as AddressInfo).port;
      await call('GET', '/health');
      for (let waited = 0; write.mock.calls.length === 0 && waited < 2000; waited += 5) await delay(5);
      expect(write).toHaveBeenCalledTimes(1);
      const line = String(write.mock.calls[0][0]);
      expect(line.endsWith('\n')).toBe(true);
      expect(JSON.parse(line)).toMatchObject({ method: 'GET', path: '/health', status: 200 });
    } finally {
      write.mockRestore();
    }
  });
});

describe('closeGracefully', () => {
  test('closes idle keep-alive connections and finishes a busy request with connection: close', async () => {
    const started = await start();
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await call('GET', '/health', { agent })).headers.connection).toBe('keep-alive');
      const idleSocketClosed = new Promise<void>((resolve) => {
        const [socket] = Object.values(agent.freeSockets).flat();
        socket?.once('close', () => resolve());
      });

      const body = JSON.stringify({ item: 'tea', quantity: 2 });
      const { req, reply } = openRequest('POST', '/orders', {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      req.write(body.slice(0, 5));
      await nextRequest(started);

      const closing = closeGracefully(started, 5000);
      expect(started.listening).toBe(false);
      await idleSocketClosed;
      req.end(body.slice(5));
      const answer = await reply;
      expect(answer.status).toBe(201);
      expect(answer.headers.connection).toBe('close');
      await expect(closing).resolves.toBe(true);
    } finally {
      agent.destroy();
    }
  });

  test('destroys connections still busy after the timeout and resolves false', async () => {
    const started = await start();
    const { req, reply } = openRequest('POST', '/orders', { 'content-type': 'application/json', 'content-length': '100' });
    req.write('{');
    await nextRequest(started);
    const before = Date.now();
    await expect(closeGracefully(started, 200)).resolves.toBe(false);
    expect(Date.now() - before).toBeGreaterThanOrEqual(150);
    await expect(reply).rejects.toThrow();
    req.destroy();
  });

  test('resolves true at once when no connection is open', async () => {
    const started = await start();
    await expect(closeGracefully(started, 5000)).resolves.toBe(true);
    expect(started.listening).toBe(false);
  });
});
