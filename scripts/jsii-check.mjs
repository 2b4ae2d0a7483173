#!/usr/bin/env node
// Compiles lib/ with jsii (the compiler behind Python, Java, .NET and Go packages) and reports
// what stops the library from becoming a jsii assembly.
//
// Why a temp copy: jsii compiles the project in place. It writes its own tsconfig.json (and refuses
// to run next to one it did not generate), emits .js/.d.ts next to every .ts in lib/, leaves
// tsconfig.tsbuildinfo and .jsii in the root, and needs package.json fields (author, repository,
// jsii, devDependencies pinned to the peers' minimum versions) this package does not have. So lib/
// is copied to a fresh temp dir with a minimal package.json and a symlink to the real node_modules,
// compiled there, and the temp dir is removed: the work tree is never touched.
//
// Usage: node scripts/jsii-check.mjs [extra jsii flags, e.g. --fail-on-warnings]
// Exit code: non-zero on any jsii error (or warning, with --fail-on-warnings), and on any public type
// or member without a JSDoc summary or optional struct property without @default.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const started = Date.now();
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Peers that are jsii modules. Optional peers loaded through requireOptional() appear only in
// `import type`s outside the public API, so jsii needs none of them; esbuild must not be listed
// (not a jsii module: "Unable to locate jsii assembly").
const peers = ['aws-cdk-lib', 'constructs', 'cdk-nag'];
const peerDependencies = Object.fromEntries(peers.map((name) => [name, pkg.peerDependencies[name]]));
// jsii warns (JSII6) unless each peer is also a devDependency at exactly its minimum version.
const devDependencies = Object.fromEntries(peers.map((name) => [name, pkg.peerDependencies[name].replace(/^[\^~]/, '')]));

const jsiiPackage = {
  name: 'cdk-api-gateway-patterns',
  version: pkg.version,
  description: pkg.description,
  // Required by jsii; placeholders until the real package.json has them.
  author: pkg.author ?? { name: 'cdk-api-gateway-patterns authors', organization: false },
  repository: pkg.repository ?? { type: 'git', url: 'https://example.invalid/cdk-api-gateway-patterns.git' },
  license: pkg.license,
  main: 'lib/index.js',
  types: 'lib/index.d.ts',
  peerDependencies,
  devDependencies,
  jsii: {
    outdir: 'dist',
    targets: {}, // the JavaScript target is implicit; language targets matter only to jsii-pacmak
    tsc: { types: ['node'] }, // as tsconfig.build.json: no jest or other @types in lib/
  },
};

/**
 * What the public API leaves undocumented, from the compiled assembly: every type and member needs
 * a summary, and every optional property of a struct (or optional parameter) its `@default`.
 */
function undocumented(assembly) {
  const gaps = [];
  for (const [fqn, type] of Object.entries(assembly.types ?? {})) {
    const name = fqn.replace(/^[^.]+\./, '');
    if (!type.docs?.summary) gaps.push(`${name}: no JSDoc summary`);
    for (const prop of type.properties ?? []) {
      if (!prop.docs?.summary) gaps.push(`${name}.${prop.name}: no JSDoc summary`);
      if (type.kind === 'interface' && type.datatype && prop.optional && prop.docs?.default === undefined) gaps.push(`${name}.${prop.name}: optional without @default`);
    }
    for (const method of [...(type.methods ?? []), ...(type.initializer ? [{ ...type.initializer, name: 'constructor' }] : [])]) {
      if (method.name !== 'constructor' && !method.docs?.summary) gaps.push(`${name}.${method.name}(): no JSDoc summary`);
    }
    for (const member of type.members ?? []) if (!member.docs?.summary) gaps.push(`${name}.${member.name}: no JSDoc summary`);
  }
  return gaps;
}

const dir = mkdtempSync(join(tmpdir(), 'jsii-check-'));
let status = 1;
try {
  // Source only: a stale build output (.js/.d.ts next to its .ts) would be compiled as input.
  const isBuildOutput = (src) => /\.(js|d\.ts|js\.map)$/.test(src) && existsSync(src.replace(/\.(js|d\.ts|js\.map)$/, '.ts'));
  cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true, filter: (src) => !isBuildOutput(src) });
  if (existsSync(join(root, 'README.md'))) cpSync(join(root, 'README.md'), join(dir, 'README.md')); // else JSII3
  writeFileSync(join(dir, 'package.json'), JSON.stringify(jsiiPackage, null, 2));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');

  console.log(`jsii-check: compiling a copy of lib/ in ${dir}`);
  const result = spawnSync(join(root, 'node_modules', '.bin', 'jsii'), process.argv.slice(2), {
    cwd: dir,
    stdio: 'inherit',
    // jsii prints a large banner on Node 20 (end of life for jsii); it still runs.
    env: { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', ...process.env },
  });
  if (result.error) throw result.error;
  status = result.status ?? 1;
  if (status === 0) {
    const gaps = undocumented(JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')));
    for (const gap of gaps) console.error(`jsii-check: ${gap}`);
    if (gaps.length > 0) status = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  console.log(`jsii-check: ${status === 0 ? 'OK' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(status);
