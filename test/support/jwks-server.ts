/**
 * A throw-away identity provider for handler tests.
 *
 * `startTestIdp()` starts a real HTTPS server on 127.0.0.1 (random port) that serves a JWKS at
 * `/.well-known/jwks.json`, and signs RS256 tokens with the matching private key. The TLS
 * certificate is self-signed and generated per call with the `openssl` CLI; pass `idp.ca` as the
 * trusted CA to the code under test (for `lambda/shared/jwt.ts`:
 * `createJwtVerifier(settings, { jwksRequestOptions: { ca: idp.ca } })`). Nothing in production
 * code needs to relax TLS checks for this.
 *
 * Usage:
 * ```ts
 * let idp: TestIdp;
 * beforeAll(async () => { idp = await startTestIdp(); });
 * afterAll(() => idp.close());
 * const token = idp.sign(validClaims(idp, { scope: 'items/read' }));
 * ```
 *
 * For key-set tests the IdP can also make more keys (`createKey`, RSA or EC), publish any subset of
 * them (`publish`), and answer the JWKS request wrongly on purpose (`answerWith`: a status, any body,
 * an endless stream, a declared huge length, a reset connection, no answer at all). `ManualClock`
 * drives the key store's clock (`createJwtVerifier(settings, { clock })`) without sleeping.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The audience that `validClaims` puts in `aud`; configure the verifier under test with it. */
export const TEST_AUDIENCE = 'test-api';

export interface SignOptions {
  /** `kid` written in the token header. Default: the kid of the signing key. */
  readonly kid?: string;
  /**
   * Which private key signs the token. `'good'` (default) matches the published JWKS; `'other'` is a
   * second key pair that is never published, for bad-signature tests; any other string is the kid of
   * a key made by `createKey()`.
   */
  readonly key?: string;
  /** `alg` written in the token header. Default: RS256 for RSA keys, ES256 for EC keys. */
  readonly alg?: string;
  /** Changes the signature before it is encoded (e.g. truncates it). */
  readonly mangleSignature?: (signature: Buffer) => Buffer;
}

/** How the IdP answers `GET /.well-known/jwks.json`. */
export type JwksAnswer =
  /** 200 with the published keys (the default). */
  | { readonly kind: 'jwks' }
  /** This status code and an empty body. */
  | { readonly kind: 'status'; readonly status: number }
  /** 200 with this body. */
  | { readonly kind: 'body'; readonly body: string }
  /** 200, chunked, about `bytes` bytes of a JSON-looking key set, written as fast as the client reads. */
  | { readonly kind: 'stream'; readonly bytes: number }
  /** 200 with `content-length: bytes`, then a few bytes and no more. */
  | { readonly kind: 'declared'; readonly bytes: number }
  /** The connection is destroyed without an answer (a network error). */
  | { readonly kind: 'reset' }
  /** The request is never answered (a timeout). */
  | { readonly kind: 'hang' };

export interface TestIdp {
  /** `https://127.0.0.1:<port>` — no trailing slash. */
  readonly issuer: string;
  /** `${issuer}/.well-known/jwks.json` */
  readonly jwksUri: string;
  /** The kid of the published signing key. */
  readonly kid: string;
  /** PEM of the self-signed server certificate; trust it as the CA when fetching the JWKS. */
  readonly ca: string;
  /** How many times the JWKS has been fetched (lets tests assert on caching). */
  readonly jwksRequests: number;
  /** Body bytes written so far by `stream` answers. */
  readonly streamedBytes: number;
  /** Signs `claims` as an RS256 JWT (compact serialization). Claims are used verbatim. */
  sign(claims: Record<string, unknown>, options?: SignOptions): string;
  /** Signs `payloadJson` verbatim as the payload (for JSON that `JSON.stringify` cannot write). */
  signRaw(payloadJson: string, options?: SignOptions): string;
  /** Makes a new key pair, not published, and returns its kid. */
  createKey(type?: 'rsa' | 'ec'): string;
  /** From now on the JWKS lists exactly these keys (`kid`, kids from `createKey()`), in this order. */
  publish(kids: readonly string[]): void;
  /** From now on the JWKS request gets this answer. */
  answerWith(answer: JwksAnswer): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Claims that the IdP's verifier accepts: iss, aud (`TEST_AUDIENCE`), sub, iat, nbf (now - 60 s),
 * exp (now + 1 h) and scope `items/read`. `overrides` replace or add claims; a value of `undefined`
 * removes the claim.
 */
export function validClaims(idp: Pick<TestIdp, 'issuer'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: idp.issuer,
    aud: TEST_AUDIENCE,
    sub: 'user-123',
    iat: now,
    nbf: now - 60,
    exp: now + 3600,
    scope: 'items/read',
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) delete claims[name];
  }
  return claims;
}

interface IdpKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
  readonly alg: 'RS256' | 'ES256';
}

