/**
 * Fan-out benchmark of the RealtimeWebSocketApi publish route, entirely on loopback addresses:
 * dynalite, a loopback identity provider, the local API Gateway stand-in and the real handlers.
 *
 * Connects CLIENTS WebSocket clients (default 1,000, in batches), subscribes them all to one channel,
 * has one more client publish ONE message, and measures each delivery's latency from the moment
 * the publish is sent to the moment a subscriber receives the message.
 *
 * Arrangement, as in AWS, where API Gateway and each Lambda function run on separate machines:
 * - every function runs the deployment artifact: the esbuild bundle that `scripts/bundle-handlers.mjs`
 *   builds (here into node_modules/.cache/bench-fanout/<name>/index.mjs, with the same settings as
 *   dist/assets), with Powertools from the shipped layer (built beside them) and the SDK resolved
 *   from node_modules as the Lambda runtime provides it;
 * - each function (authorizer, $connect, $disconnect, $default, subscribe, publish) is its own
 *   plain `node` child process (a local "execution environment", without ts-node), which the
 *   gateway invokes by IPC message passing. The authorizer reads its JWT_* settings from its
 *   environment like in AWS, and trusts the loopback IdP's self-signed CA via NODE_EXTRA_CA_CERTS;
 * - this process runs the gateway (with its @connections endpoint), dynalite and the clients.
 * Tracing: the Powertools Tracer switches itself off outside Lambda, as it did before; the X-Ray SDK
 * is still loaded by the bundles (and its async-context hook is active), as in AWS.
 *
 * Warm-up: before the measured publish, BENCH_WARM_UP_PUBLISHES (5) publishes to a second channel
 * of BENCH_WARM_UP_CLIENTS (200) of the clients warm the publish function (JIT, keep-alive sockets
 * to the management API), so the figure is that of a warm function that has already served some
 * traffic; the first (cold) warm-up publish's time is printed too. BENCH_WARM_UP_PUBLISHES=1 and
 * BENCH_WARM_UP_CLIENTS=100 reproduce the earlier, lighter warm-up.
 *
 *   npx ts-node --transpile-only scripts/bench-fanout.ts
 *
 * Environment: BENCH_CLIENTS (1000), BENCH_BATCH (100), BENCH_WARM_UP_CLIENTS (200),
 * BENCH_WARM_UP_PUBLISHES (5), FANOUT_CONCURRENCY (the handler's, 100), BENCH_CPU_PROF_DIR (unset;
 * when set, every function process runs with `node --cpu-prof` and writes its profile there).
 * Prints plain lines and a final `BENCH_FANOUT {...}` JSON line. Stops by itself: every wait has a
 * timeout and a watchdog ends the process after BENCH_TIMEOUT_MS (180000).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { WebSocketAuthorizerEvent, WebSocketEvent } from '../lambda/websocket/lib/events';
import type { WebSocketResult } from '../lambda/websocket/lib/responses';
import { createConnectionsTable, startDynalite } from '../test/support/dynalite';
import { startTestIdp, TEST_AUDIENCE, validClaims } from '../test/support/jwks-server';
import { startLocalWebSocketGateway } from '../test/support/local-websocket-gateway';
import type { TestClient } from '../test/support/websocket-client';
import { connectClient } from '../test/support/websocket-client';

const CLIENTS = positiveInteger('BENCH_CLIENTS', 1000);
const BATCH = positiveInteger('BENCH_BATCH', 100);
const TIMEOUT_MS = positiveInteger('BENCH_TIMEOUT_MS', 180_000);
const CHANNEL = 'bench';
const WARM_UP_CHANNEL = 'warm-up';
const WARM_UP_CLIENTS = positiveInteger('BENCH_WARM_UP_CLIENTS', 200);
const WARM_UP_PUBLISHES = positiveInteger('BENCH_WARM_UP_PUBLISHES', 5);
const ROOT = join(__dirname, '..');
const BUNDLE_DIR = join(ROOT, 'node_modules', '.cache', 'bench-fanout');

/** Function name → bundle name in scripts/handler-entries.mjs. */
const FUNCTIONS = {
  authorizer: 'websocket-authorizer',
  $connect: 'websocket-connect',
  $disconnect: 'websocket-disconnect',
  $default: 'websocket-default',
  subscribe: 'websocket-subscribe',
  publish: 'websocket-publish',
} as const;
type FunctionName = keyof typeof FUNCTIONS;
const ROUTE_KEYS = ['$connect', '$disconnect', '$default', 'subscribe', 'publish'] as const;

