/**
 * What the shipped handler bundles (dist/assets, built by `npm run bundle` before the tests) import
 * at run time: only Node.js built-ins, the AWS SDK of the Lambda runtime, and, for the handlers
 * that log, measure and trace with Powertools, the Powertools layer that their construct attaches.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const ASSETS = join(__dirname, '..', '..', 'dist', 'assets');
const POWERTOOLS = ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@aws-lambda-powertools/tracer'];

/** Package names of the bare specifiers a minified ESM bundle imports (static and dynamic). */
function importedPackages(bundle: string): string[] {
  const code = readFileSync(join(ASSETS, bundle, 'index.mjs'), 'utf8');
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((match) => match[1]);
  const packages = specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
  return [...new Set(packages)].sort();
}

describe('shipped handler bundles', () => {
  test('the REST JWT authorizer carries everything it needs', () => {
    expect(importedPackages('jwt-token-authorizer')).toEqual([]);
  });

  test('the tenant key authorizer imports only the runtime’s API Gateway client, and only lazily', () => {
    expect(importedPackages('tenant-key-authorizer')).toEqual(['@aws-sdk/client-api-gateway']);
    const code = readFileSync(join(ASSETS, 'tenant-key-authorizer', 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/\bfrom\s*["']@aws-sdk\//);
  });

  // The SDK clients are loaded lazily (lambda/websocket/lib/clients.ts), so a bundle may name one it never loads.
  const SDK = ['@aws-sdk/client-apigatewaymanagementapi', '@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'];

  test.each(['connect', 'disconnect', 'subscribe', 'unsubscribe', 'publish'])(
    'websocket-%s imports Powertools and the runtime’s AWS SDK only',
    (name) => {
      expect(importedPackages(`websocket-${name}`)).toEqual([...POWERTOOLS, ...SDK].sort());
    },
  );

  test.each(['authorizer', 'default'])('websocket-%s imports Powertools only', (name) => {
    expect(importedPackages(`websocket-${name}`)).toEqual(POWERTOOLS);
  });
});
