/**
 * Entry point of the orders service container: listens on `PORT` (default 8080) on all interfaces
 * and stops gracefully on SIGTERM (what ECS sends when it stops a task) or SIGINT: no new
 * connections, idle ones closed, busy ones closed after their answer, then exit 0. Connections
 * still busy after 10 s are destroyed and the process exits 1; a second signal exits at once.
 *
 * The container image runs this file bundled with server.ts by esbuild (see the Dockerfile): the
 * extension-less `./server` import below, which the project's TypeScript settings need, is resolved
 * at build time rather than by Node.js at run time.
 */
import { closeGracefully, createOrdersServer } from './server';

const DEFAULT_PORT = 8080;
const SHUTDOWN_TIMEOUT_MS = 10_000;

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) {
    log('error', 'PORT must be an integer from 1 to 65535');
    process.exit(1);
  }
  return port;
}

const port = portFrom(process.env.PORT);
const server = createOrdersServer();

server.on('error', (error: Error) => {
  log('error', 'server error', { error: error.message });
  process.exit(1);
});

server.listen(port, '0.0.0.0', () => {
  log('info', 'orders service listening', { port, node: process.version });
});

let stopping = false;

function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    log('error', 'second signal during shutdown, exiting now', { signal });
    process.exit(1);
  }
  stopping = true;
  log('info', 'shutting down', { signal, timeoutMs: SHUTDOWN_TIMEOUT_MS });
  void closeGracefully(server, SHUTDOWN_TIMEOUT_MS).then((clean) => {
    if (clean) log('info', 'stopped');
    else log('error', `connections still busy after ${SHUTDOWN_TIMEOUT_MS} ms were closed`);
    process.exit(clean ? 0 : 1);
  });
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
