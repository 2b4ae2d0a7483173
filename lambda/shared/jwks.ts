/**
 * The key store behind `./jwt`: one JSON Web Key Set (JWKS) URI, fetched over HTTPS, held in memory
 * with bounded size and age, refetched at a bounded rate.
 *
 * - Size: a JWKS answer larger than `JWKS_MAX_BYTES` (256 KiB) is refused while it streams in, and
 *   one listing more than `JWKS_MAX_KEYS` (100) entries is refused. Only the key fields needed for
 *   signatures are kept, and a `KeyObject` is made for a key the first time a token names it, so the
 *   store never holds more than 100 keys and 100 key objects, whatever tokens arrive. Nothing here is
 *   keyed by anything a token chooses (a token's `kid` is only looked up).
 * - Age: a key set is used for at most `maxAgeMs` after its fetch started (default 600 s, env
 *   `JWT_JWKS_MAX_AGE_SECONDS`, 60 to 86,400 s, read by `./jwt`). After that the next request waits
 *   for a fresh fetch, so a key withdrawn from the JWKS stops verifying within that time.
 * - Only a good answer replaces the key set: HTTP 200, at most 256 KiB, JSON with a `keys` array of at
 *   most 100 entries of which at least one can verify signatures. Anything else (network error,
 *   timeout, other status, non-JSON, oversize, no usable keys) is an IdP failure: the previous set
 *   stays in use for the rest of its age and the request that needed the fetch fails with
 *   `JwksUnavailableError`.
 * - Rate: fetches (for whatever reason) start at least `JWKS_REFETCH_INTERVAL_MS` (2 s) apart, and at
 *   most one runs at a time; requests that need one share it. A request whose `kid` is not in a key
 *   set fetched before it arrived waits for the next fetch that starts after it arrived (at most 2 s
 *   away, plus the fetch itself, at most `JWKS_FETCH_TIMEOUT_MS`, 3 s) and gets the answer from that:
 *   a key the IdP publishes moments after someone probed for it verifies after a short wait, while a
 *   flood of tokens with invented `kid`s costs the IdP at most one fetch per 2 s per execution
 *   environment. After a failed fetch, requests that need a fetch fail at once until the 2 s are up
 *   (no waiting on an IdP that just failed).
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import type { RequestOptions } from 'node:https';

/** Largest JWKS answer accepted, in bytes (256 KiB; real ones are 1 to 30 KB). */
export const JWKS_MAX_BYTES = 256 * 1024;
/** Most entries a JWKS may list. */
export const JWKS_MAX_KEYS = 100;
/** A JWKS fetch that has not completed after this many milliseconds fails. */
export const JWKS_FETCH_TIMEOUT_MS = 3000;
/** Least time between the starts of two JWKS fetches. */
export const JWKS_REFETCH_INTERVAL_MS = 2000;
/** Shortest RSA modulus accepted in a published key. */
export const RSA_MIN_MODULUS_BITS = 2048;
/** Default, least and greatest maximum age of a fetched key set, in seconds. */
export const JWKS_MAX_AGE_DEFAULT_SECONDS = 600;
export const JWKS_MAX_AGE_MIN_SECONDS = 60;
export const JWKS_MAX_AGE_MAX_SECONDS = 86_400;

/** Time source of the store; tests inject one they advance by hand. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The JWKS endpoint did not supply a usable key set, or a key it publishes is unusable: a failure of
 * the identity provider, never of the token. Messages name the URI and the cause, nothing of a token.
 */
export class JwksUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksUnavailableError';
  }
}

/** The fields of a published JWK that signature verification uses; all strings. */
export interface PublishedJwk {
  readonly kid: string;
  readonly kty: string;
  readonly use?: string;
  readonly alg?: string;
  readonly crv?: string;
  readonly n?: string;
  readonly e?: string;
  readonly x?: string;
  readonly y?: string;
}

/** One key of a fetched set; its `KeyObject` is made on first use and kept with the set. */
export class PublishedKey {
  private keyObject?: KeyObject;

  constructor(public readonly jwk: PublishedJwk) {}

  /** Whether a key object has been made (for the inspection hook). */
  get loaded(): boolean {
    return this.keyObject !== undefined;
  }