type Invocation = { id: number; event: unknown };
type InvocationResult = { id: number; result?: unknown; error?: string; cpuMs: number };

/**
 * The local execution environment of one function: loads the bundle and runs the invocations it is
 * sent over IPC (concurrently, like several warm environments would). Plain JavaScript, so the
 * function's process loads nothing but node and the bundle.
 */
const RUNTIME_SOURCE = `
const { handler } = await import(process.env.BENCH_HANDLER_URL);
process.on('message', ({ id, event }) => {
  // CPU time of the process while the invocation ran (others running meanwhile count too).
  const cpu = process.cpuUsage();
  const cpuMs = () => { const { user, system } = process.cpuUsage(cpu); return (user + system) / 1000; };
  handler(event).then(
    (result) => process.send({ id, result, cpuMs: cpuMs() }),
    (err) => process.send({ id, error: err?.message ?? String(err), cpuMs: cpuMs() }),
  );
});
// Like a sandbox whose API Gateway went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
process.send('ready');
`;

/** ESM import from this CommonJS script (ts-node would turn a plain import() into require()). */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Bundles the functions exactly like `npm run bundle` (same esbuild settings), into BUNDLE_DIR. */
async function bundleFunctions(): Promise<void> {
  const { HANDLER_ENTRIES } = (await importEsm(pathToFileURL(join(ROOT, 'scripts', 'handler-entries.mjs')).href)) as {
    HANDLER_ENTRIES: Record<string, string>;
  };
  const { bundleHandler, bundlePowertoolsLayer, linkPowertoolsLayer } = (await importEsm(
    pathToFileURL(join(ROOT, 'scripts', 'bundle-handlers.mjs')).href,
  )) as {
    bundleHandler: (entry: string, outfile: string) => Promise<void>;
    bundlePowertoolsLayer: (layerDir: string) => Promise<void>;
    linkPowertoolsLayer: (dir: string, layerDir: string) => void;
  };
  for (const name of Object.values(FUNCTIONS)) {
    await bundleHandler(join(ROOT, HANDLER_ENTRIES[name]), join(BUNDLE_DIR, name, 'index.mjs'));
  }
  // Powertools from the layer the constructs attach, as in Lambda (not from this repository's node_modules).
  await bundlePowertoolsLayer(join(BUNDLE_DIR, 'powertools-layer'));
  linkPowertoolsLayer(BUNDLE_DIR, join(BUNDLE_DIR, 'powertools-layer'));
}

/** One function's execution environment: a child process running its bundle. */
class LocalFunction {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  readonly ready: Promise<void>;
  /** CPU time of the process during the last invocation that settled. */
  lastCpuMs = 0;

