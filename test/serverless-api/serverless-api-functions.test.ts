import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { ApiAuth, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import type { ApiFunctionOptions, Integration, RouteOptions } from '../../lib';
import { ECHO_ENTRY, expectApiError, newStack, templateOf } from '../support/stacks';

const ENTRIES = path.join(__dirname, '..', 'fixtures', 'entries');
const ITEMS = path.join(ENTRIES, 'items', 'handler.ts');
const ORDERS = path.join(ENTRIES, 'orders', 'handler.ts');

/** GIVEN a fresh stack; WHEN a ServerlessApi is built with these public routes. */
function apiWith(routes: Record<string, RouteOptions>, functionOptions?: ApiFunctionOptions) {
  const { stack } = newStack();
  const api = new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), routes, functionOptions });
  return { stack, api, template: templateOf(stack) };
}
const publicRoute = (integration: Integration): RouteOptions => ({ integration, auth: ApiAuth.none() });

describe('entry functions', () => {
  test('BUG: two entries with the same file name keep their functions when the routes are reordered', () => {
    // GIVEN two handler.ts files in different folders, in one order and then the other
    const forward = apiWith({ 'GET /items': publicRoute(RouteIntegration.entry(ITEMS)), 'GET /orders': publicRoute(RouteIntegration.entry(ORDERS)) });
    const reversed = apiWith({ 'GET /orders': publicRoute(RouteIntegration.entry(ORDERS)), 'GET /items': publicRoute(RouteIntegration.entry(ITEMS)) });

    // THEN each function has the id of its own path, whatever the order
    const idsByEntry = (api: ServerlessApi) => Object.fromEntries(Object.entries(api.functions).map(([id, fn]) => [id, (fn.node.defaultChild as CfnFunction).description]));
    expect(idsByEntry(forward.api)).toEqual(idsByEntry(reversed.api));
    expect(Object.keys(forward.api.functions).sort()).toEqual(['TestFixturesEntriesItemsHandlerFunction', 'TestFixturesEntriesOrdersHandlerFunction']);
  });

  test('per-route function options apply on top of the API-wide functionOptions', () => {
    const { template } = apiWith(
      {
        'GET /items': publicRoute(
          RouteIntegration.entry(ITEMS, {
            memorySize: 1024,
            timeout: Duration.seconds(5),
            environment: { TABLE: 'items' },
            depsLockFilePath: path.join(__dirname, '..', '..', 'package-lock.json'),
            bundling: { externalModules: ['@aws-sdk/*', 'pg-native'] },
          }),
        ),
        'GET /orders': publicRoute(RouteIntegration.entry(ORDERS)),
      },
      { memorySize: 512, reservedConcurrentExecutions: 3 },
    );
    // The route's own options win; the API-wide ones fill the rest
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 5,
      ReservedConcurrentExecutions: 3,
      Environment: { Variables: Match.objectLike({ TABLE: 'items' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 29, ReservedConcurrentExecutions: 3, Description: Match.stringLikeRegexp('orders/handler.ts$') });
  });

  test('routes of one entry share its function; other options for the same entry are an error naming both routes', () => {
    const error = expectApiError(() =>
      apiWith({
        'GET /items': publicRoute(RouteIntegration.entry(ITEMS, { memorySize: 1024 })),
        'POST /items': publicRoute(RouteIntegration.entry(ITEMS, { memorySize: 2048 })),
      }),
    );
    expect(error.errorId).toBe('EntryOptionsConflict');
    expect(error.message).toMatch(/routes\["POST \/items"\]\.integration: the entry "test\/fixtures\/entries\/items\/handler\.ts" already has a function with other options \(see routes\["GET \/items"\]\.integration\)/);
  });

  test('equal options given twice still share one function', () => {
    const { template } = apiWith({
      'GET /items': publicRoute(RouteIntegration.entry(ITEMS, { memorySize: 1024, environment: { A: '1' } })),
      'POST /items': publicRoute(RouteIntegration.entry(ITEMS, { memorySize: 1024, environment: { A: '1' } })),
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test.each([
    [{ memorySize: 64 }, 'MemorySizeInvalid', /routes\["GET \/items"\]\.integration \(RouteIntegration\.entry options\)\.memorySize must be a whole number from 128 to 10240\. Got: 64/],
    [{ timeout: Duration.minutes(16) }, 'FunctionTimeoutInvalid', /routes\["GET \/items"\]\.integration \(RouteIntegration\.entry options\)\.timeout must be whole seconds from 1 to 900\. Got: 960 s/],
    [{ reservedConcurrentExecutions: -1 }, 'ReservedConcurrencyInvalid', /reservedConcurrentExecutions must be a whole number from 0/],
  ])('a bad per-route option %j fails naming the route', (options, errorId, message) => {
    const error = expectApiError(() => apiWith({ 'GET /items': publicRoute(RouteIntegration.entry(ITEMS, options)) }));
    expect(error.errorId).toBe(errorId);
    expect(error.message).toMatch(message);
  });

  test('a function timeout outside 1..900 s in functionOptions fails naming functionOptions', () => {
    const error = expectApiError(() => apiWith({ 'GET /items': publicRoute(RouteIntegration.entry(ECHO_ENTRY)) }, { timeout: Duration.millis(500) }));
    expect(error.errorId).toBe('FunctionTimeoutInvalid');
    expect(error.message).toMatch(/functionOptions\.timeout must be whole seconds from 1 to 900\. Got: 0\.5 s/);
  });

  test('BUG: descriptions are made acceptable to IAM (role) and Lambda (256 characters)', () => {
    const description = `Items — “prod” handler ✓ ${'x'.repeat(300)}`;
    const { api } = apiWith({ 'GET /items': publicRoute(RouteIntegration.entry(ITEMS, { description })) });
    const fn = Object.values(api.functions)[0];
    const lambdaDescription = (fn.node.defaultChild as CfnFunction).description!;
    const roleDescription = (fn.role!.node.defaultChild as CfnRole).description!;
    expect(lambdaDescription).toHaveLength(256);
    expect(lambdaDescription.endsWith('...')).toBe(true);
    expect(roleDescription.startsWith('Execution role of: Items - "prod" handler ? xxx')).toBe(true);
    expect(roleDescription).toMatch(/^[\t\n\r\u0020-\u007E\u00A1-\u00FF]{1,1000}$/);
  });
});

describe('httpProxy', () => {
  test.each(['http://legacy.example.com/{proxy}', 'ftp://x', 'legacy.example.com', 'https://'])('BUG: %j is refused: requests would cross the internet unencrypted', (url) => {
    const error = expectApiError(() => RouteIntegration.httpProxy(url));
    expect(error.errorId).toBe('HttpProxyUrlInvalid');
    expect(error.message).toContain(`RouteIntegration.httpProxy(url): url must be an https:// URL with a host. Got: ${JSON.stringify(url)}`);
  });

  test('an https URL is accepted', () => {
    expect(() => RouteIntegration.httpProxy('https://legacy.example.com/{proxy}')).not.toThrow();
  });
});
