/**
 * A loopback stand-in for the API keys part of API Gateway's control-plane API (`apigateway`), for
 * handler tests that look keys up with the real `@aws-sdk/client-api-gateway` client.
 *
 * `GET /apikeys?name=&includeValues=&limit=&position=` (GetApiKeys) behaves as the service does:
 * - the SigV4 signature is checked against the credentials it was started with (403
 *   `InvalidSignatureException` when it does not match), for the `apigateway` service and `region`;
 * - `name` filters by prefix: every key whose name starts with it, so `acme` also returns `acme2`
 *   and `acme-v1` (the API reference says only "the name of queried API keys"; the prefix match is
 *   what AWS answers, as reported in aws/aws-sdk-java-v2#1732 and checked against AWS by LocalStack
 *   and moto); no `name`, every key;
 * - `value` is in the answer only with `includeValues=true`;
 * - pages of `limit` items (default 25, 1 to 500, else 400 `BadRequestException`) in creation
 *   order, with an opaque `position` for the next page and none after the last;
 * - the answer is `{ "item": [...], "position": "..." }` with dates in epoch seconds, as on the wire.
 * Every request is recorded (path, query, signature verdict) so tests can assert on what was asked.
 * `failWith` makes the next requests fail as the service can: 500, throttling (429
 * `TooManyRequestsException`), a reset connection, or no answer at all.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { sendApiError } from './connections-endpoint';
import { NodeSha256 } from './sigv4-verifier';

/** Static credentials the endpoint accepts; give them to the client under test. */
export const API_KEYS_CREDENTIALS = { accessKeyId: 'AKIDTENANTKEYTEST', secretAccessKey: 'tenant-key-test-secret' } as const;
/** The region requests must be signed for. */
export const API_KEYS_REGION = 'eu-west-1';

export interface StoredApiKey {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly enabled: boolean;
  /** Epoch seconds. */
  readonly createdDate: number;
}

export interface ApiKeysRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  /** Why the signature was refused, or undefined when it was valid. */
  readonly signatureProblem: string | undefined;
}

/** How requests are answered from now on. */
export type ApiKeysFailure =
  | { readonly kind: 'status'; readonly status: number; readonly errorType: string; readonly message?: string }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

export interface ApiKeysEndpoint {
  /** `http://127.0.0.1:<port>`, the client's `endpoint`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly ApiKeysRequest[];
  /** Requests received to `GET /apikeys`. */
  readonly lookups: number;
  /** Adds a key (enabled unless said otherwise) and returns it; its value is random unless given. */
  addKey(name: string, options?: { enabled?: boolean; value?: string }): StoredApiKey;
  /** Enables or disables the key with this id. */
  setEnabled(id: string, enabled: boolean): void;
  /** Answers every later request this way; `undefined` returns to normal answers. */
  failWith(failure: ApiKeysFailure | undefined): void;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  close(): Promise<void>;
}

export async function startApiKeysEndpoint(): Promise<ApiKeysEndpoint> {
  const keys: StoredApiKey[] = [];
  const requests: ApiKeysRequest[] = [];
  let failure: ApiKeysFailure | undefined;
  let sequence = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const signatureProblem = await signatureProblemOf(req, url);
    requests.push({ method: req.method ?? '', path: url.pathname, query, authorization: req.headers.authorization, signatureProblem });
    if (failure?.kind === 'hang') return;
    if (failure?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure?.kind === 'status') {
      sendApiError(res, failure.status, failure.errorType, failure.message ?? 'stand-in failure');
      return;
    }
    if (signatureProblem) {
      sendApiError(res, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/apikeys') {
      sendApiError(res, 404, 'NotFoundException', 'Invalid request path');
      return;
    }
    const limit = query.limit === undefined ? 25 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      sendApiError(res, 400, 'BadRequestException', 'Invalid limit');
      return;
    }
    const start = query.position === undefined ? 0 : Number(Buffer.from(query.position, 'base64url').toString());
    const matching = keys.filter((key) => query.name === undefined || key.name.startsWith(query.name));
    const page = matching.slice(start, start + limit);
    const next = start + limit < matching.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    const body = {
      item: page.map((key) => ({
        id: key.id,
        name: key.name,
        enabled: key.enabled,
        createdDate: key.createdDate,
        lastUpdatedDate: key.createdDate,
        stageKeys: [],
        ...(query.includeValues === 'true' ? { value: key.value } : {}),
      })),
      ...(next ? { position: next } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    req.resume();
    req.once('end', () => {
      handle(req, res).catch((err: unknown) => sendApiError(res, 500, 'InternalFailure', String(err)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get lookups() {
      return requests.filter((r) => r.method === 'GET' && r.path === '/apikeys').length;
    },
    addKey: (name, options = {}) => {
      sequence += 1;
      const key: StoredApiKey = {
        id: `key${String(sequence).padStart(6, '0')}`,
        name,
        value: options.value ?? `val-${createHash('sha256').update(`${name}/${sequence}/${Math.random()}`).digest('hex').slice(0, 36)}`,
        enabled: options.enabled ?? true,
        createdDate: 1_700_000_000 + sequence,
      };
      keys.push(key);
      return key;
    },
    setEnabled: (id, enabled) => {
      const index = keys.findIndex((key) => key.id === id);
      if (index < 0) throw new Error(`setEnabled: no key ${id}`);
      keys[index] = { ...keys[index], enabled };
    },
    failWith: (next) => {
      failure = next;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Checks the SigV4 signature as the service does: the request is signed again with the SDK's own
 * signer from what arrived (method, path, query, the headers `SignedHeaders` names) and the two
 * `Authorization` headers must match. Like `./sigv4-verifier`, but with the query string, which
 * GetApiKeys carries and the `@connections` posts do not.
 */
async function signatureProblemOf(req: IncomingMessage, url: URL): Promise<string | undefined> {
  const authorization = req.headers.authorization;
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    authorization ?? '',
  );
  if (!match) return `malformed Authorization header: ${authorization ?? '(none)'}`;
  const [, accessKeyId, day, region, service, signedHeaders] = match;
  if (region !== API_KEYS_REGION) return `signed for region ${region}, expected ${API_KEYS_REGION}`;
  if (service !== 'apigateway') return `signed for service ${service}, expected apigateway`;
  if (accessKeyId !== API_KEYS_CREDENTIALS.accessKeyId) return `unknown access key ${accessKeyId}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day)) return `bad x-amz-date ${amzDate}`;
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return 'host is not signed';
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signer = new SignatureV4({ service, region, credentials: API_KEYS_CREDENTIALS, sha256: NodeSha256, applyChecksum: false });
  const [hostname, port] = headers.host.split(':');
  const signed = await signer.sign(
    { method: req.method ?? '', protocol: 'http:', hostname, port: port ? Number(port) : undefined, path: url.pathname, query, headers },
    { signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`) },
  );
  return signed.headers.authorization === authorization ? undefined : `signature mismatch: expected ${signed.headers.authorization}`;
}
