import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createHandler, InMemoryItemStore } from '../../lambda/items/handler';
import type { Item, ItemsHandler, ItemStore } from '../../lambda/items/handler';

interface Request {
  readonly method: string;
  readonly resource: string;
  readonly id?: string;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly sub?: string;
}

/** A REST API (payload 1.0) proxy event with the fields the handler reads filled in. */
function apiEvent({ method, resource, id, body = null, isBase64Encoded = false, sub }: Request): APIGatewayProxyEvent {
  const path = id === undefined ? resource : resource.replace('{id}', id);
  return {
    httpMethod: method,
    resource,
    path,
    body,
    isBase64Encoded,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    pathParameters: id === undefined ? null : { id },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
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

describe('items handler', () => {
  let store: ItemStore;
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
      expect(await store.list()).toEqual([]);
    });

    test('GIVEN a body over 16 KB WHEN posted THEN 400 says it is too large', async () => {
      const body = JSON.stringify({ name: 'x', price: 1, padding: 'p'.repeat(16 * 1024) });

      const result = await handler(post(body));

      expect(result.statusCode).toBe(400);
      expect(bodyOf(result)).toEqual({
        message: 'Request body is too large',
        errors: [{ field: 'body', problem: 'must be at most 16384 bytes' }],
      });
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
    test('GIVEN no items WHEN listed THEN 200 returns an empty list', async () => {
      const result = await handler(apiEvent({ method: 'GET', resource: '/items' }));

      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual([]);
    });

    test('GIVEN stored items WHEN listed THEN they come oldest first', async () => {
      await store.put({ id: 'b', name: 'B', price: 2, tags: [], createdAt: '2025-02-01T00:00:00.000Z' });
      await store.put({ id: 'a', name: 'A', price: 1, tags: [], createdAt: '2025-01-01T00:00:00.000Z' });
      await store.put({ id: 'c', name: 'C', price: 3, tags: [], createdAt: '2025-03-01T00:00:00.000Z' });

      const result = await handler(apiEvent({ method: 'GET', resource: '/items' }));

      expect(result.statusCode).toBe(200);
      expect((bodyOf(result) as Item[]).map((item) => item.id)).toEqual(['a', 'b', 'c']);
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
