/**
 * Fan-out benchmark of the RealtimeWebSocketApi publish route, entirely on loopback addresses:
 * dynalite, a loopback identity provider, the local API Gateway stand-in and the real handlers.
 *
 * Connects CLIENTS WebSocket clients (default 1,000, in batches), subscribes them all to one channel,
 * has one more client publish ONE message, and measures each delivery's latency from the moment
 * the publish is sent to the moment a subscriber receives the message.
 *
 * Like in AWS, the Lambda handlers do not share a thread with API Gateway: they run in a worker
 * thread (a local "Lambda service") that the gateway invokes by message passing, while the main
 * thread runs the gateway, dynalite and the clients. Before the measured publish, one warm-up
 * publish to another channel warms the function (JIT, keep-alive sockets to the management API),
 * so the figure is a warm function's fan-out; the cold figure is printed too.
 *
 *   npx ts-node --transpile-only scripts/bench-fanout.ts
 *
 * Environment: BENCH_CLIENTS (1000), BENCH_BATCH (100), BENCH_WARM_UP_CLIENTS (100),
 * FANOUT_CONCURRENCY (the handler's, 100).
 * Prints plain lines and a final `BENCH_FANOUT {...}` JSON line. Stops by itself: every wait has a
 * timeout and a watchdog ends the process after BENCH_TIMEOUT_MS (180000).
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { createJwtVerifier } from '../lambda/shared/jwt';
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
const WARM_UP_CLIENTS = positiveInteger('BENCH_WARM_UP_CLIENTS', 100);
const ROUTE_KEYS = ['$connect', '$disconnect', '$default', 'subscribe', 'publish'] as const;

interface IdpTrust {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly ca: string;
}
type Invocation = { id: number; route: string; event: unknown };
type InvocationResult = { id: number; result?: unknown; error?: string };

/** The worker side: loads the real handlers and runs the invocations it is sent. */
async function lambdaService(idp: IdpTrust): Promise<void> {
  const { createWebSocketAuthorizer } = await import('../lambda/websocket/authorizer');
  const verifier = createJwtVerifier(
    { issuer: idp.issuer, audience: [TEST_AUDIENCE], jwksUri: idp.jwksUri, requiredScopes: [] },
    { jwksRequestOptions: { ca: idp.ca } },
  );
  const functions: Record<string, (event: never) => Promise<unknown>> = {
    authorizer: createWebSocketAuthorizer({ verifier }),
    $connect: (await import('../lambda/websocket/connect')).handler,
    $disconnect: (await import('../lambda/websocket/disconnect')).handler,
    $default: (await import('../lambda/websocket/default')).handler,
    subscribe: (await import('../lambda/websocket/subscribe')).handler,
    publish: (await import('../lambda/websocket/publish')).handler,
  };
  parentPort?.on('message', ({ id, route, event }: Invocation) => {
    functions[route](event as never).then(
      (result) => parentPort?.postMessage({ id, result } satisfies InvocationResult),
      (err: unknown) => parentPort?.postMessage({ id, error: (err as Error)?.message ?? String(err) } satisfies InvocationResult),
    );
  });
  parentPort?.postMessage('ready');
}

/** The main-thread side: invokes functions in the worker and awaits their results. */
class LocalLambdaService {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;

  constructor(idp: IdpTrust) {
    // The worker copies process.env now: CALLBACK_URL and the DynamoDB endpoint must be set before.
    this.worker = new Worker(
      `require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(__filename)});`,
      { eval: true, workerData: idp },
    );
    this.worker.on('message', (message: InvocationResult | 'ready') => {
      if (message === 'ready') return;
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (message === 'ready') {
          this.worker.off('message', onMessage);
          resolve();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
    });
  }

  invoke<T>(route: string, event: unknown): Promise<T> {
    const id = (this.nextId += 1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, route, event } satisfies Invocation);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
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

  const dynamo = await startDynalite();
  await createConnectionsTable(dynamo.client, 'connections');
  const idp = await startTestIdp();
  const gateway = await startLocalWebSocketGateway({
    stage: 'bench',
    // `lambda` is created below, once CALLBACK_URL is known; nothing connects before that.
    authorizer: (event: WebSocketAuthorizerEvent) => lambda.invoke<APIGatewayAuthorizerResult>('authorizer', event),
  });
  process.env.CALLBACK_URL = gateway.callbackUrl;
  const lambda = new LocalLambdaService({ issuer: idp.issuer, jwksUri: idp.jwksUri, ca: idp.ca });
  await lambda.ready();
  for (const route of ROUTE_KEYS) {
    gateway.addRoute(route, (event: WebSocketEvent) => lambda.invoke<WebSocketResult>(route, event));
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

    // Warm-up: a publish to WARM_UP_CLIENTS of the clients on another channel.
    await Promise.all(
      subscribers.slice(0, WARM_UP_CLIENTS).map((client) => client.request({ action: 'subscribe', channel: WARM_UP_CHANNEL }, 30_000)),
    );
    const warmUpStart = performance.now();
    const warmUp = await publisher.request({ action: 'publish', channel: WARM_UP_CHANNEL, data: 'warm-up' }, 60_000);
    const coldMs = performance.now() - warmUpStart;
    await Promise.all(subscribers.slice(0, WARM_UP_CLIENTS).map((client) => client.next((frame) => frame.type === 'message', 30_000)));
    console.log(`warm-up: cold publish to ${WARM_UP_CLIENTS} subscribers answered ${JSON.stringify(warmUp)} after ${round(coldMs)} ms`);

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
      totalMs: round(totalMs),
      deliveriesPerSecond: Math.round(receipts.length / (totalMs / 1000)),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(totalMs),
      fanoutConcurrency: Number(process.env.FANOUT_CONCURRENCY ?? 100),
      publishAnswer: answer,
      publishAnsweredMs: round(answeredAfter),
    };
    console.log(`deliveries: ${result.deliveries} (publish answered ${JSON.stringify(answer)} after ${result.publishAnsweredMs} ms)`);
    console.log(`total: ${result.totalMs} ms`);
    console.log(`deliveries per second: ${result.deliveriesPerSecond}`);
    console.log(`delivery latency p50: ${result.p50Ms} ms`);
    console.log(`delivery latency p99: ${result.p99Ms} ms`);
    console.log(`BENCH_FANOUT ${JSON.stringify(result)}`);
  } finally {
    // Cuts every socket without running $disconnect, then stops the servers.
    await gateway.close();
    await lambda.terminate();
    await idp.close();
    await dynamo.close();
    clearTimeout(watchdog);
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error('bench-fanout failed:', err);
    // Servers started before the failure would keep the process alive.
    process.exit(1);
  });
} else {
  void lambdaService(workerData as IdpTrust);
}