  /**
   * @throws JwksUnavailableError when the published key material is not a valid public key, or is an
   *   RSA key shorter than `RSA_MIN_MODULUS_BITS` (which anyone could factor and sign with).
   */
  publicKey(): KeyObject {
    if (!this.keyObject) {
      const { kty, crv, n, e, x, y } = this.jwk;
      let keyObject: KeyObject;
      try {
        keyObject = createPublicKey({ key: { kty, crv, n, e, x, y } as JsonWebKey, format: 'jwk' });
      } catch (err) {
        throw new JwksUnavailableError(`The JWKS publishes a key that is not a valid public key: ${(err as Error).message}`);
      }
      const bits = keyObject.asymmetricKeyDetails?.modulusLength;
      if (keyObject.asymmetricKeyType === 'rsa' && !(bits !== undefined && bits >= RSA_MIN_MODULUS_BITS)) {
        throw new JwksUnavailableError(
          `The JWKS publishes an RSA key of ${bits ?? 0} bits; at least ${RSA_MIN_MODULUS_BITS} are required`,
        );
      }
      this.keyObject = keyObject;
    }
    return this.keyObject;
  }
}

interface KeySet {
  readonly keys: ReadonlyMap<string, PublishedKey>;
  /** Clock time at which the fetch that produced this set started. */
  readonly fetchStartedAt: number;
}

export interface JwksStoreOptions {
  /** HTTPS URL of the JWKS. */
  readonly uri: string;
  /** Maximum age of a fetched set, in milliseconds. */
  readonly maxAgeMs: number;
  /** Extra `https.request` options (e.g. `{ ca }`); default: a fresh connection per fetch, system CAs. */
  readonly requestOptions?: RequestOptions;
  /** Default `JWKS_FETCH_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
  /** Default `systemClock`. */
  readonly clock?: Clock;
}

/** What the store holds right now (for tests and diagnostics). */
export interface JwksStoreStats {
  /** Keys in the current set (at most `JWKS_MAX_KEYS`). */
  readonly keys: number;
  /** Keys of the current set turned into key objects. */
  readonly keyObjects: number;
  /** Fetches started so far. */
  readonly fetches: number;
}

export class JwksStore {
  private readonly clock: Clock;
  private current?: KeySet;
  private inflight?: { readonly startedAt: number; readonly result: Promise<KeySet> };
  private queued?: { result?: Promise<KeySet> };
  private lastStart = Number.NEGATIVE_INFINITY;
  private lastFailure?: JwksUnavailableError;
  private fetches = 0;

