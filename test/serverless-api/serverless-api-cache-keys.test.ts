import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { Authorization, RouteCacheOptions } from '../../lib';
import { expectApiError, inlineFunction, newStack, templateOf } from '../support/stacks';

const JWT = { issuer: 'https://id.example.com/', audience: ['items-api'] };
const cachedProfile = StageProfile.prod({ caching: { clusterSize: '0.5' } });
const ttl = Duration.minutes(1);

/** What a cached route's method keys its cache on, and the method request parameters it declares. */
interface CachedMethod {
  /** The integration's `cacheKeyParameters`. */
  readonly cacheKeyParameters?: string[];
  /** The operation's declared parameters as method request parameters (`method.request.path.id`: required). */
  readonly requestParameters?: Record<string, boolean>;
}

/**
 * GIVEN a REST API with a stage cache; WHEN `routeKey` is cached under the authorization `auth`
 * builds (public when it builds none). Returns the template and the route's method as synthesized.
 */
function cachedRoute(auth: (stack: Stack, fn: IFunction) => Authorization | undefined, cache: RouteCacheOptions = { ttl }, routeKey = 'GET /items/{id}') {
  const { stack } = newStack();
  const fn = inlineFunction(stack);
  const routeAuth = auth(stack, fn);
  new ServerlessApi(stack, 'Api', {
    profile: cachedProfile,
    routes: { [routeKey]: { integration: RouteIntegration.fromFunction(fn), cache, auth: routeAuth ?? ApiAuth.none() } },
  });
  const template = templateOf(stack);
  const [method, path] = routeKey.split(' ');
  return { template, method: methodOf(template, path, method) };
}

/** OpenAPI parameter locations as method request parameter sources. */
const SOURCES: Record<string, string> = { path: 'path', query: 'querystring', header: 'header' };

/** The operation of `httpMethod` on `path` in the REST API's OpenAPI body, as a cache-keyed method. */
function methodOf(template: Template, path: string, httpMethod: string): CachedMethod {
  const apis = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
  expect(apis).toHaveLength(1);
  const operation = apis[0].Properties.Body.paths[path]?.[httpMethod.toLowerCase()];
  expect(operation).toBeDefined();
  const parameters = (operation.parameters ?? []) as Array<{ name: string; in: string; required: boolean }>;
  return {
    cacheKeyParameters: operation['x-amazon-apigateway-integration'].cacheKeyParameters,
    requestParameters: parameters.length > 0 ? Object.fromEntries(parameters.map((p) => [`method.request.${SOURCES[p.in]}.${p.name}`, p.required])) : undefined,
  };
}

describe('REST route caching keys the cache on who is asking', () => {
  test('a JWT route is keyed on the Authorization header and the path parameters', () => {
    const { method } = cachedRoute(() => ApiAuth.jwt(JWT));
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.Authorization']);
    expect(method.requestParameters).toEqual({ 'method.request.path.id': true, 'method.request.header.Authorization': false });
  });

  test('BUG: a Lambda token authorizer reading a custom header is keyed on that header, not on Authorization', () => {
    const { method } = cachedRoute((_stack, fn) => ApiAuth.lambdaToken(fn, { header: 'X-Session-Token' }));
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.X-Session-Token']);
  });

  test('BUG: a Lambda request authorizer is keyed on every header and query string it identifies callers by', () => {
    const { method } = cachedRoute((_stack, fn) =>
      ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.X-Tenant', 'method.request.querystring.apiToken'] }),
    );
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.X-Tenant', 'method.request.querystring.apiToken']);
    expect(method.requestParameters).toMatchObject({ 'method.request.header.X-Tenant': false, 'method.request.querystring.apiToken': false });
  });

  test('keyParameters join the identity keys once each', () => {
    const { method } = cachedRoute(() => ApiAuth.jwt(JWT), { ttl, keyParameters: ['method.request.querystring.page', 'method.request.header.Authorization'] });
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.Authorization', 'method.request.querystring.page']);
  });

  test('a public route is keyed on its path parameters only', () => {
    const { method } = cachedRoute(() => undefined);
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id']);
  });

  test('BUG: an IAM route without keyParameters is a synth error: a signature cannot key a cache, so callers would share answers', () => {
    const error = expectApiError(() => cachedRoute(() => ApiAuth.iam()));
    expect(error.errorId).toBe('RouteCacheKeyMissing');
    expect(error.message).toMatch(/routes\["GET \/items\/\{id\}"\]\.cache needs keyParameters: the route is authorized by IAM/);
    expect(error.message).toMatch(/Got: "GET \/items\/\{id\}"/);
  });

  test('an IAM route with keyParameters is keyed on them', () => {
    const { method } = cachedRoute(() => ApiAuth.iam(), { ttl, keyParameters: ['method.request.header.X-Caller'] });
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.X-Caller']);
  });

  test('a request authorizer that identifies callers by a context value needs keyParameters', () => {
    const error = expectApiError(() =>
      cachedRoute((_stack, fn) => ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.X-Tenant', 'context.identity.sourceIp'] })),
    );
    expect(error.errorId).toBe('RouteCacheKeyMissing');
    expect(error.message).toMatch(/authorized by a Lambda request authorizer, whose context or stage-variable sources cannot be part of a cache key/);
  });

  test('...and with keyParameters it keys on them and on the headers it can', () => {
    const { method } = cachedRoute(
      (_stack, fn) => ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.X-Tenant', 'context.identity.sourceIp'] }),
      { ttl, keyParameters: ['method.request.header.X-Forwarded-For'] },
    );
    expect(method.cacheKeyParameters).toEqual(['method.request.path.id', 'method.request.header.X-Tenant', 'method.request.header.X-Forwarded-For']);
  });

  test.each(['POST /items', 'PUT /items/{id}', 'PATCH /items/{id}', 'DELETE /items/{id}', 'ANY /items/{id}', 'OPTIONS /items'])(
    'BUG: caching %s is a synth error naming the route',
    (routeKey) => {
      const error = expectApiError(() => cachedRoute(() => ApiAuth.jwt(JWT), { ttl }, routeKey));
      expect(error.errorId).toBe('RouteCacheMethodInvalid');
      expect(error.message).toContain(`routes[${JSON.stringify(routeKey)}].cache is allowed only on GET and HEAD routes`);
      expect(error.message).toContain(`Got: ${JSON.stringify(routeKey)}`);
    },
  );

  test('HEAD routes may be cached', () => {
    const { method } = cachedRoute(() => ApiAuth.jwt(JWT), { ttl }, 'HEAD /items/{id}');
    expect(method.cacheKeyParameters).toContain('method.request.header.Authorization');
  });

  test.each(['querystring.page', 'method.request.body.x', 'method.request.header.', 'integration.request.header.X'])('keyParameters entry %j is rejected', (key) => {
    const error = expectApiError(() => cachedRoute(() => ApiAuth.jwt(JWT), { ttl, keyParameters: [key] }));
    expect(error.errorId).toBe('CacheKeyParameterInvalid');
    expect(error.message).toMatch(/routes\["GET \/items\/\{id\}"\]\.cache\.keyParameters entries must be method request parameters/);
    expect(error.message).toContain(`Got: ${JSON.stringify(key)}`);
  });
});
