/**
 * The demo "orders" service: a small JSON API that runs as an ECS Fargate container behind an
 * internal load balancer (API Gateway → VPC link → ALB/NLB → this container). The API Gateway stage
 * prefix never reaches the service and an ALB forwards paths unchanged, so it serves under `/orders`.
 *
 *   GET  /health, GET /orders/health → 200 `{"status":"ok"}` (load balancer health check)
 *   GET  /orders[?limit=1..100]      → 200 `{"orders":[...]}`, newest first (default limit 20)
 *   POST /orders                     → 201 the order, with `Location: /orders/<id>`
 *   GET  /orders/{id}                → 200 the order; 404 unknown; 400 when the id is not a UUID
 *
 * Every GET route also answers HEAD. Another method on a known path answers 405 with an `Allow`
 * header; any other path, 404. Every answer is JSON (`{"message": ...}` for errors; a message never
 * echoes the request back) with `cache-control: no-store` and `x-content-type-options: nosniff`.
 *
 * POST bodies: `content-type` must be `application/json` (optionally `charset=utf-8`), else 415,
 * checked before the body is read; at most `maxBodyBytes` bytes, else 413 as soon as the limit is
 * passed (a `content-length` over the limit answers before any of the body is read). The body is
 * exactly `{ "item": string of 1..100 characters, "quantity": integer 1..1000 }`, else 400.
 * An answer sent before the request body was fully read closes the connection, so the rest of a
 * body is never read.
 *
 * Orders live in memory (per task, lost on restart), at most `maxOrders`: the oldest is evicted
 * first. Each request logs one JSON line: method, path (without the query string), status,
 * duration, and the `x-amzn-trace-id` / `x-amzn-requestid` headers when present; never other
 * headers or bodies.
 *
 * Runs directly with Node's type stripping: only `node:` built-ins and erasable TypeScript syntax.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Order {
  readonly id: string;
  readonly item: string;
  readonly quantity: number;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
}

export interface OrdersServerOptions {
  /** Orders kept in memory; the oldest is evicted first. Default 1000. */
  readonly maxOrders?: number;
  /** Largest accepted POST body, in bytes. Default 16 KiB. */
  readonly maxBodyBytes?: number;
  /** Receives one JSON log line (without a trailing newline) per request. Default: stdout. */
  readonly logger?: (line: string) => void;
}

/** Default number of orders kept in memory. */
export const DEFAULT_MAX_ORDERS = 1000;
/** Default largest POST body, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** Default and largest `limit` of `GET /orders`. */
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

/**
 * Timeouts, in milliseconds. An ALB keeps idle connections to its targets open for 60 s (its idle
 * timeout): the service must keep them longer, or the ALB may reuse a connection the service is
 * closing and answer 502. `headersTimeout` is above `keepAliveTimeout` (the classic Node.js/ALB
 * pairing), and `requestTimeout` (the whole request, body included) at least `headersTimeout`, as
 * Node.js requires.
 */
export const SERVER_TIMEOUTS = { keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 70_000 } as const;

