import { Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { HTTP_METHODS, parseRouteKey, RouteKeyRegistry } from '../../../lib/core/routing/route-key';
import { expectApiError, newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const parse = (key: string) => parseRouteKey(stack, 'routes[0].key', key);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('parseRouteKey', () => {
  test('parses a key with a parameter', () => {
    expect(parse('GET /items/{id}')).toEqual({
      key: 'GET /items/{id}',
      method: 'GET',
      path: '/items/{id}',
      segments: ['items', '{id}'],
      parameters: ['id'],
    });
  });

  test('parses the root path', () => {
    expect(parse('GET /')).toEqual({ key: 'GET /', method: 'GET', path: '/', segments: [], parameters: [] });
  });

  test('parses a greedy parameter at the end', () => {
    const route = parse('ANY /files/{proxy+}');
    expect(route.method).toBe('ANY');
    expect(route.segments).toEqual(['files', '{proxy+}']);
    expect(route.parameters).toEqual(['proxy']);
  });

  test('normalizes surrounding and repeated spaces', () => {
    expect(parse('  POST    /items  ').key).toBe('POST /items');
  });

  test('keeps several parameters in order', () => {
    expect(parse('PUT /users/{userId}/items/{itemId}').parameters).toEqual(['userId', 'itemId']);
  });

  test.each([...HTTP_METHODS])('accepts the method %s', (method) => {
    expect(parse(`${method} /x`).method).toBe(method);
  });

  test('accepts literal segments with unreserved and sub-delimiter characters', () => {
    expect(parse("GET /a.b_c~d-e/x:y@z/$!&'()*+,;=").segments).toEqual(['a.b_c~d-e', "x:y@z", "$!&'()*+,;="]);
  });

  test.each([
    ['an empty key', ''],
    ['a method without a path', 'GET'],
    ['a lowercase method', 'get /items'],
    ['a path with a space', 'GET /my items'],
    ['a path without a method', '/items'],
  ])('rejects %s as not METHOD /path', (_why, key) => {
    expectApiError(() => parse(key), 'RouteKeyInvalid', /routes\[0\]\.key must be 'METHOD \/path'/, new RegExp(`Got: "${escape(key)}"`));
  });

  test('rejects an unknown method, naming it', () => {
    expectApiError(() => parse('FETCH /items'), 'RouteKeyInvalid', /routes\[0\]\.key has an unknown method "FETCH"; use one of GET, POST/, /Got: "FETCH \/items"/);
  });

  test('rejects a path not starting with /', () => {
    expectApiError(() => parse('GET items'), 'RouteKeyInvalid', /routes\[0\]\.key must have a path starting with '\/'/, /Got: "GET items"/);
  });

  test('rejects a trailing slash', () => {
    expectApiError(() => parse('GET /items/'), 'RouteKeyInvalid', /routes\[0\]\.key must not end its path with '\/'/, /Got: "GET \/items\/"/);
  });

  test('rejects an empty segment', () => {
    expectApiError(() => parse('GET /a//b'), 'RouteKeyInvalid', /routes\[0\]\.key must not contain an empty path segment/, /Got: "GET \/a\/\/b"/);
  });

  test.each([
    ['a parameter glued to text', 'GET /items/{id}.json', '{id}.json'],
    ['text before a parameter', 'GET /items/x{id}', 'x{id}'],
    ['an unclosed brace', 'GET /items/{id', '{id'],
    ['a stray closing brace', 'GET /items/id}', 'id}'],
    ['an empty parameter', 'GET /items/{}', '{}'],
    ['a parameter starting with a digit', 'GET /items/{1id}', '{1id}'],
    ['a parameter with a hyphen', 'GET /items/{item-id}', '{item-id}'],
    ['a percent-encoded literal', 'GET /my%20items', 'my%20items'],
    ['a reserved character', 'GET /a#b', 'a#b'],
  ])('rejects %s, naming the segment', (_why, key, segment) => {
    expectApiError(
      () => parse(key),
      'RouteKeyInvalid',
      new RegExp(`routes\\[0\\]\\.key has a malformed path segment "${escape(segment)}"`),
      new RegExp(`Got: "${escape(key)}"`),
    );
  });

  test('rejects a greedy parameter that is not the last segment', () => {
    expectApiError(
      () => parse('GET /files/{proxy+}/meta'),
      'RouteKeyInvalid',
      /routes\[0\]\.key may use the greedy parameter "\{proxy\+\}" only as the last path segment/,
      /Got: "GET \/files\/\{proxy\+\}\/meta"/,
    );
  });

  test('rejects a repeated parameter name', () => {
    expectApiError(
      () => parse('GET /a/{id}/b/{id}'),
      'RouteKeyInvalid',
      /routes\[0\]\.key repeats the path parameter "id"/,
      /Got: "GET \/a\/\{id\}\/b\/\{id\}"/,
    );
  });

  test('rejects an unresolved token: a route key must be known at synth to build the API', () => {
    // Unlike the value checks, parsing cannot be skipped: the construct builds resources from the path.
    expectApiError(() => parse(Lazy.string({ produce: () => 'GET /x' })), 'RouteKeyInvalid', /routes\[0\]\.key must be 'METHOD \/path'/, /Got: "\$\{Token\[/);
  });
});

describe('RouteKeyRegistry', () => {
  const add = (registry: RouteKeyRegistry, i: number, key: string) => registry.add(`routes[${i}]`, parseRouteKey(stack, `routes[${i}].key`, key));

  test('accepts distinct routes, other methods on the same path, and nested paths', () => {
    // GIVEN
    const registry = new RouteKeyRegistry(stack);

    // THEN
    expect(() => {
      add(registry, 0, 'GET /');
      add(registry, 1, 'GET /items');
      add(registry, 2, 'POST /items');
      add(registry, 3, 'GET /items/{id}');
      add(registry, 4, 'DELETE /items/{id}');
      add(registry, 5, 'GET /items/{id}/tags');
      add(registry, 6, 'ANY /items/{id}/tags');
      add(registry, 7, 'GET /users/{userId}');
      add(registry, 8, 'ANY /files/{proxy+}');
    }).not.toThrow();
  });

  test('rejects the same key twice', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /items');
    expectApiError(() => add(registry, 1, 'GET /items'), 'RouteDuplicate', /routes\[1\] duplicates the route "GET \/items"/, /Got: "GET \/items"/);
  });

  test('rejects the same root route twice', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'ANY /');
    expectApiError(() => add(registry, 1, 'ANY  /'), 'RouteDuplicate', /routes\[1\] duplicates the route "ANY \/"/, /Got: "ANY \/"/);
  });

  test('rejects the same shape with other parameter names', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /items/{id}');
    const error = expectApiError(
      () => add(registry, 1, 'GET /items/{itemId}'),
      'RouteDuplicate',
      /routes\[1\] duplicates the route "GET \/items\/\{id\}"/,
      /Got: "GET \/items\/\{itemId\}"/,
    );
    expect(error.constructPath).toBe('TestStack');
  });

  test('rejects another parameter name under the same parent for another method', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /items/{id}');
    expectApiError(
      () => add(registry, 1, 'DELETE /items/{itemId}'),
      'RouteParameterConflict',
      /routes\[1\] uses "\{itemId\}" under "\/items", where another route already uses "\{id\}"/,
      /Got: "DELETE \/items\/\{itemId\}"/,
    );
  });

  test('rejects a conflicting parameter name deeper in a longer route', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /items/{id}');
    expectApiError(
      () => add(registry, 1, 'GET /items/{itemId}/tags'),
      'RouteParameterConflict',
      /uses "\{itemId\}" under "\/items"/,
      /Got: "GET \/items\/\{itemId\}\/tags"/,
    );
  });

  test('rejects a greedy parameter next to a named one', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /files/{name}');
    expectApiError(() => add(registry, 1, 'GET /files/{proxy+}'), 'RouteParameterConflict', /uses "\{proxy\+\}" under "\/files"/, /Got: "GET \/files\/\{proxy\+\}"/);
  });

  test('names the root as / in a conflict at the top level', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /{tenant}');
    expectApiError(() => add(registry, 1, 'POST /{org}'), 'RouteParameterConflict', /under "\/", where another route already uses "\{tenant\}"/, /Got: "POST \/\{org\}"/);
  });

  test('allows different parameter names under different parents', () => {
    const registry = new RouteKeyRegistry(stack);
    add(registry, 0, 'GET /items/{id}');
    expect(() => add(registry, 1, 'GET /users/{userId}')).not.toThrow();
  });
});
