// Bundles every handler in HANDLER_ENTRIES with esbuild into dist/assets/<name>/index.mjs, so the
// published package carries ready-to-deploy code: users need neither esbuild nor Docker for them.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_ENTRIES } from './handler-entries.mjs';

const outRoot = join(process.cwd(), 'dist', 'assets');
const only = process.argv.slice(2);

for (const [name, entry] of Object.entries(HANDLER_ENTRIES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (!existsSync(entry)) {
    console.warn(`bundle-handlers: skipping ${name}, ${entry} does not exist yet`);
    continue;
  }
  const outdir = join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [entry],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    // The Lambda Node.js 24 runtime ships AWS SDK v3; bundling it would only add size.
    external: ['@aws-sdk/*', '@smithy/*'],
    // Some dependencies are CommonJS and call require(); give the ES module one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'warning',
  });
}
