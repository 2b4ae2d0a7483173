/**
 * A lean client for the one management API call a fan-out makes per subscriber:
 * `POST {CALLBACK_URL}/@connections/{connectionId}` (PostToConnection), signed with SigV4.
 *
 * Why not `ApiGatewayManagementApiClient.send()`: its middleware stack (endpoint resolution,
 * serializers, retry, signing, user agent, deserializers) costs about 1 ms of CPU per call, so a
 * publish to 1,000 subscribers spent a second of CPU in the SDK. Here one post is one signature (see
 * `sigv4.ts`) and one keep-alive HTTP request. Credentials and region still come from the SDK's
 * provider chain (`clients.ts`), so nothing about configuration changes.
 *
 * Behaviour kept from the SDK's standard mode:
 * - up to `maxAttempts` attempts (default 3) for throttling (429), 500/502/503/504 and network
 *   errors, with exponential backoff and full jitter;
 * - errors carry API Gateway's error type (`x-amzn-ErrorType`) as `name`, so `GoneException` (410),
 *   `ForbiddenException` (403), `PayloadTooLargeException` (413) and `LimitExceededException` (429)
 *   read as they would from the SDK, with `$metadata.httpStatusCode`.
 * Added:
 * - a per-attempt timeout (default 10 s) on the wall clock (not the socket's idle time, so a peer that
 *   trickles bytes cannot stretch it), so one stuck socket cannot hold a worker until the function
 *   times out;
 * - an optional deadline per post (`postToConnection(id, data, { deadline })`): no attempt starts
 *   with less than `minAttemptMs` (default 50 ms) left, each attempt's timeout is cut to end at the
 *   deadline at the latest, and a retry is made only when its backoff plus `minAttemptMs` fits before
 *   the deadline. A post that cannot start in time rejects with `DeadlineExceeded` without sending.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SigningCredentials } from './sigv4';
import { payloadHash, signPost } from './sigv4';

/** Credentials as the SDK's providers return them. */
export interface ExpiringCredentials extends SigningCredentials {
  readonly expiration?: Date;
}

export interface ConnectionsApiOptions {
  /** The stage's callback URL: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly endpoint: string;
  /** Signing region. */
  readonly region: string;
  /** Credential provider, asked again when the last credentials are within 5 minutes of expiring. */
  readonly credentials: () => Promise<ExpiringCredentials>;
  /** Keep-alive sockets to the endpoint; give it the fan-out's concurrency. */
  readonly maxSockets: number;
  /** Attempts per post for retryable failures. @default 3 */
  readonly maxAttempts?: number;
  /** Timeout of one attempt, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Backoff base, in ms: attempt n waits a random time up to base * 2^(n-1), at most 5 s. @default 100 */
  readonly retryBaseDelayMs?: number;
  /** With a deadline: the least time left before it for an attempt (first or retry) to start. @default 50 */
  readonly minAttemptMs?: number;
}

export interface PostOptions {
  /**
   * Epoch milliseconds by which the post must have settled: attempts and backoffs are fitted before
   * it (see the module comment). Default: none (attempts and backoffs as configured).
   */
  readonly deadline?: number;
}

/** The `name` of the error of a post that could not start (or retry) before its deadline. */
export const DEADLINE_EXCEEDED = 'DeadlineExceeded';

/** A post that failed: with API Gateway's error type as `name`, or `NetworkError`/`TimeoutError`. */
export class ConnectionsApiError extends Error {
  /** In the SDK's shape, so code written for SDK errors (`isGone`) reads it unchanged. */
  readonly $metadata: { readonly httpStatusCode?: number; readonly attempts: number };

  constructor(
    name: string,
    message: string,
    readonly statusCode: number | undefined,
    readonly retryable: boolean,
    attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = name;
    this.$metadata = { httpStatusCode: statusCode, attempts };
  }
}

