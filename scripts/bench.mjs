// `npm run bench`: the figures the issues name, measured on this machine, printed; never asserted.
//  1. median wall time of `cdk synth` for the demo app and for an empty app (the floor), and the ratio
//  2. CloudFormation resources and template size of a ServerlessApi with 10, 50 and 300 routes on one function
//  3. each handler bundle's size and module init time (a fresh Node process per import)
//  4. WebSocket fan-out through the local gateway (scripts/bench-fanout.ts)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHandler, linkPowertoolsLayer } from './bundle-handlers.mjs';
import { HANDLER_ENTRIES } from './handler-entries.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OUT = '.bench';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, d = 1) => n.toFixed(d);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

function timeCommand(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync('npx', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`npx ${args.join(' ')} failed:\n${r.stderr}`);
  return seconds;
}

function jsonLine(output, tag) {
  const line = output.split('\n').find((l) => l.startsWith(`${tag} `));
  if (!line) throw new Error(`no ${tag} line in:\n${output}`);
  return JSON.parse(line.slice(tag.length + 1));
}

console.log(`# cdk-api-gateway-patterns benchmark (${RUNS} runs per synth, median)\n`);

// 1. Synth time.
execFileSync('node', ['scripts/bundle-handlers.mjs']);
const demo = [];
const empty = [];
for (let i = 0; i < RUNS; i++) {
  empty.push(timeCommand(['cdk', 'synth', '--quiet', '-o', join(OUT, 'empty'), '-a', 'npx ts-node --transpile-only scripts/bench-empty-app.ts']));
  demo.push(timeCommand(['cdk', 'synth', '--quiet', '-o', join(OUT, 'demo')]));
}
const ratio = median(demo) / median(empty);
console.log('## cdk synth (wall time)');
console.log(`demo app (dev+test+prod, six compliance packs): median ${fmt(median(demo), 2)} s  runs ${demo.map((s) => fmt(s, 2)).join(', ')}`);
console.log(`empty app (floor):                             median ${fmt(median(empty), 2)} s  runs ${empty.map((s) => fmt(s, 2)).join(', ')}`);
console.log(`ratio demo/empty: ${fmt(ratio, 2)}x   (target <= 2.5x)\n`);

// 2. Resources per route.
const res = jsonLine(execFileSync('npx', ['ts-node', '--transpile-only', 'scripts/bench-resources.ts'], { encoding: 'utf8' }), 'BENCH_RESOURCES');
console.log('## CloudFormation resources and template size, ServerlessApi with N routes `GET /rN/{id}` on one function');
for (const [kind, byCount] of Object.entries(res)) {
  const cells = Object.entries(byCount).map(([n, m]) => `${n} routes: ${m.resources} resources, ${fmt(m.templateBytes / 1024, 1)} KB`);
  console.log(`${kind.padEnd(4)}: ${cells.join(' | ')}`);
}
console.log('targets: REST with 300 routes < 100 resources and < 1 MB (CloudFormation: 500 resources, 1 MB template)');
console.log('');

// 3. Bundles: the shipped handlers plus the demo items handler, bundled the same way. Each runs from
// a folder of its own, as in Lambda, with Powertools importable only from the shipped layer.
const bundles = { ...Object.fromEntries(Object.keys(HANDLER_ENTRIES).map((n) => [n, join('dist', 'assets', n, 'index.mjs')])) };
await bundleHandler('bin/lambda/items/handler.ts', join(OUT, 'bundles', 'items', 'index.mjs'));
bundles['items (demo, via RouteIntegration.entry)'] = join(OUT, 'bundles', 'items', 'index.mjs');
const LAYER = join('dist', 'assets', 'powertools-layer');
const TASKS = join(OUT, 'bundles', 'tasks');
linkPowertoolsLayer(TASKS, LAYER);
const layerKb = readdirSync(LAYER, { recursive: true })
  .map((f) => join(LAYER, f))
  .filter((f) => statSync(f).isFile())
  .reduce((sum, f) => sum + statSync(f).size / 1024, 0);
console.log('## Handler bundles (minified ESM; AWS SDK left to the Lambda runtime, Powertools to the shipped layer)');
console.log('bundle'.padEnd(44), 'size KB'.padStart(8), 'init ms (median of 5)'.padStart(24));
for (const [name, file] of Object.entries(bundles)) {
  const kb = statSync(file).size / 1024;
  const task = join(TASKS, name.split(' ')[0], 'index.mjs');
  mkdirSync(join(task, '..'), { recursive: true });
  copyFileSync(file, task);
  const inits = [];
  for (let i = 0; i < 5; i++) {
    const script = `const t=performance.now();await import(${JSON.stringify(join(process.cwd(), task))});console.log(performance.now()-t)`;
    const out = execFileSync('node', ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1', AWS_REGION: 'eu-west-1', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_METRICS_DISABLED: 'true' },
    });
    inits.push(Number(out.trim().split('\n').pop()));
  }
  console.log(name.padEnd(44), fmt(kb).padStart(8), fmt(median(inits)).padStart(24));
}
console.log(`powertools-layer (one per stack, shared)     ${fmt(layerKb).padStart(8)}`);
console.log('(targets: <= 100 KB, init <= 50 ms; init includes loading Powertools from the layer)\n');

// 4. Fan-out.
console.log('## WebSocket fan-out (1,000 subscribers, local gateway, dynalite, real SDK clients)');
const fan = spawnSync('npx', ['ts-node', '--transpile-only', 'scripts/bench-fanout.ts'], { encoding: 'utf8', timeout: 300_000 });
if (fan.status !== 0) {
  console.log(`fan-out benchmark failed:\n${fan.stdout}\n${fan.stderr}`);
} else {
  const f = jsonLine(fan.stdout, 'BENCH_FANOUT');
  console.log(`deliveries: ${f.deliveries}, ${fmt(f.deliveriesPerSecond, 0)} deliveries/s, p50 ${fmt(f.p50Ms, 0)} ms, p99 ${fmt(f.p99Ms, 0)} ms   (target >= 2,000/s, p99 <= 1 s)`);
}
for (const d of readdirSync(OUT)) if (d !== 'bundles') rmSync(join(OUT, d), { recursive: true, force: true });