const ITEM_MAX_CHARS = 100;
const QUANTITY_MAX = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIMIT = /^[1-9][0-9]{0,2}$/;
/** Longest path and trace header value written to a log line. */
const MAX_LOGGED_CHARS = 1024;

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** Methods per known path, for routing and the 405 `Allow` header. */
const ALLOW_GET = 'GET, HEAD';
const ALLOW_ORDERS = 'GET, HEAD, POST';

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type BodyResult =
  | { readonly kind: 'ok'; readonly body: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/** A new orders server, not listening yet: call `listen()` on it. */
export function createOrdersServer(options: OrdersServerOptions = {}): Server {
  const maxOrders = positiveInteger(options.maxOrders ?? DEFAULT_MAX_ORDERS, 'maxOrders');
  const maxBodyBytes = positiveInteger(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
  const logger = options.logger ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const log = (fields: Record<string, unknown>): void => {
    try {
      logger(JSON.stringify({ time: new Date().toISOString(), ...fields }));
    } catch {
      // A failing logger must not take the request (or the process) down.
    }
  };

  // Insertion order is creation order: the first key is the oldest order.
  const orders = new Map<string, Order>();

  const server = createServer({
    headersTimeout: SERVER_TIMEOUTS.headersTimeout,
    requestTimeout: SERVER_TIMEOUTS.requestTimeout,
  });
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const rawUrl = req.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1);

    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      log({
        level: res.statusCode >= 500 ? 'error' : 'info',
        msg: 'request',
        method: req.method,
        path: truncate(path),
        // A client that went away before the answer was sent got no status.
        status: res.writableFinished || res.headersSent ? res.statusCode : null,
        durationMs: Math.round(durationMs * 1000) / 1000,
        ...(res.writableFinished ? {} : { aborted: true }),
        ...optionalHeader(req, 'x-amzn-trace-id', 'traceId'),
        ...optionalHeader(req, 'x-amzn-requestid', 'requestId'),
      });
    });

    const send = (answer: Answer): void => {
      if (res.headersSent || res.destroyed) return;
      const payload = JSON.stringify(answer.body);
      res.statusCode = answer.status;
      for (const [name, value] of Object.entries({ ...JSON_HEADERS, ...answer.headers })) res.setHeader(name, value);
      res.setHeader('content-length', Buffer.byteLength(payload));
      // Close the connection instead of reading (and discarding) a body of unknown size that is
      // still arriving, and when shutting down (after `server.close()`), so no connection lingers.
      if (!req.complete || !server.listening) res.setHeader('connection', 'close');
      res.end(payload);
    };

    route(req, path, query).then(send, (failure: unknown) => {
      log({ level: 'error', msg: 'unhandled error', error: failure instanceof Error ? failure.message : String(failure) });
      if (res.headersSent) res.destroy();
      else send({ status: 500, body: { message: 'Internal server error' } });
    });
  });

  // A request Node.js cannot parse (or that times out) never reaches 'request': answer it in JSON too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // An answer in progress on this connection (pipelining) must not be interleaved with this one.
    const busy = (socket as Duplex & { _httpMessage?: unknown })._httpMessage != null;
    if (error.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const payload = JSON.stringify({ message: STATUS_CODES[status] });
    const headers = Object.entries({
      ...JSON_HEADERS,
      'content-length': String(Buffer.byteLength(payload)),
      connection: 'close',
    }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers.join('')}\r\n${payload}`);
    log({ level: 'info', msg: 'client error', status, code: error.code });
  });

  async function route(req: IncomingMessage, path: string, query: string): Promise<Answer> {
    const method = req.method ?? '';
    const isGet = method === 'GET' || method === 'HEAD';

    if (path === '/health' || path === '/orders/health') {
      return isGet ? { status: 200, body: { status: 'ok' } } : methodNotAllowed(ALLOW_GET);
    }
    if (path === '/orders') {
      if (isGet) return listOrders(query);
      if (method === 'POST') return createOrder(req);
      return methodNotAllowed(ALLOW_ORDERS);
    }
    const id = path.startsWith('/orders/') ? path.slice('/orders/'.length) : '';
    if (id !== '' && !id.includes('/')) {
      if (!isGet) return methodNotAllowed(ALLOW_GET);
      if (!UUID.test(id)) return error(400, 'The order id must be a UUID');
      const order = orders.get(id.toLowerCase());
      return order ? { status: 200, body: order } : error(404, 'Order not found');
    }
    return error(404, 'Not found');
  }

  function listOrders(query: string): Answer {
    const limits = new URLSearchParams(query).getAll('limit');
    if (limits.length > 1 || (limits.length === 1 && !validLimit(limits[0]))) {
      return error(400, `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
    }
    const limit = limits.length === 1 ? Number(limits[0]) : DEFAULT_LIST_LIMIT;
    const all = [...orders.values()];
    return { status: 200, body: { orders: all.slice(-limit).reverse() } };
  }

  async function createOrder(req: IncomingMessage): Promise<Answer> {
    if (!isJsonContentType(req.headers['content-type'])) {
      return error(415, 'content-type must be application/json');
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return error(415, 'content-encoding is not supported');
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) return tooLarge();

    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'too-large') return tooLarge();
    // The client went away: nobody receives the answer.
    if (read.kind === 'aborted') return error(400, 'The request was aborted');

    let input: unknown;
    try {
      input = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read.body));
    } catch {
      return error(400, 'The body must be valid UTF-8 JSON');
    }
    const problem = validateNewOrder(input);
    if (problem !== undefined) return error(400, problem);
    const { item, quantity } = input as { item: string; quantity: number };

    const order: Order = { id: randomUUID(), item, quantity, createdAt: new Date().toISOString() };
    orders.set(order.id, order);
    while (orders.size > maxOrders) {
      const oldest = orders.keys().next();
      if (oldest.done) break;
      orders.delete(oldest.value);
    }
    return { status: 201, body: order, headers: { location: `/orders/${order.id}` } };
  }

  function tooLarge(): Answer {
    return error(413, `The body must be at most ${maxBodyBytes} bytes`);
  }

  return server;
}