/** Status codes the SDK's standard retry mode treats as transient or throttling. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 5_000;

export class ConnectionsApi {
  private readonly url: URL;
  private readonly host: string;
  private readonly basePath: string;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly minAttemptMs: number;
  private readonly payloadHashes = new WeakMap<Uint8Array, string>();
  private cachedCredentials?: Promise<ExpiringCredentials>;

  constructor(private readonly options: ConnectionsApiOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new TypeError(`ConnectionsApi: endpoint must be an http(s) URL (got "${options.endpoint}")`);
    }
    this.host = this.url.host;
    this.basePath = this.url.pathname.replace(/\/+$/, '');
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    const secure = this.url.protocol === 'https:';
    this.agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = secure ? httpsRequest : httpRequest;
    this.maxAttempts = positive(options.maxAttempts ?? 3, 'maxAttempts');
    this.timeoutMs = positive(options.timeoutMs ?? 10_000, 'timeoutMs');
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
    this.minAttemptMs = positive(options.minAttemptMs ?? 50, 'minAttemptMs');
  }

  /**
   * Sends `data` to the connection. Resolves when API Gateway accepted it; rejects with a
   * `ConnectionsApiError` once a non-retryable answer came, the attempts ran out, or (with
   * `options.deadline`) no further attempt fits before the deadline: then with the last attempt's
   * error, or `DeadlineExceeded` when none was made. Pass the same `Uint8Array` for every subscriber:
   * its hash is computed once.
   */
  async postToConnection(connectionId: string, data: Uint8Array, options: PostOptions = {}): Promise<void> {
    const { deadline } = options;
    const path = `${this.basePath}/@connections/${encodeURIComponent(connectionId)}`;
    let hash = this.payloadHashes.get(data);
    if (hash === undefined) {
      hash = payloadHash(data);
      this.payloadHashes.set(data, hash);
    }
    for (let attempt = 1; ; attempt += 1) {
      if (deadline !== undefined && deadline - Date.now() < this.minAttemptMs) {
        throw new ConnectionsApiError(DEADLINE_EXCEEDED, 'Not sent: the fan-out deadline has passed', undefined, false, attempt - 1);
      }
      const credentials = await this.credentials();
      const timeoutMs = deadline === undefined ? this.timeoutMs : Math.max(1, Math.min(this.timeoutMs, deadline - Date.now()));
      try {
        await this.attempt(path, data, hash, credentials, attempt, timeoutMs);
        return;
      } catch (err) {
        const error = err as ConnectionsApiError;
        if (!error.retryable || attempt >= this.maxAttempts) throw error;
        const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, this.retryBaseDelayMs * 2 ** (attempt - 1));
        // A retry that cannot get `minAttemptMs` before the deadline is not made.
        if (deadline !== undefined && Date.now() + backoff + this.minAttemptMs > deadline) throw error;
        await delay(backoff);
      }
    }
  }

  /** Closes the idle keep-alive sockets. */
  destroy(): void {
    this.agent.destroy();
  }

  private credentials(): Promise<ExpiringCredentials> {
    const current = this.cachedCredentials;
    if (current) return current;
    const fresh = this.options.credentials();
    this.cachedCredentials = fresh;
    fresh.then(
      (credentials) => {
        if (credentials.expiration) {
          // Forget them shortly before they expire; the next post asks the provider again.
          const ttl = credentials.expiration.getTime() - Date.now() - CREDENTIAL_REFRESH_MARGIN_MS;
          setTimeout(() => this.forgetCredentials(fresh), Math.max(0, ttl)).unref();
        }
      },
      () => this.forgetCredentials(fresh),
    );
    return fresh;
  }

  private forgetCredentials(which: Promise<ExpiringCredentials>): void {
    if (this.cachedCredentials === which) this.cachedCredentials = undefined;
  }

  private attempt(
    path: string,
    data: Uint8Array,
    hash: string,
    credentials: SigningCredentials,
    attempt: number,
    timeoutMs: number,
  ): Promise<void> {
    const headers = signPost({
      host: this.host,
      path,
      payloadHash: hash,
      region: this.options.region,
      service: 'execute-api',
      credentials,
    });
    const requestOptions: RequestOptions = {
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port || undefined,
      method: 'POST',
      path,
      agent: this.agent,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': data.byteLength },
    };
    return new Promise<void>((resolve, reject) => {
      // The first outcome wins; a timeout destroys the request, whose later errors are ignored.
      let settled = false;
      const settle = (error?: ConnectionsApiError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      // Wall-clock time for the whole attempt, from before the socket is assigned to the end of the answer.
      const timer = setTimeout(() => {
        settle(new ConnectionsApiError('TimeoutError', `No answer within ${timeoutMs} ms`, undefined, true, attempt));
        req.destroy();
      }, timeoutMs);
      const req = this.send(requestOptions, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // Drain the (empty) body so the socket goes back to the pool.
          res.resume();
          res.once('end', () => settle());
          res.once('error', (err) => settle(networkError(err, attempt)));
          return;
        }
        readAll(res).then(
          (body) => settle(answerError(status, res.headers['x-amzn-errortype'], body, attempt)),
          (err: Error) => settle(networkError(err, attempt)),
        );
      });
      req.on('error', (err) => settle(networkError(err, attempt)));
      req.end(data);
    });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`ConnectionsApi: ${name} must be a positive integer (got ${value})`);
  }
  return value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/** An error answer: its type from `x-amzn-ErrorType` (`GoneException:http://...` → `GoneException`). */
function answerError(status: number, errorTypeHeader: string | string[] | undefined, body: string, attempts: number): ConnectionsApiError {
  const header = Array.isArray(errorTypeHeader) ? errorTypeHeader[0] : errorTypeHeader;
  const name = header?.split(':')[0].trim() || `Http${status}Error`;
  let message = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; Message?: unknown };
    message = String(parsed.message ?? parsed.Message ?? body);
  } catch {
    // Not JSON: keep the raw text.
  }
  return new ConnectionsApiError(name, message || `HTTP ${status}`, status, RETRYABLE_STATUS.has(status), attempts);
}

function networkError(err: Error, attempts: number): ConnectionsApiError {
  return new ConnectionsApiError('NetworkError', err.message, undefined, true, attempts, { cause: err });
}
