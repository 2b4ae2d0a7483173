/**
 * A loopback stand-in for the API keys and usage plans part of API Gateway's control-plane API
 * (`apigateway`), for handler tests that read them with the real `@aws-sdk/client-api-gateway` client.
 *
 * Every request's SigV4 signature is checked against the credentials it was started with (403
 * `InvalidSignatureException` when it does not match), for the `apigateway` service and `region`.
 * Three operations are served, as the service does:
 * - `GET /apikeys?name=&includeValues=&limit=&position=` (GetApiKeys): `name` filters by prefix: every
 *   key whose name starts with it, so `acme` also returns `acme2` and `acme-v1` (the API reference
 *   says only "the name of queried API keys"; the prefix match is what AWS answers, as reported in
 *   aws/aws-sdk-java-v2#1732 and checked against AWS by LocalStack and moto); no `name`, every key;
 *   `value` is in the answer only with `includeValues=true`;
 * - `GET /usageplans?keyId=&limit=&position=` (GetUsagePlans): every plan, with its `apiStages`
 *   (only the plans holding key `keyId`, when given);
 * - `GET /usageplans/{id}/keys?name=&limit=&position=` (GetUsagePlanKeys): the plan's keys as
 *   `{ id, type: 'API_KEY', name, value }` (values included, as the service answers), `name` a
 *   prefix filter; 404 `NotFoundException` for an unknown plan.
 * Each answers pages of `limit` items (default 25, 1 to 500, else 400 `BadRequestException`; at most
 * `capPageSize` when set, as a service may answer fewer items than asked) in creation order, with an
 * opaque `position` for the next page and none after the last, as `{ "item": [...], "position": "..." }`
 * with dates in epoch seconds, as on the wire.
 * Every request is recorded (operation, path, query, signature verdict) so tests can assert on what
 * was asked. `failWith` makes the next requests (of one operation, or all) fail as the service can:
 * 500, throttling (429 `TooManyRequestsException`), a reset connection, or no answer at all.
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

/** A stage a usage plan applies to. */
export interface StoredApiStage {
  readonly apiId: string;
  readonly stage: string;
}

export interface StoredUsagePlan {
  readonly id: string;
  readonly name: string;
  readonly apiStages: readonly StoredApiStage[];
}

/** The operations served. */
export type ApiKeysOperation = 'GetApiKeys' | 'GetUsagePlans' | 'GetUsagePlanKeys';

export interface ApiKeysRequest {
  /** The operation the method and path name, or undefined for any other request. */
  readonly operation: ApiKeysOperation | undefined;
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
  /** How many requests of `operation` were received. */
  countOf(operation: ApiKeysOperation): number;
  /**
   * Adds a key (enabled unless said otherwise) and returns it; its value is random unless given. It
   * is in the usage plans `plans` names (none unless given).
   */
  addKey(name: string, options?: { enabled?: boolean; value?: string; plans?: readonly string[] }): StoredApiKey;
  /** Enables or disables the key with this id. */
  setEnabled(id: string, enabled: boolean): void;
  /** Adds a usage plan for these stages and returns it. */
  addUsagePlan(apiStages: readonly StoredApiStage[], name?: string): StoredUsagePlan;
  /** Puts key `keyId` in usage plan `planId` (CreateUsagePlanKey). */
  addToPlan(planId: string, keyId: string): void;
  /**
   * Answers every later request of `operation` (of every operation when not given) this way;
   * `undefined` returns to normal answers (for every operation when not given).
   */
  failWith(failure: ApiKeysFailure | undefined, operation?: ApiKeysOperation): void;
  /** Answers pages of at most `size` items, whatever the limit asked; `undefined`: the limit asked. */
  capPageSize(size: number | undefined): void;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Forgets keys, plans, requests, failures and the page cap: a fresh account. */
  reset(): void;
  close(): Promise<void>;
}

/** The operation a request names. */
function operationOf(method: string, path: string): { operation: ApiKeysOperation; planId?: string } | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/apikeys') return { operation: 'GetApiKeys' };
  if (path === '/usageplans') return { operation: 'GetUsagePlans' };
  const match = /^\/usageplans\/([^/]+)\/keys$/.exec(path);
  return match ? { operation: 'GetUsagePlanKeys', planId: decodeURIComponent(match[1]) } : undefined;
}

