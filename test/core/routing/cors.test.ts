import { Duration, Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { ALL_CORS_METHODS, DEFAULT_CORS_HEADERS, resolveCors } from '../../../lib/core/routing/cors';
import { expectApiError, newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

describe('resolveCors', () => {
  test('fills the documented defaults', () => {
    // WHEN
    const cors = resolveCors(stack, 'cors', { allowOrigins: ['https://app.example.com'] });

    // THEN
    expect(cors.allowOrigins).toEqual(['https://app.example.com']);
    expect(cors.allowMethods).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
    expect(cors.allowMethods).toEqual(ALL_CORS_METHODS);
    expect(cors.allowHeaders).toEqual(['Content-Type', 'Authorization', 'X-Api-Key', 'X-Amz-Date', 'X-Amz-Security-Token']);
    expect(cors.allowHeaders).toEqual(DEFAULT_CORS_HEADERS);
    expect(cors.exposeHeaders).toEqual([]);
    expect(cors.allowCredentials).toBe(false);
    expect(cors.maxAge.toSeconds()).toBe(600);
  });

  test('keeps given values', () => {
    const cors = resolveCors(stack, 'cors', {
      allowOrigins: ['https://a.example.com', 'http://localhost:3000'],
      allowMethods: ['GET'],
      allowHeaders: ['X-Custom'],
      exposeHeaders: ['X-Request-Id'],
      allowCredentials: true,
      maxAge: Duration.hours(1),
    });
    expect(cors).toMatchObject({
      allowOrigins: ['https://a.example.com', 'http://localhost:3000'],
      allowMethods: ['GET'],
      allowHeaders: ['X-Custom'],
      exposeHeaders: ['X-Request-Id'],
      allowCredentials: true,
    });
    expect(cors.maxAge.toSeconds()).toBe(3600);
  });

  test('accepts the wildcard origin alone without credentials', () => {
    expect(resolveCors(stack, 'cors', { allowOrigins: ['*'] }).allowOrigins).toEqual(['*']);
    expect(resolveCors(stack, 'cors', { allowOrigins: ['*'], allowCredentials: false }).allowCredentials).toBe(false);
  });

  test('rejects the wildcard with credentials', () => {
    expectApiError(
      () => resolveCors(stack, 'cors', { allowOrigins: ['*'], allowCredentials: true }),
      'CorsWildcardWithCredentials',
      /cors\.allowOrigins must not contain '\*' when cors\.allowCredentials is true/,
      /Got: \["\*"\]/,
    );
  });

  test('rejects the wildcard with credentials even next to other origins', () => {
    expectApiError(
      () => resolveCors(stack, 'cors', { allowOrigins: ['https://a.example.com', '*'], allowCredentials: true }),
      'CorsWildcardWithCredentials',
      /cors\.allowOrigins must not contain '\*'/,
      /Got: \["https:\/\/a\.example\.com","\*"\]/,
    );
  });

  test('rejects an empty origin list', () => {
    expectApiError(() => resolveCors(stack, 'cors', { allowOrigins: [] }), 'CorsOriginsEmpty', /cors\.allowOrigins must list at least one origin/, /Got: \[\]/);
  });

  test('rejects the wildcard mixed with origins', () => {
    expectApiError(
      () => resolveCors(stack, 'routes[0].cors', { allowOrigins: ['*', 'https://a.example.com'] }),
      'CorsOriginInvalid',
      /routes\[0\]\.cors\.allowOrigins must be either \['\*'\] or a list of origins/,
      /Got: \["\*","https:\/\/a\.example\.com"\]/,
    );
  });

  test.each([
    ['uppercase', 'https://App.example.com'],
    ['a trailing slash', 'https://app.example.com/'],
    ['a path', 'https://app.example.com/login'],
    ['no scheme', 'app.example.com'],
    ['another scheme', 'ftp://app.example.com'],
    ['a wildcard subdomain', 'https://*.example.com'],
    ['a port of six digits', 'https://app.example.com:123456'],
  ])('rejects an origin with %s', (_why, origin) => {
    expectApiError(
      () => resolveCors(stack, 'cors', { allowOrigins: ['https://ok.example.com', origin] }),
      'CorsOriginInvalid',
      /cors\.allowOrigins entries must be 'scheme:\/\/host\[:port\]' in lowercase with no path/,
      new RegExp(`Got: "${origin.replace(/[.*/]/g, '\\$&')}"`),
    );
  });

  test('BUG: skips an unresolved origin (e.g. the frontend URL from another stack)', () => {
    // GIVEN
    const origin = Lazy.string({ produce: () => 'https://app.example.com' });

    // THEN
    expect(() => resolveCors(stack, 'cors', { allowOrigins: [origin] })).not.toThrow();
  });
});
