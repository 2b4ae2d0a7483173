import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createHandler, InMemoryItemStore, LIMITS } from '../../../bin/lambda/items/handler';
import type { CorsOptions, Item, ItemPage, ItemsHandler, ItemStore } from '../../../bin/lambda/items/handler';

interface Request {
  readonly method: string;
  readonly resource: string;
  readonly id?: string;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly sub?: string;
  /** Request headers. Default: `content-type: application/json`. */
  readonly headers?: Record<string, string>;
  /** Query string parameters; an array is a parameter given several times. */
  readonly query?: Record<string, string | string[]>;
}

/** A REST API (payload 1.0) proxy event with the fields the handler reads filled in. */
function apiEvent({
  method,
  resource,
  id,
  body = null,
  isBase64Encoded = false,
  sub,
  headers = { 'content-type': 'application/json' },
  query,
}: Request): APIGatewayProxyEvent {
  const path = id === undefined ? resource : resource.replace('{id}', id);
  const multiQuery = query === undefined ? null : Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value].flat()]));
  return {
    httpMethod: method,
    resource,
    path,
    body,
    isBase64Encoded,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    pathParameters: id === undefined ? null : { id },
    // API Gateway's single-value map holds the last value of a repeated parameter.
    queryStringParameters: multiQuery === null ? null : Object.fromEntries(Object.entries(multiQuery).map(([name, values]) => [name, values[values.length - 1]])),
    multiValueQueryStringParameters: multiQuery,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: sub === undefined ? null : { principalId: sub, sub, scope: 'items/write', iss: 'https://idp.example.com' },
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'req-1',
      requestTimeEpoch: 0,
      resourceId: 'res1',
      resourcePath: resource,
    },
  };
}

function bodyOf(result: APIGatewayProxyResult): unknown {
  return JSON.parse(result.body);
}

/** A POST /items event; a string or null body is sent as is, anything else as JSON. */
const post = (body: unknown, extra: Partial<Request> = {}) =>
  apiEvent({
    method: 'POST',
    resource: '/items',
    body: typeof body === 'string' || body === null ? body : JSON.stringify(body),
    ...extra,
  });

/** A GET /items event with the given query parameters. */
const list = (query?: Record<string, string | string[]>, headers?: Record<string, string>) =>
  apiEvent({ method: 'GET', resource: '/items', query, headers });