export async function startApiKeysEndpoint(): Promise<ApiKeysEndpoint> {
  const keys: StoredApiKey[] = [];
  const plans: Array<StoredUsagePlan & { keyIds: string[] }> = [];
  const requests: ApiKeysRequest[] = [];
  const failures = new Map<ApiKeysOperation | '*', ApiKeysFailure>();
  let pageCap: number | undefined;
  let sequence = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const signatureProblem = await signatureProblemOf(req, url);
    const target = operationOf(req.method ?? '', url.pathname);
    requests.push({ operation: target?.operation, method: req.method ?? '', path: url.pathname, query, authorization: req.headers.authorization, signatureProblem });
    const failure = (target && failures.get(target.operation)) ?? failures.get('*');
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
    if (!target) {
      sendApiError(res, 404, 'NotFoundException', 'Invalid request path');
      return;
    }
    const limit = query.limit === undefined ? 25 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      sendApiError(res, 400, 'BadRequestException', 'Invalid limit');
      return;
    }
    let items: unknown[];
    if (target.operation === 'GetApiKeys') {
      items = keys
        .filter((key) => query.name === undefined || key.name.startsWith(query.name))
        .map((key) => ({
          id: key.id,
          name: key.name,
          enabled: key.enabled,
          createdDate: key.createdDate,
          lastUpdatedDate: key.createdDate,
          stageKeys: [],
          ...(query.includeValues === 'true' ? { value: key.value } : {}),
        }));
    } else if (target.operation === 'GetUsagePlans') {
      items = plans
        .filter((plan) => query.keyId === undefined || plan.keyIds.includes(query.keyId))
        .map((plan) => ({ id: plan.id, name: plan.name, apiStages: plan.apiStages.map((s) => ({ ...s })), throttle: { rateLimit: 10, burstLimit: 20 } }));
    } else {
      const plan = plans.find((p) => p.id === target.planId);
      if (!plan) {
        sendApiError(res, 404, 'NotFoundException', 'Invalid Usage Plan ID specified');
        return;
      }
      items = plan.keyIds
        .map((id) => keys.find((key) => key.id === id))
        .filter((key): key is StoredApiKey => key !== undefined && (query.name === undefined || key.name.startsWith(query.name)))
        .map((key) => ({ id: key.id, type: 'API_KEY', name: key.name, value: key.value }));
    }
    const size = Math.min(limit, pageCap ?? limit);
    const start = query.position === undefined ? 0 : Number(Buffer.from(query.position, 'base64url').toString());
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    const body = { item: items.slice(start, start + size), ...(next ? { position: next } : {}) };
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

  const planOf = (planId: string) => {
    const plan = plans.find((p) => p.id === planId);
    if (!plan) throw new Error(`no usage plan ${planId}`);
    return plan;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get lookups() {
      return requests.filter((r) => r.operation === 'GetApiKeys').length;
    },
    countOf: (operation) => requests.filter((r) => r.operation === operation).length,
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
      for (const planId of options.plans ?? []) planOf(planId).keyIds.push(key.id);
      return key;
    },
    setEnabled: (id, enabled) => {
      const index = keys.findIndex((key) => key.id === id);
      if (index < 0) throw new Error(`setEnabled: no key ${id}`);
      keys[index] = { ...keys[index], enabled };
    },
    addUsagePlan: (apiStages, name) => {
      sequence += 1;
      const plan = { id: `plan${String(sequence).padStart(6, '0')}`, name: name ?? `plan ${sequence}`, apiStages: apiStages.map((s) => ({ ...s })), keyIds: [] };
      plans.push(plan);
      return { id: plan.id, name: plan.name, apiStages: plan.apiStages };
    },
    addToPlan: (planId, keyId) => {
      if (!keys.some((key) => key.id === keyId)) throw new Error(`addToPlan: no key ${keyId}`);
      const plan = planOf(planId);
      if (!plan.keyIds.includes(keyId)) plan.keyIds.push(keyId);
    },
    failWith: (next, operation) => {
      if (next) failures.set(operation ?? '*', next);
      else if (operation) failures.delete(operation);
      else failures.clear();
    },
    capPageSize: (size) => {
      pageCap = size;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    reset: () => {
      keys.length = 0;
      plans.length = 0;
      requests.length = 0;
      failures.clear();
      pageCap = undefined;
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
 * the control-plane reads carry and the `@connections` posts do not.
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
