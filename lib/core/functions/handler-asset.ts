import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { ApiPatternsError } from '../validation/errors';

const PACKAGE_NAME = 'cdk-api-gateway-patterns';

/** The package root: the nearest folder up from here whose package.json is this library's. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new ApiPatternsError('PackageRootNotFound', `cannot find the ${PACKAGE_NAME} package root above ${__dirname}`);
    dir = parent;
  }
}

/** A folder of `dist/assets`, checked for `requiredFile` so a missing build fails at synth with a clear error. */
function shippedAsset(name: string, requiredFile: string, what: string): Code {
  const dir = join(packageRoot(), 'dist', 'assets', name);
  if (!existsSync(join(dir, requiredFile))) {
    throw new ApiPatternsError(
      'HandlerAssetMissing',
      `the bundled ${what} ${JSON.stringify(name)} is missing at ${dir}; run \`npm run build\` in the library (a published package always contains it)`,
    );
  }
  return Code.fromAsset(dir);
}

/**
 * Code of a handler this library ships, pre-bundled by `npm run build` into
 * `dist/assets/<name>/index.mjs` (handler `index.handler`). Bundling at build time means users
 * need neither esbuild nor Docker for the library's own functions.
 */
export function handlerCode(name: string): Code {
  return shippedAsset(name, 'index.mjs', 'handler');
}

/** Code of a layer this library ships, built by `npm run build` into `dist/assets/<name>/nodejs`. */
export function layerCode(name: string): Code {
  return shippedAsset(name, 'nodejs', 'layer');
}