  constructor(bundle: string, env: NodeJS.ProcessEnv) {
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
    this.child = spawn(process.execPath, [...profile, '--input-type=module', '-e', RUNTIME_SOURCE], {
      cwd: ROOT,
      env: { ...env, BENCH_HANDLER_URL: pathToFileURL(join(BUNDLE_DIR, bundle, 'index.mjs')).href, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`function ${bundle} exited with ${code}`)));
      this.child.on('message', (message: InvocationResult | 'ready') => {
        if (message === 'ready') {
          resolve();
          return;
        }
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        this.lastCpuMs = message.cpuMs;
        if (message.error !== undefined) call?.reject(new Error(message.error));
        else call?.resolve(message.result);
      });
    });
  }

  invoke<T>(event: unknown): Promise<T> {
    const id = (this.nextId += 1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, event } satisfies Invocation);
    });
  }

  /** Disconnects (the function exits by itself, writing its CPU profile if asked to). */
  stop(): Promise<void> {
    this.child.removeAllListeners('exit');
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill(), 5_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.child.connected) this.child.disconnect();
      else this.child.kill();
    });
  }
}

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer`);
  }
  return value;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench-fanout: gave up after ${TIMEOUT_MS} ms`);
    process.exit(1);
  }, TIMEOUT_MS);
  watchdog.unref();

  Object.assign(process.env, {
    CONNECTIONS_TABLE_NAME: 'connections',
    CHANNEL_INDEX_NAME: 'byChannel',
    AVAILABLE_ROUTES: 'subscribe,unsubscribe,publish',
    POWERTOOLS_SERVICE_NAME: 'bench-fanout',
    POWERTOOLS_METRICS_NAMESPACE: 'Bench',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });

  await bundleFunctions();
  const dynamo = await startDynalite();
  await createConnectionsTable(dynamo.client, 'connections');
  const idp = await startTestIdp();
  const caDir = mkdtempSync(join(tmpdir(), 'bench-fanout-'));
  writeFileSync(join(caDir, 'idp-ca.pem'), idp.ca);
  // Signature checks off: they would run on the CPU that stands in for API Gateway's (see the option).
  const gateway = await startLocalWebSocketGateway({ stage: 'bench', verifySignatures: false });
  process.env.CALLBACK_URL = gateway.callbackUrl;

  // Each function's environment: what the construct sets, plus the loopback endpoints and dummy
  // credentials that startDynalite put into process.env.
  const functions = Object.fromEntries(
    Object.entries(FUNCTIONS).map(([name, bundle]) => {
      const extra: NodeJS.ProcessEnv =
        name === 'authorizer'
          ? { JWT_ISSUER: idp.issuer, JWT_AUDIENCE: TEST_AUDIENCE, JWT_JWKS_URI: idp.jwksUri, NODE_EXTRA_CA_CERTS: join(caDir, 'idp-ca.pem') }
          : {};
      return [name, new LocalFunction(bundle, { ...process.env, ...extra })];
    }),
  ) as Record<FunctionName, LocalFunction>;
  const stopFunctions = () => Promise.all(Object.values(functions).map((fn) => fn.stop()));

  try {
    await Promise.all(Object.values(functions).map((fn) => fn.ready));
  } catch (err) {
    await stopFunctions();
    throw err;
  }
  gateway.setAuthorizer((event: WebSocketAuthorizerEvent) => functions.authorizer.invoke<APIGatewayAuthorizerResult>(event));
  for (const route of ROUTE_KEYS) {
    gateway.addRoute(route, (event: WebSocketEvent) => functions[route].invoke<WebSocketResult>(event));
  }

  try {
    let publishStartedAt = 0;
    const receipts: number[] = [];
    const onRawFrame = (data: unknown, receivedAt: number) => {
      if (publishStartedAt > 0 && String(data).startsWith('{"type":"message"')) {
        receipts.push(receivedAt - publishStartedAt);
      }
    };
    const token = (i: number) => idp.sign(validClaims(idp, { sub: `bench-user-${i}` }));

    const setupStart = performance.now();
    const subscribers: TestClient[] = [];
    for (let start = 0; start < CLIENTS; start += BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(BATCH, CLIENTS - start) }, (_, i) =>
          connectClient(gateway.url, { token: token(start + i), onRawFrame, timeoutMs: 30_000 }),
        ),
      );
      subscribers.push(...batch);
    }
    const connectedAt = performance.now();
    for (let start = 0; start < CLIENTS; start += BATCH) {
      const answers = await Promise.all(
        subscribers.slice(start, start + BATCH).map((client) => client.request({ action: 'subscribe', channel: CHANNEL }, 30_000)),
      );
      const failed = answers.filter((answer) => answer.type !== 'subscribed');
      if (failed.length > 0) throw new Error(`subscribe failed: ${JSON.stringify(failed[0])}`);
    }
    const subscribedAt = performance.now();
    console.log(`clients: ${CLIENTS} connected in ${round(connectedAt - setupStart, 0)} ms, subscribed in ${round(subscribedAt - connectedAt, 0)} ms`);

    const publisher = await connectClient(gateway.url, { token: token(CLIENTS), timeoutMs: 30_000 });

    // Warm-up: WARM_UP_PUBLISHES publishes to WARM_UP_CLIENTS of the clients on another channel.
    const warmUpClients = subscribers.slice(0, Math.min(WARM_UP_CLIENTS, CLIENTS));
    await Promise.all(warmUpClients.map((client) => client.request({ action: 'subscribe', channel: WARM_UP_CHANNEL }, 30_000)));
    const warmUpTimes: number[] = [];
    for (let i = 0; i < WARM_UP_PUBLISHES; i += 1) {
      const warmUpStart = performance.now();
      const warmUp = await publisher.request({ action: 'publish', channel: WARM_UP_CHANNEL, data: 'warm-up' }, 60_000);
      warmUpTimes.push(performance.now() - warmUpStart);
      if (warmUp.type !== 'published' || warmUp.delivered !== warmUpClients.length) {
        throw new Error(`warm-up publish failed: ${JSON.stringify(warmUp)}`);
      }
      await Promise.all(warmUpClients.map((client) => client.next((frame) => frame.type === 'message', 30_000)));
    }
    console.log(
      `warm-up: ${WARM_UP_PUBLISHES} publishes to ${warmUpClients.length} subscribers answered after ` +
        `${warmUpTimes.map((ms) => round(ms)).join(', ')} ms (the first one cold)`,
    );

    const allReceived = new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (receipts.length >= CLIENTS) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 1);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`only ${receipts.length} of ${CLIENTS} deliveries arrived within 60 s`));
      }, 60_000);
    });

    publishStartedAt = performance.now();
    const answer = await publisher.request({ action: 'publish', channel: CHANNEL, data: { text: 'hello', sentBy: 'bench' } }, 60_000);
    const answeredAfter = performance.now() - publishStartedAt;
    await allReceived;

    const sorted = [...receipts].sort((a, b) => a - b);
    const totalMs = sorted[sorted.length - 1];
    const result = {
      deliveries: receipts.length,
      firstMs: round(sorted[0]),
      totalMs: round(totalMs),
      deliveriesPerSecond: Math.round(receipts.length / (totalMs / 1000)),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(totalMs),
      fanoutConcurrency: Number(process.env.FANOUT_CONCURRENCY ?? 100),
      publishAnswer: answer,
      publishAnsweredMs: round(answeredAfter),
      coldPublishMs: round(warmUpTimes[0]),
      publishCpuMs: round(functions.publish.lastCpuMs),
    };
    console.log(`deliveries: ${result.deliveries} (publish answered ${JSON.stringify(answer)} after ${result.publishAnsweredMs} ms)`);
    console.log(`total: ${result.totalMs} ms`);
    console.log(`deliveries per second: ${result.deliveriesPerSecond}`);
    console.log(`delivery latency p50: ${result.p50Ms} ms`);
    console.log(`delivery latency p99: ${result.p99Ms} ms`);
    console.log(`publish function CPU time: ${result.publishCpuMs} ms (first delivery after ${result.firstMs} ms)`);
    console.log(`BENCH_FANOUT ${JSON.stringify(result)}`);
  } finally {
    // Cuts every socket without running $disconnect, then stops the servers.
    await gateway.close();
    await stopFunctions();
    rmSync(caDir, { recursive: true, force: true });
    await idp.close();
    await dynamo.close();
    clearTimeout(watchdog);
  }
}

main().catch((err: unknown) => {
  console.error('bench-fanout failed:', err);
  // Servers and functions started before the failure would keep the process alive.
  process.exit(1);
});
