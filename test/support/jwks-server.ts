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
 */
import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The audience that `validClaims` puts in `aud`; configure the verifier under test with it. */
export const TEST_AUDIENCE = 'test-api';

export interface SignOptions {
  /** `kid` written in the token header. Default: the kid of the key published in the JWKS. */
  readonly kid?: string;
  /**
   * Which private key signs the token. `'good'` (default) matches the published JWKS; `'other'` is a
   * second key pair that is never published, for bad-signature tests.
   */
  readonly key?: 'good' | 'other';
}

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
  /** Signs `claims` as an RS256 JWT (compact serialization). Claims are used verbatim. */
  sign(claims: Record<string, unknown>, options?: SignOptions): string;
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

export async function startTestIdp(): Promise<TestIdp> {
  const kid = `test-${randomUUID()}`;
  const good = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({
    keys: [{ ...good.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
  });
  const tls = selfSignedCertificate();

  let jwksRequests = 0;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}`;

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    kid,
    ca: tls.cert,
    get jwksRequests() {
      return jwksRequests;
    },
    sign: (claims, options = {}) =>
      signRs256(claims, options.key === 'other' ? other.privateKey : good.privateKey, options.kid ?? kid),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function signRs256(claims: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
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
