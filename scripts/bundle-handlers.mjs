// Bundles every handler in HANDLER_ENTRIES with esbuild into dist/assets/<name>/index.mjs, so the
// published package carries ready-to-deploy code: users need neither esbuild nor Docker for them.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_ENTRIES } from './handler-entries.mjs';

/**
 * What every bundle this library ships (handlers and the Powertools layer) is built for: the Lambda
 * Node.js 24 runtime, as minified ES modules.
 */
const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  // The Lambda Node.js 24 runtime ships AWS SDK v3; bundling it would only add size.
  external: ['@aws-sdk/*', '@smithy/*'],
  // Some dependencies are CommonJS and call require(); give the ES module one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'warning',
};

/** Bundles one shipped handler (with the settings RouteIntegration.entry uses for users' entries). */
export async function bundleHandler(entry, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [entry],
    outfile,
    sourcemap: true,
    sourcesContent: false,
    // Powertools comes from the layer built below (lib/core/powertools-layer.ts), which the
    // constructs attach to every function whose bundle imports it.
    external: [...LAMBDA_BUILD_OPTIONS.external, '@aws-lambda-powertools/*'],
  });
}

/** The Powertools packages the shipped handlers import, and so the packages of the layer. */
export const POWERTOOLS_PACKAGES = ['logger', 'metrics', 'tracer'];

/**
 * Builds the Powertools layer into `layerDir`: `nodejs/node_modules/@aws-lambda-powertools/<pkg>/`
 * for each of POWERTOOLS_PACKAGES, each a minified ES module with a package.json, their shared code
 * (commons, the X-Ray SDK) split into `_chunks` beside them. Node.js resolves the handlers'
 * `import ... from '@aws-lambda-powertools/logger'` to it as to the npm package, and loads a few
 * files instead of the hundreds the packages span, which is most of a handler's init time.
 */
export async function bundlePowertoolsLayer(layerDir) {
  const scope = join(layerDir, 'nodejs', 'node_modules', '@aws-lambda-powertools');
  rmSync(layerDir, { recursive: true, force: true });
  mkdirSync(scope, { recursive: true });
  const entries = Object.fromEntries(POWERTOOLS_PACKAGES.map((pkg) => [pkg, fileURLToPath(import.meta.resolve(`@aws-lambda-powertools/${pkg}`))]));
  const entryPoints = Object.fromEntries(Object.entries(entries).map(([pkg, entry]) => [`${pkg}/index`, entry]));
  await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints,
    outdir: scope,
    outExtension: { '.js': '.mjs' },
    chunkNames: '_chunks/[name]-[hash]',
    splitting: true,
  });
  for (const pkg of POWERTOOLS_PACKAGES) {
    // The package root of the resolved entry (its package.json is not among the package's exports).
    const root = entries[pkg].slice(0, entries[pkg].lastIndexOf(`@aws-lambda-powertools/${pkg}/`) + `@aws-lambda-powertools/${pkg}`.length);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    writeFileSync(
      join(scope, pkg, 'package.json'),
      `${JSON.stringify({ name: manifest.name, version: manifest.version, license: manifest.license, type: 'module', exports: './index.mjs' }, null, 2)}\n`,
    );
  }
}

/**
 * Makes the Powertools of `layerDir` (built by bundlePowertoolsLayer) the one that modules under
 * `dir` import, as the layer is the one Lambda functions import: `dir/node_modules/@aws-lambda-powertools`
 * links to the layer's packages. For benchmarks that run the bundles as Lambda would.
 */
export function linkPowertoolsLayer(dir, layerDir) {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  rmSync(join(modules, '@aws-lambda-powertools'), { recursive: true, force: true });
  symlinkSync(resolve(layerDir, 'nodejs', 'node_modules', '@aws-lambda-powertools'), join(modules, '@aws-lambda-powertools'), 'dir');
}

async function main() {
  const outRoot = join(process.cwd(), 'dist', 'assets');
  const only = process.argv.slice(2);
  for (const [name, entry] of Object.entries(HANDLER_ENTRIES)) {
    if (only.length > 0 && !only.includes(name)) continue;
    if (!existsSync(entry)) throw new Error(`bundle-handlers: ${entry} (handler ${name}) does not exist`);
    const outdir = join(outRoot, name);
    rmSync(outdir, { recursive: true, force: true });
    await bundleHandler(entry, join(outdir, 'index.mjs'));
  }
  if (only.length === 0 || only.includes('powertools-layer')) await bundlePowertoolsLayer(join(outRoot, 'powertools-layer'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
