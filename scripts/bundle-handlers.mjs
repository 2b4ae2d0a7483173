// Bundles every handler in HANDLER_ENTRIES with esbuild into dist/assets/<name>/index.mjs, so the
// published package carries ready-to-deploy code: users need neither esbuild nor Docker for them.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_ENTRIES } from './handler-entries.mjs';

/** The esbuild settings of every shipped handler (those of RouteIntegration.entry, plus the Powertools layer). */
export async function bundleHandler(entry, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    // The Lambda Node.js 24 runtime ships AWS SDK v3; bundling it would only add size.
    // Powertools comes from its public layer (lib/core/powertools-layer.ts), which the constructs
    // attach to every function whose bundle imports it; the layer's version is pinned with the
    // devDependencies these bundles are built and tested with.
    external: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'],
    // Some dependencies are CommonJS and call require(); give the ES module one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'warning',
  });
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
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