function makeKey(kid: string, type: 'rsa' | 'ec'): IdpKey {
  const pair =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const alg = type === 'rsa' ? 'RS256' : 'ES256';
  return { kid, alg, privateKey: pair.privateKey, publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

export async function startTestIdp(): Promise<TestIdp> {
  const kid = `test-${randomUUID()}`;
  const keys = new Map<string, IdpKey>([[kid, makeKey(kid, 'rsa')]]);
  const other = makeKey(kid, 'rsa');
  let jwks = '';
  const publish = (kids: readonly string[]): void => {
    jwks = JSON.stringify({
      keys: kids.map((k) => {
        const key = keys.get(k);
        if (!key) throw new Error(`publish: no key ${k}`);
        return key.publicJwk;
      }),
    });
  };
  publish([kid]);
  let answer: JwksAnswer = { kind: 'jwks' };
  const tls = selfSignedCertificate();

  let jwksRequests = 0;
  let streamedBytes = 0;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (req.method !== 'GET' || req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    jwksRequests += 1;
    res.on('error', () => undefined);
    switch (answer.kind) {
      case 'jwks':
        res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
        return;
      case 'status':
        res.writeHead(answer.status).end();
        return;
      case 'body':
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer.body);
        return;
      case 'stream':
        streamUntil(res, answer.bytes, (n) => {
          streamedBytes += n;
        });
        return;
      case 'declared':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.bytes) });
        res.write('{"keys":[');
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}`;

  const signRaw = (payloadJson: string, options: SignOptions = {}): string => {
    let key: IdpKey | undefined;
    if (options.key === undefined || options.key === 'good') key = keys.get(kid);
    else if (options.key === 'other') key = other;
    else key = keys.get(options.key);
    if (!key) throw new Error(`sign: no key ${options.key}`);
    return signJws(payloadJson, key, options);
  };

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    kid,
    ca: tls.cert,
    get jwksRequests() {
      return jwksRequests;
    },
    get streamedBytes() {
      return streamedBytes;
    },
    sign: (claims, options) => signRaw(JSON.stringify(claims), options),
    signRaw,
    createKey: (type = 'rsa') => {
      const newKid = `test-${type}-${randomUUID()}`;
      keys.set(newKid, makeKey(newKid, type));
      return newKid;
    },
    publish,
    answerWith: (next) => {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Writes a chunked 200 answer of about `total` bytes, respecting back-pressure, until done or closed. */
function streamUntil(res: ServerResponse, total: number, written: (bytes: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, ' ');
  let sent = 0;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"keys":[');
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      written(chunk.length);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(']}');
  };
  pump();
}

function signJws(payloadJson: string, key: IdpKey, options: SignOptions): string {
  const header = base64url(JSON.stringify({ alg: options.alg ?? key.alg, typ: 'JWT', kid: options.kid ?? key.kid }));
  const payload = base64url(payloadJson);
  const input = Buffer.from(`${header}.${payload}`);
  let signature: Buffer =
    key.alg === 'RS256'
      ? cryptoSign('sha256', input, key.privateKey)
      : cryptoSign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  if (options.mangleSignature) signature = options.mangleSignature(signature);
  return `${header}.${payload}.${base64url(signature)}`;
}

/**
 * A clock for the key store that moves only when told: `now()` starts at the real time, and a
 * `sleep(ms)` resolves when `advance` reaches its deadline. No test waits on real time.
 */
export class ManualClock {
  private time: number;
  private readonly sleepers: Array<{ readonly until: number; readonly resolve: () => void }> = [];

  constructor(start: number = Date.now()) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.sleepers.push({ until: this.time + ms, resolve });
    });

  /** Sleeps not over yet. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** The longest time a current sleeper still has to wait, in ms (0 when none sleeps). */
  get longestSleep(): number {
    return Math.max(0, ...this.sleepers.map((s) => s.until - this.time));
  }

  /** Moves the clock forward and wakes the sleepers whose time has come. */
  advance(ms: number): void {
    this.time += ms;
    for (let i = this.sleepers.length - 1; i >= 0; i--) {
      if (this.sleepers[i].until <= this.time) {
        this.sleepers[i].resolve();
        this.sleepers.splice(i, 1);
      }
    }
  }
}

/**
 * Resolves once `condition()` holds, checking after each turn of the event loop (so I/O progresses),
 * or rejects after `limitMs` of real time as a safety net: a test can fail by it, never pass.
 */
export async function eventually(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('eventually: the condition did not become true');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Follows a promise: `settled` turns true when it settles; `outcome` is its value or its error. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly outcome: Promise<unknown> } {
  let settled = false;
  const outcome = promise.then(
    (value) => {
      settled = true;
      return value;
    },
    (err: unknown) => {
      settled = true;
      return err;
    },
  );
  return {
    get settled() {
      return settled;
    },
    outcome,
  };
}

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** A one-day, self-signed certificate for 127.0.0.1, made with the `openssl` CLI. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'test-idp-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', keyFile, '-out', certFile,
      ],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } catch (err) {
    throw new Error(`startTestIdp needs the openssl CLI to make a TLS certificate: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