describe('items handler', () => {
  let store: InMemoryItemStore;
  let handler: ItemsHandler;
  let clock: number;
  let ids: number;

  beforeEach(() => {
    store = new InMemoryItemStore();
    clock = Date.parse('2025-01-01T00:00:00.000Z');
    ids = 0;
    handler = createHandler(store, {
      now: () => new Date((clock += 1000)),
      newId: () => `id-${++ids}`,
    });
  });

  /** Everything in the store, oldest first. */
  const stored = async () => (await store.list({ limit: 1000 })).items;

  describe('POST /items', () => {
    test('GIVEN a valid item WHEN posted THEN 201 returns it with id, createdAt and trimmed values, and it is stored', async () => {
      const result = await handler(post({ name: '  Coffee mug ', price: 12.5, tags: [' kitchen ', 'gift'] }));

      const expected: Item = {
        id: 'id-1',
        name: 'Coffee mug',
        price: 12.5,
        tags: ['kitchen', 'gift'],
        createdAt: '2025-01-01T00:00:01.000Z',
      };
      expect(result.statusCode).toBe(201);
      expect(result.headers).toEqual({ 'content-type': 'application/json' });
      expect(bodyOf(result)).toEqual(expected);
      expect(await store.get('id-1')).toEqual(expected);
    });

    test('GIVEN no tags and a zero price WHEN posted THEN tags default to an empty list', async () => {
      const result = await handler(post({ name: 'Sticker', price: 0 }));

      expect(result.statusCode).toBe(201);
      expect(bodyOf(result)).toMatchObject({ name: 'Sticker', price: 0, tags: [] });
    });

    test('GIVEN an authorized caller WHEN posted THEN the item records createdBy', async () => {
      const result = await handler(post({ name: 'Pen', price: 1 }, { sub: 'alice' }));

      expect(bodyOf(result)).toMatchObject({ createdBy: 'alice' });
    });

    test('GIVEN no authorizer WHEN posted THEN the item has no createdBy', async () => {
      const result = await handler(post({ name: 'Pen', price: 1 }));

      expect(bodyOf(result)).not.toHaveProperty('createdBy');
    });

    test('GIVEN a base64-encoded body WHEN posted THEN it is decoded', async () => {
      const body = Buffer.from(JSON.stringify({ name: 'Lamp', price: 30 })).toString('base64');

      const result = await handler(post(body, { isBase64Encoded: true }));

      expect(result.statusCode).toBe(201);
      expect(bodyOf(result)).toMatchObject({ name: 'Lamp', price: 30 });
    });

    test('GIVEN a 100-character name and 10 tags of 32 characters WHEN posted THEN the limits are inclusive', async () => {
      const result = await handler(post({ name: 'n'.repeat(100), price: 1, tags: Array(10).fill('t'.repeat(32)) }));

      expect(result.statusCode).toBe(201);
    });

    test.each([
      ['no body', null, 'Request body is required', [{ field: 'body', problem: 'is required' }]],
      ['invalid JSON', '{"name": "x",', 'Request body is not valid JSON', [{ field: 'body', problem: 'must be valid JSON' }]],
      ['a JSON array', '[]', 'Request body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]],
      ['a JSON null', 'null', 'Request body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]],
      ['a missing name', { price: 1 }, 'Request body is invalid', [{ field: 'name', problem: 'is required' }]],
      ['an empty name', { name: '   ', price: 1 }, 'Request body is invalid', [{ field: 'name', problem: 'must not be empty' }]],
      ['a non-string name', { name: 42, price: 1 }, 'Request body is invalid', [{ field: 'name', problem: 'must be a string' }]],
      [
        'a name of 101 characters',
        { name: 'n'.repeat(101), price: 1 },
        'Request body is invalid',
        [{ field: 'name', problem: 'must be at most 100 characters' }],
      ],
      ['a missing price', { name: 'x' }, 'Request body is invalid', [{ field: 'price', problem: 'is required' }]],
      ['a negative price', { name: 'x', price: -0.01 }, 'Request body is invalid', [{ field: 'price', problem: 'must be zero or greater' }]],
      ['a string price', { name: 'x', price: '12' }, 'Request body is invalid', [{ field: 'price', problem: 'must be a finite number' }]],
      ['an infinite price', '{"name":"x","price":1e999}', 'Request body is invalid', [{ field: 'price', problem: 'must be a finite number' }]],
      [
        'an unknown field',
        { name: 'x', price: 1, colour: 'red' },
        'Request body is invalid',
        [{ field: 'colour', problem: 'is not allowed' }],
      ],
      ['tags that are not a list', { name: 'x', price: 1, tags: 'a,b' }, 'Request body is invalid', [{ field: 'tags', problem: 'must be an array of strings' }]],
      [
        '11 tags',
        { name: 'x', price: 1, tags: Array(11).fill('t') },
        'Request body is invalid',
        [{ field: 'tags', problem: 'must have at most 10 entries' }],
      ],
      [
        'bad tag entries',
        { name: 'x', price: 1, tags: ['ok', 7, ' ', 't'.repeat(33)] },
        'Request body is invalid',
        [
          { field: 'tags[1]', problem: 'must be a string' },
          { field: 'tags[2]', problem: 'must be 1 to 32 characters' },
          { field: 'tags[3]', problem: 'must be 1 to 32 characters' },
        ],
      ],
      [
        'several problems',
        { price: -1, extra: true },
        'Request body is invalid',
        [
          { field: 'extra', problem: 'is not allowed' },
          { field: 'name', problem: 'is required' },
          { field: 'price', problem: 'must be zero or greater' },
        ],
      ],
    ])('GIVEN %s WHEN posted THEN 400 lists the problems and nothing is stored', async (_case, body, message, errors) => {
      const result = await handler(post(body));

      expect(result.statusCode).toBe(400);
      expect(result.headers).toEqual({ 'content-type': 'application/json' });
      expect(bodyOf(result)).toEqual({ message, errors });
      expect(await stored()).toEqual([]);
    });

    test('GIVEN a body over 16 KB WHEN posted THEN 413 says it is too large', async () => {
      const body = JSON.stringify({ name: 'x', price: 1, padding: 'p'.repeat(16 * 1024) });

      const result = await handler(post(body));

      expect(result.statusCode).toBe(413);
      expect(bodyOf(result)).toEqual({
        message: 'Request body is too large',
        errors: [{ field: 'body', problem: 'must be at most 16384 bytes' }],
      });
      expect(await stored()).toEqual([]);
    });

    test('GIVEN a base64 body that decodes to over 16 KB WHEN posted THEN 413', async () => {
      const body = Buffer.from(JSON.stringify({ name: 'x', price: 1, pad: 'p'.repeat(16 * 1024) })).toString('base64');

      expect((await handler(post(body, { isBase64Encoded: true }))).statusCode).toBe(413);
    });

    test('GIVEN a body over 16 KB that is not even JSON WHEN posted THEN 413 (the size is checked before parsing)', async () => {
      expect((await handler(post('{'.repeat(16 * 1024 + 1)))).statusCode).toBe(413);
    });

    test('GIVEN a body of exactly 16 KB WHEN posted THEN the size is accepted', async () => {
      const skeleton = JSON.stringify({ name: 'x', price: 1 });
      const body = skeleton.slice(0, -1) + ' '.repeat(16 * 1024 - skeleton.length) + '}';

      const result = await handler(post(body));

      expect(Buffer.byteLength(body)).toBe(16 * 1024);
      expect(result.statusCode).toBe(201);
    });
  });

  describe('GET /items and GET /items/{id}', () => {
    test('GIVEN no items WHEN listed THEN 200 returns an empty page without nextCursor', async () => {
      const result = await handler(apiEvent({ method: 'GET', resource: '/items' }));

      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual({ items: [] });
    });

    test('GIVEN stored items WHEN listed THEN they come oldest first', async () => {
      await store.put({ id: 'b', name: 'B', price: 2, tags: [], createdAt: '2025-02-01T00:00:00.000Z' });
      await store.put({ id: 'a', name: 'A', price: 1, tags: [], createdAt: '2025-01-01T00:00:00.000Z' });
      await store.put({ id: 'c', name: 'C', price: 3, tags: [], createdAt: '2025-03-01T00:00:00.000Z' });

      const result = await handler(apiEvent({ method: 'GET', resource: '/items' }));

      expect(result.statusCode).toBe(200);
      expect((bodyOf(result) as ItemPage).items.map((item) => item.id)).toEqual(['a', 'b', 'c']);
      expect(bodyOf(result)).not.toHaveProperty('nextCursor');
    });

    test('GIVEN a created item WHEN fetched by id THEN 200 returns it', async () => {
      const created = bodyOf(await handler(post({ name: 'Chair', price: 45 }))) as Item;

      const result = await handler(apiEvent({ method: 'GET', resource: '/items/{id}', id: created.id }));

      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual(created);
    });

    test('GIVEN an unknown id WHEN fetched THEN 404', async () => {
      const result = await handler(apiEvent({ method: 'GET', resource: '/items/{id}', id: 'nope' }));

      expect(result.statusCode).toBe(404);
      expect(bodyOf(result)).toEqual({ message: 'Item not found' });
    });
  });

  describe('routing', () => {
    test.each([
      ['DELETE', '/items', 'GET, POST'],
      ['PUT', '/items/{id}', 'GET'],
      ['POST', '/items/{id}', 'GET'],
      ['toString', '/items', 'GET, POST'],
    ])('GIVEN %s %s WHEN called THEN 405 names the allowed methods', async (method, resource, allow) => {
      const result = await handler(apiEvent({ method, resource, id: resource.includes('{id}') ? 'x' : undefined }));

      expect(result.statusCode).toBe(405);
      expect(result.headers).toEqual({ 'content-type': 'application/json', allow });
      expect(bodyOf(result)).toEqual({ message: 'Method not allowed' });
    });

    test.each(['/orders', 'constructor', '__proto__'])('GIVEN the unknown resource %s WHEN called THEN 404', async (resource) => {
      const result = await handler(apiEvent({ method: 'GET', resource }));

      expect(result.statusCode).toBe(404);
      expect(bodyOf(result)).toEqual({ message: 'Route not found' });
    });

    test('GIVEN a failing store WHEN listed THEN 500 without internals', async () => {
      const failing: ItemStore = {
        list: () => Promise.reject(new Error('table missing')),
        get: () => Promise.reject(new Error('table missing')),
        put: () => Promise.reject(new Error('table missing')),
      };
      const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

      const result = await createHandler(failing)(apiEvent({ method: 'GET', resource: '/items' }));

      expect(result.statusCode).toBe(500);
      expect(bodyOf(result)).toEqual({ message: 'Internal server error' });
      expect(errors).toHaveBeenCalledTimes(1);
      errors.mockRestore();
    });
  });
});

/** A handler over a fresh store, with a ticking clock and numbered ids. */
function setup(options: { cors?: CorsOptions } = {}) {
  const store = new InMemoryItemStore();
  let clock = Date.parse('2025-01-01T00:00:00.000Z');
  let ids = 0;
  const handler = createHandler(store, {
    now: () => new Date((clock += 1000)),
    newId: () => `id-${String(++ids).padStart(4, '0')}`,
    ...options,
  });
  return { store, handler };
}

describe('POST /items content type', () => {
  const valid = JSON.stringify({ name: 'Mug', price: 3 });

  test.each([
    ['no content-type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['a +json type', { 'content-type': 'application/merge-patch+json' }],
    ['a look-alike', { 'content-type': 'application/jsonp' }],
    ['another charset', { 'content-type': 'application/json; charset=iso-8859-1' }],
    ['another parameter', { 'content-type': 'application/json; boundary=x' }],
    ['an empty value', { 'content-type': '' }],
  ])('GIVEN %s WHEN posted THEN 415 and nothing is stored', async (_case, headers) => {
    const { store, handler } = setup();

    const result = await handler(post(valid, { headers }));

    expect(result.statusCode).toBe(415);
    expect(result.headers).toEqual({ 'content-type': 'application/json' });
    expect(bodyOf(result)).toEqual({
      message: 'Content-Type must be application/json',
      errors: [{ field: 'content-type', problem: 'must be application/json' }],
    });
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  test.each<Record<string, string>>([
    { 'content-type': 'application/json' },
    { 'Content-Type': 'application/json; charset=utf-8' },
    { 'CONTENT-TYPE': 'Application/JSON;Charset=UTF-8' },
    { 'content-type': 'application/json; charset="utf-8"' },
  ])('GIVEN %p WHEN posted THEN 201', async (headers) => {
    expect((await setup().handler(post(valid, { headers }))).statusCode).toBe(201);
  });

  test('GIVEN a body that is not JSON and is too large, sent as text/plain WHEN posted THEN 415 (checked before the body)', async () => {
    const { handler } = setup();
    expect((await handler(post('x'.repeat(20_000), { headers: { 'content-type': 'text/plain' } }))).statusCode).toBe(415);
    expect((await handler(post(null, { headers: {} }))).statusCode).toBe(415);
  });
});

describe('POST /items control characters', () => {
  test.each([
    ['NUL', '\u0000'],
    ['LF', '\n'],
    ['CR', '\r'],
    ['TAB', '\t'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
    ['CSI (C1)', '\u009b'],
    ['LINE SEPARATOR', '\u2028'],
    ['PARAGRAPH SEPARATOR', '\u2029'],
    ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
    ['LEFT-TO-RIGHT ISOLATE', '\u2066'],
    ['RIGHT-TO-LEFT MARK', '\u200f'],
    ['ARABIC LETTER MARK', '\u061c'],
    ['an unpaired surrogate', '\ud800'],
  ])('GIVEN %s in the name or a tag WHEN posted THEN 400 names the field', async (_case, character) => {
    const { store, handler } = setup();

    for (const text of [`a${character}b`, `${character}ab`, `ab${character}`]) {
      const result = await handler(post({ name: text, price: 1, tags: ['ok', text] }));

      expect(result.statusCode).toBe(400);
      expect(bodyOf(result)).toEqual({
        message: 'Request body is invalid',
        errors: [
          { field: 'name', problem: 'must not contain control characters' },
          { field: 'tags[1]', problem: 'must not contain control characters' },
        ],
      });
    }
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  test('GIVEN letters of any script, emoji with joiners and skin tones, and inner spaces WHEN posted THEN 201 keeps them', async () => {
    const name = 'Café 東京 مرحبا 👩🏽‍💻 x';
    const result = await setup().handler(post({ name, price: 1, tags: ['日本', '👨‍👩‍👧'] }));

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ name, tags: ['日本', '👨‍👩‍👧'] });
  });
});

describe('GET /items paging', () => {
  async function filled(count: number) {
    const context = setup();
    for (let i = 0; i < count; i += 1) {
      expect((await context.handler(post({ name: `item ${i}`, price: i }))).statusCode).toBe(201);
    }
    return context;
  }

  const page = (result: { body: string }) => JSON.parse(result.body) as ItemPage;

  test('GIVEN 120 items WHEN listed without a limit THEN pages of 50 follow nextCursor to the end, oldest first, each once', async () => {
    const { handler } = await filled(120);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const result = await handler(list(cursor === undefined ? undefined : { cursor }));
      expect(result.statusCode).toBe(200);
      const body = page(result);
      sizes.push(body.items.length);
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor !== undefined);

    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `id-${String(i + 1).padStart(4, '0')}`));
  });

  test('GIVEN limit=100 WHEN listed THEN 100 items; exactly as many items as the limit THEN no nextCursor', async () => {
    const { handler } = await filled(100);
    const body = page(await handler(list({ limit: '100' })));
    expect(body.items).toHaveLength(100);
    expect(body).not.toHaveProperty('nextCursor');
    expect(page(await handler(list({ limit: '99' }))).nextCursor).toEqual(expect.any(String));
  });

  test('GIVEN items added after a page was read WHEN the next page is read THEN nothing repeats and the new items follow', async () => {
    const { handler } = await filled(3);
    const first = page(await handler(list({ limit: '2' })));
    await handler(post({ name: 'late', price: 1 }));

    const second = page(await handler(list({ limit: '2', cursor: first.nextCursor as string })));

    expect([...first.items, ...second.items].map((item) => item.name)).toEqual(['item 0', 'item 1', 'item 2', 'late']);
    expect(second).not.toHaveProperty('nextCursor');
  });

  test('GIVEN the largest items WHEN a full page is listed THEN the answer stays far below 6 MB', async () => {
    const { handler } = setup();
    const widest = '😀'.repeat(LIMITS.maxNameLength);
    for (let i = 0; i < LIMITS.maxPageSize; i += 1) {
      const tags = Array(LIMITS.maxTags).fill('😀'.repeat(LIMITS.maxTagLength));
      const created = await handler(post({ name: widest, price: Number.MAX_VALUE, tags }, { sub: 's'.repeat(256) }));
      expect(created.statusCode).toBe(201);
    }

    const result = await handler(list({ limit: String(LIMITS.maxPageSize) }));

    expect(page(result).items).toHaveLength(100);
    expect(Buffer.byteLength(result.body)).toBeLessThan(1024 * 1024);
  });

  test.each([
    ['limit=0', { limit: '0' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=101', { limit: '101' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=-1', { limit: '-1' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=1.5', { limit: '1.5' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=1e2', { limit: '1e2' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=007', { limit: '007' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit=ten', { limit: 'ten' }, 'limit', 'must be an integer from 1 to 100'],
    ['an empty limit', { limit: '' }, 'limit', 'must be an integer from 1 to 100'],
    ['limit twice', { limit: ['5', '10'] }, 'limit', 'must be given once'],
    ['an empty cursor', { cursor: '' }, 'cursor', 'is not a cursor this API issued'],
    ['a cursor with other characters', { cursor: 'abc/def+==' }, 'cursor', 'is not a cursor this API issued'],
    ['a cursor of 1025 characters', { cursor: 'a'.repeat(1025) }, 'cursor', 'is not a cursor this API issued'],
    ['a cursor that is not JSON', { cursor: Buffer.from('hello').toString('base64url') }, 'cursor', 'is not a cursor this API issued'],
    ['a cursor of another shape', { cursor: Buffer.from('{"id":1}').toString('base64url') }, 'cursor', 'is not a cursor this API issued'],
    ['cursor twice', { cursor: ['a', 'b'] }, 'cursor', 'must be given once'],
  ])('GIVEN %s WHEN listed THEN 400 names the parameter', async (_case, query, field, problem) => {
    const { handler } = await filled(1);

    const result = await handler(list(query));

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ message: 'Query is invalid', errors: [{ field, problem }] });
  });

  test('GIVEN other query parameters WHEN listed THEN they are ignored', async () => {
    const { handler } = await filled(2);
    expect(page(await handler(list({ _: '123', utm_source: 'x' }))).items).toHaveLength(2);
  });
});

describe('CORS headers', () => {
  const APP = 'https://app.example.com';
  const cors: CorsOptions = { allowOrigins: [APP, 'https://admin.example.com:8443'], allowCredentials: true };
  const allowed = { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' };

  const requests: Array<[string, (origin: Record<string, string>) => APIGatewayProxyEvent, number]> = [
    ['a created item', (h) => post({ name: 'x', price: 1 }, { headers: { 'content-type': 'application/json', ...h } }), 201],
    ['a list', (h) => list(undefined, h), 200],
    ['a bad query', (h) => list({ limit: '0' }, h), 400],
    ['an invalid body', (h) => post({ name: '' }, { headers: { 'content-type': 'application/json', ...h } }), 400],
    ['an unknown id', (h) => apiEvent({ method: 'GET', resource: '/items/{id}', id: 'nope', headers: h }), 404],
    ['an unknown route', (h) => apiEvent({ method: 'GET', resource: '/orders', headers: h }), 404],
    ['a wrong method', (h) => apiEvent({ method: 'DELETE', resource: '/items', headers: h }), 405],
    ['a body too large', (h) => post('x'.repeat(20_000), { headers: { 'content-type': 'application/json', ...h } }), 413],
    ['a wrong content type', (h) => post('{}', { headers: { 'content-type': 'text/plain', ...h } }), 415],
  ];

  test.each(requests)('GIVEN a listed Origin WHEN answering %s THEN the CORS headers name that origin', async (_case, request, status) => {
    const result = await setup({ cors }).handler(request({ Origin: APP }));

    expect(result.statusCode).toBe(status);
    expect(result.headers).toMatchObject(allowed);
  });

  test('GIVEN a failing store WHEN answering 500 THEN the CORS headers are there too', async () => {
    const failing: ItemStore = {
      list: () => Promise.reject(new Error('table missing')),
      get: () => Promise.reject(new Error('table missing')),
      put: () => Promise.reject(new Error('table missing')),
    };
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const result = await createHandler(failing, { cors })(list(undefined, { origin: APP }));
      expect(result.statusCode).toBe(500);
      expect(result.headers).toMatchObject(allowed);
    } finally {
      errors.mockRestore();
    }
  });

  test.each(['origin', 'ORIGIN', 'oRiGiN'])('GIVEN the header name %s WHEN answering THEN the origin is found', async (name) => {
    expect((await setup({ cors }).handler(list(undefined, { [name]: 'https://admin.example.com:8443' }))).headers).toEqual({
      'content-type': 'application/json',
      'access-control-allow-origin': 'https://admin.example.com:8443',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
  });

  test.each([
    ['another site', 'https://evil.example.com'],
    ['a listed host on another scheme', 'http://app.example.com'],
    ['a listed host on another port', 'https://app.example.com:444'],
    ['a suffix attack', 'https://app.example.com.evil.com'],
    ['a prefix of a listed origin', 'https://app.example.co'],
    ['another case', 'https://APP.example.com'],
    ['a trailing slash', 'https://app.example.com/'],
    ['the null origin', 'null'],
    ['a wildcard', '*'],
    ['two origins', `${APP}, https://evil.example.com`],
  ])('GIVEN %s as Origin WHEN answering THEN no CORS headers, only Vary', async (_case, origin) => {
    expect((await setup({ cors }).handler(list(undefined, { Origin: origin }))).headers).toEqual({
      'content-type': 'application/json',
      vary: 'Origin',
    });
  });

  test('GIVEN no Origin WHEN answering THEN no CORS headers, only Vary', async () => {
    expect((await setup({ cors }).handler(list())).headers).toEqual({ 'content-type': 'application/json', vary: 'Origin' });
  });

  test('GIVEN credentials not allowed WHEN a listed origin calls THEN no Allow-Credentials header', async () => {
    const result = await setup({ cors: { allowOrigins: [APP], allowCredentials: false } }).handler(list(undefined, { origin: APP }));
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'access-control-allow-origin': APP, vary: 'Origin' });
  });

  test('GIVEN * without credentials WHEN any origin calls THEN Allow-Origin is *; no Origin, no header', async () => {
    const { handler } = setup({ cors: { allowOrigins: ['*'], allowCredentials: false } });
    expect((await handler(list(undefined, { origin: 'https://any.example.org' }))).headers).toEqual({
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
    });
    expect((await handler(list())).headers).toEqual({ 'content-type': 'application/json' });
  });

  test('GIVEN no CORS configuration WHEN an origin calls THEN no CORS headers at all', async () => {
    expect((await setup().handler(list(undefined, { origin: APP }))).headers).toEqual({ 'content-type': 'application/json' });
  });

  describe('from the environment', () => {
    const saved = { origins: process.env.CORS_ALLOW_ORIGINS, credentials: process.env.CORS_ALLOW_CREDENTIALS };
    const setEnv = (origins: string | undefined, credentials: string | undefined) => {
      for (const [name, value] of [
        ['CORS_ALLOW_ORIGINS', origins],
        ['CORS_ALLOW_CREDENTIALS', credentials],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    afterEach(() => setEnv(saved.origins, saved.credentials));

    test('GIVEN CORS_ALLOW_ORIGINS and CORS_ALLOW_CREDENTIALS=true WHEN a listed origin calls THEN it is allowed with credentials', async () => {
      setEnv(` ${APP} ,https://b.example.com`, 'true');
      const handler = createHandler(new InMemoryItemStore());
      expect((await handler(list(undefined, { Origin: 'https://b.example.com' }))).headers).toEqual({
        'content-type': 'application/json',
        'access-control-allow-origin': 'https://b.example.com',
        'access-control-allow-credentials': 'true',
        vary: 'Origin',
      });
    });

    test('GIVEN CORS_ALLOW_CREDENTIALS unset WHEN a listed origin calls THEN no credentials header', async () => {
      setEnv(APP, undefined);
      const result = await createHandler(new InMemoryItemStore())(list(undefined, { Origin: APP }));
      expect(result.headers).not.toHaveProperty('access-control-allow-credentials');
      expect(result.headers).toHaveProperty('access-control-allow-origin', APP);
    });

    test.each([
      ['a credentials value other than true/false', APP, 'yes', 'CORS_ALLOW_CREDENTIALS must be "true" or "false" (got "yes")'],
      ['* with credentials', '*', 'true', 'CORS_ALLOW_ORIGINS must not be * when CORS_ALLOW_CREDENTIALS is true'],
      ['* among origins', `*,${APP}`, 'false', 'CORS_ALLOW_ORIGINS must be either * or a list of origins'],
      ['an origin with a path', `${APP}/`, 'false', 'CORS_ALLOW_ORIGINS entries must be scheme://host[:port]'],
      ['an origin in upper case', 'HTTPS://APP.EXAMPLE.COM', 'false', 'CORS_ALLOW_ORIGINS entries must be scheme://host[:port]'],
      ['a host without a scheme', 'app.example.com', 'false', 'CORS_ALLOW_ORIGINS entries must be scheme://host[:port]'],
    ])('GIVEN %s WHEN the handler is created THEN it refuses the configuration', (_case, origins, credentials, message) => {
      setEnv(origins, credentials);
      expect(() => createHandler(new InMemoryItemStore())).toThrow(message);
    });
  });
});
