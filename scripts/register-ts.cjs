// Runs TypeScript files with Node by transpiling each one with esbuild as it is required (no type
// check, like `ts-node --transpile-only`, without loading the TypeScript compiler). `cdk.json` uses it
// for the demo app: `node --require ./scripts/register-ts.cjs bin/platform-app.ts`.
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('esbuild');

process.setSourceMapsEnabled(true);
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