  constructor(private readonly options: JwksStoreOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The published key named `kid`, from a set younger than the maximum age; `undefined` when a set
   * fetched after this call began does not list it (the IdP does not publish that key).
   * @throws JwksUnavailableError when no usable set can be had.
   */
  async getKey(kid: string): Promise<PublishedKey | undefined> {
    const arrival = this.clock.now();
    let set = this.current;
    if (!set || arrival - set.fetchStartedAt >= this.options.maxAgeMs) {
      set = await this.refresh(Number.NEGATIVE_INFINITY);
    }
    let key = set.keys.get(kid);
    if (!key && set.fetchStartedAt < arrival) {
      // The set predates this request: the IdP may have published the key since. Ask again (rate-limited).
      set = await this.refresh(arrival);
      key = set.keys.get(kid);
    }
    return key;
  }

  stats(): JwksStoreStats {
    const keys = [...(this.current?.keys.values() ?? [])];
    return { keys: keys.length, keyObjects: keys.filter((k) => k.loaded).length, fetches: this.fetches };
  }

  /** A set from a fetch that started at or after `notBefore`. */
  private refresh(notBefore: number): Promise<KeySet> {
    if (this.inflight && this.inflight.startedAt >= notBefore) return this.inflight.result;
    if (this.queued?.result) return this.queued.result;
    const now = this.clock.now();
    const permitted = now >= this.lastStart + JWKS_REFETCH_INTERVAL_MS;
    if (!this.inflight && !permitted && this.lastFailure) return Promise.reject(this.lastFailure);
    if (!this.inflight && permitted) return this.start(now);
    const queued: { result?: Promise<KeySet> } = {};
    this.queued = queued;
    queued.result = (async () => {
      try {
        if (this.inflight) await this.inflight.result.then(noop, noop);
        const wait = this.lastStart + JWKS_REFETCH_INTERVAL_MS - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
      } finally {
        if (this.queued === queued) this.queued = undefined;
      }
      return this.start(this.clock.now());
    })();
    return queued.result;
  }

  private start(now: number): Promise<KeySet> {
    this.lastStart = now;
    this.fetches += 1;
    const { uri } = this.options;
    const result = fetchBody(uri, this.options.requestOptions ?? {}, this.options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS)
      .then((body) => parseJwks(uri, body))
      .then(
        (keys) => {
          const set = { keys, fetchStartedAt: now };
          this.current = set;
          this.lastFailure = undefined;
          return set;
        },
        (err: unknown) => {
          const failure =
            err instanceof JwksUnavailableError ? err : new JwksUnavailableError(`Failed to fetch ${uri}: ${String(err)}`);
          this.lastFailure = failure;
          throw failure;
        },
      );
    const inflight = { startedAt: now, result };
    this.inflight = inflight;
    const done = () => {
      if (this.inflight === inflight) this.inflight = undefined;
    };
    result.then(done, done);
    return result;
  }
}

function noop(): void {}

/** GETs `uri`, refusing anything but a complete 200 answer of at most JWKS_MAX_BYTES within `timeoutMs`. */
function fetchBody(uri: string, requestOptions: RequestOptions, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const fail = (cause: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      reject(new JwksUnavailableError(`Failed to fetch ${uri}: ${cause}`));
    };
    const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    try {
      // agent: false: a new connection per fetch. A kept-alive socket would sit idle for minutes between
      // fetches, and a thawed Lambda environment would find it closed by the server (ECONNRESET).
      req = request(uri, { agent: false, ...requestOptions, method: 'GET' }, (res) => {
        if (res.statusCode !== 200) {
          fail(`status code ${res.statusCode}, expected 200`);
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (declared > JWKS_MAX_BYTES) {
          fail(`the answer declares ${declared} bytes, more than the ${JWKS_MAX_BYTES}-byte limit`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > JWKS_MAX_BYTES) {
            fail(`the answer exceeds the ${JWKS_MAX_BYTES}-byte limit`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
        res.on('error', (err) => fail(err.message));
        res.on('close', () => fail('the connection closed before the answer was complete'));
      });
      req.on('error', (err) => fail(err.message));
      req.end();
    } catch (err) {
      fail((err as Error).message);
    }
  });
}

const SIGNATURE_KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);
const JWK_FIELDS = ['kid', 'kty', 'use', 'alg', 'crv', 'n', 'e', 'x', 'y'] as const;

/** Parses a JWKS answer into its keys by `kid` (first wins). @throws JwksUnavailableError */
function parseJwks(uri: string, body: Buffer): Map<string, PublishedKey> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new JwksUnavailableError(`${uri} did not answer with JSON`);
  }
  const entries = isObject(doc) ? doc.keys : undefined;
  if (!Array.isArray(entries)) {
    throw new JwksUnavailableError(`${uri} did not answer with a JWKS (an object with a "keys" array)`);
  }
  if (entries.length > JWKS_MAX_KEYS) {
    throw new JwksUnavailableError(`${uri} lists ${entries.length} keys; at most ${JWKS_MAX_KEYS} are accepted`);
  }
  const keys = new Map<string, PublishedKey>();
  let signingKeys = 0;
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.kid !== 'string' || entry.kid === '' || typeof entry.kty !== 'string') continue;
    if (keys.has(entry.kid)) continue;
    const jwk: Record<string, string> = {};
    for (const field of JWK_FIELDS) {
      const value = entry[field];
      if (typeof value === 'string') jwk[field] = value;
    }
    keys.set(entry.kid, new PublishedKey(jwk as unknown as PublishedJwk));
    if (SIGNATURE_KEY_TYPES.has(entry.kty) && (entry.use === undefined || entry.use === 'sig')) signingKeys += 1;
  }
  if (signingKeys === 0) {
    throw new JwksUnavailableError(`${uri} lists no signing key with a kid`);
  }
  return keys;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