/**
 * Stops `server` gracefully: it accepts no new connections, closes idle keep-alive connections
 * now, and each busy one after its answer (which carries `connection: close`). Resolves `true` once
 * every connection is closed, or `false` after `timeoutMs` when connections were still busy; those
 * are then destroyed.
 */
export function closeGracefully(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (clean: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(sweeper);
      clearTimeout(deadline);
      resolve(clean);
    };
    // The callback runs once every connection is closed (with an error when the server was not listening).
    server.close(() => settle(true));
    server.closeIdleConnections();
    // A connection whose answer had started before close() becomes idle (keep-alive) afterwards.
    const sweeper = setInterval(() => server.closeIdleConnections(), 250);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      settle(false);
    }, timeoutMs);
  });
}

function error(status: number, message: string): Answer {
  return { status, body: { message } };
}

function methodNotAllowed(allow: string): Answer {
  return { status: 405, body: { message: 'Method not allowed' }, headers: { allow } };
}

function validLimit(value: string): boolean {
  return LIMIT.test(value) && Number(value) <= MAX_LIST_LIMIT;
}

/** `application/json`, with at most a `charset=utf-8` parameter (any case, optionally quoted). */
function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [mediaType, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  return parameters.every((parameter) => {
    if (parameter === '') return true;
    const [name, value = ''] = parameter.split('=').map((part) => part.trim());
    return name === 'charset' && (value === 'utf-8' || value === '"utf-8"');
  });
}

/** Undefined when `input` is a valid new order, else a message that does not quote the input. */
function validateNewOrder(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'The body must be a JSON object with item and quantity';
  }
  const allowed = new Set(['item', 'quantity']);
  if (Object.keys(input).some((key) => !allowed.has(key))) {
    return 'Unknown property: the body accepts only item and quantity';
  }
  const { item, quantity } = input as Record<string, unknown>;
  if (
    typeof item !== 'string' ||
    [...item].length < 1 ||
    [...item].length > ITEM_MAX_CHARS ||
    item.trim() === '' ||
    /\p{Cc}/u.test(item)
  ) {
    return `item must be a non-blank string of 1 to ${ITEM_MAX_CHARS} characters without control characters`;
  }
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > QUANTITY_MAX) {
    return `quantity must be an integer from 1 to ${QUANTITY_MAX}`;
  }
  return undefined;
}

/**
 * Reads the body, keeping at most `limit` bytes: once more arrive it stops reading (the request is
 * paused, the answer then closes the connection) and reports `too-large`.
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'ok', body: Buffer.concat(chunks, size) });
    const onClose = (): void => finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    // Stays attached: an aborted request may still emit 'error' after finish().
    req.on('error', () => finish({ kind: 'aborted' }));
  });
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function truncate(value: string): string {
  return value.length > MAX_LOGGED_CHARS ? `${value.slice(0, MAX_LOGGED_CHARS)}…` : value;
}

function optionalHeader(req: IncomingMessage, header: string, field: string): Record<string, string> {
  const value = req.headers[header];
  return typeof value === 'string' && value !== '' ? { [field]: truncate(value) } : {};
}
