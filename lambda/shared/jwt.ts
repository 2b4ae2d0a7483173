/**
 * JWT verification shared by the REST TOKEN authorizer and the WebSocket authorizer.
 *
 * A token is verified against the issuer's JSON Web Key Set (JWKS), fetched over HTTPS by `./jwks`:
 * signature (RS256/384/512, ES256/384/512, EdDSA), `exp`, `nbf`, `iss` and `aud`, with the claim
 * checks of `aws-jwt-verify`. On top of that this module requires `exp` and `sub` (API Gateway's own
 * JWT authorizer requires `exp` too) and applies the required scopes with any-of semantics, like API
 * Gateway's JWT authorizer: a token passes when at least one required scope is in its `scope` claim
 * (space-separated) or its `scp` claim (array or space-separated string).
 *
 * Order of checks, so that junk costs nothing and can never make the module fetch or store anything:
 * 1. length at most `MAX_TOKEN_LENGTH` (10,240 characters: the most API Gateway passes in a REST header,
 *    whose quota is 10,240 bytes for all headers together);
 * 2. structure: three base64url parts, JSON header and payload, a string `kid`, a supported `alg`;
 * 3. `iss` equal to the configured issuer, `exp`/`nbf`/`iat` numbers from 0 to 253,402,300,799
 *    (year 9999), `exp` and `sub` present, `exp`/`nbf`/`aud` acceptable;
 * 4. only then the key lookup (which may fetch the JWKS), the signature, the time claims again (the
 *    lookup may have waited), and the scopes.
 *
 * Keys and memory (details in `./jwks`): one key store per verifier, holding at most 100 keys from
 * one JWKS answer of at most 256 KiB; a key set is used for at most `JWT_JWKS_MAX_AGE_SECONDS` (default
 * 600) after its fetch began, then refetched, so a key withdrawn by the IdP stops verifying within that
 * time; an answer that is not a usable JWKS never replaces the last good set; fetches start at least 2 s
 * apart, one at a time; a token whose `kid` is unknown waits for the next fetch (at most 2 s away, plus
 * the fetch, which times out after 3 s) rather than failing because of someone else's probe. `verifyJwt`
 * keeps at most 8 verifiers (one per distinct settings). Nothing is cached under a value from a token.
 *
 * Configuration (see `jwtSettingsFromEnv`):
 * - `JWT_ISSUER` (required): the exact `iss` value.
 * - `JWT_AUDIENCE` (required): comma-separated; the token's `aud` must contain at least one.
 * - `JWT_JWKS_URI` (optional): default `${JWT_ISSUER without trailing slash}/.well-known/jwks.json`.
 * - `JWT_REQUIRED_SCOPES` (optional): space- or comma-separated; empty means no scope check.
 * - `JWT_JWKS_MAX_AGE_SECONDS` (optional): longest use of a fetched key set, whole seconds from 60 to
 *   86,400; default 600 (10 minutes).
 *
 * Errors: a token that fails verification rejects with `TokenRejectedError` (its `reason` says why;
 * its message never contains token contents); only something about the token itself leads there.
 * When the IdP fails (JWKS unreachable, timeout, status other than 200, not JSON, over 256 KiB, no
 * usable keys, the token's key published with invalid material or as an RSA key under 2,048 bits) it
 * rejects with `JwksUnavailableError`, and on a configuration problem with a plain Error, so callers
 * fail with a server error (which API Gateway does not cache) instead of blaming the caller's token.
 */
import { verify as verifySignature } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import {
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtNotBeforeError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import { decomposeUnverifiedJwt, validateJwtFields } from 'aws-jwt-verify/jwt';
import type { DecomposedJwt } from 'aws-jwt-verify/jwt';
import type { Clock, JwksStoreStats, PublishedKey } from './jwks';
import {
  JWKS_MAX_AGE_DEFAULT_SECONDS,
  JWKS_MAX_AGE_MAX_SECONDS,
  JWKS_MAX_AGE_MIN_SECONDS,
  JwksStore,
} from './jwks';

export { JwksUnavailableError } from './jwks';
export type { Clock, JwksStoreStats } from './jwks';

/** Longest token accepted, in characters: API Gateway passes at most 10,240 bytes of REST headers. */
export const MAX_TOKEN_LENGTH = 10_240;
/** Greatest `exp`, `nbf` or `iat` accepted: 9999-12-31T23:59:59Z, in seconds since the epoch. */
export const MAX_NUMERIC_DATE = 253_402_300_799;
/** Most verifiers `verifyJwt` keeps (one per distinct settings). */
export const MAX_CACHED_VERIFIERS = 8;

export interface JwtSettings {
  /** Expected `iss` claim. */
  readonly issuer: string;
  /** Accepted audiences; the token's `aud` must contain at least one. */
  readonly audience: string[];
  /** HTTPS URL of the issuer's JSON Web Key Set. */
  readonly jwksUri: string;
  /** Any-of scopes; empty means no scope check. */
  readonly requiredScopes: string[];
  /**
   * Longest use of a fetched key set, in whole seconds (60 to 86,400).
   * @default 600
   */
  readonly jwksMaxAgeSeconds?: number;
}

/** What a successfully verified token says about its caller. */
export interface VerifiedIdentity {
  readonly sub: string;
  /** Scopes from `scope` and `scp`, deduplicated, in token order. */
  readonly scopes: string[];
  readonly issuer: string;
  /** All payload claims, verified. */
  readonly claims: Record<string, unknown>;
}

export type TokenRejectionReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'signature'
  | 'scope'
  | 'invalid';

/** The token was presented but is not acceptable (or was not presented at all). */
export class TokenRejectedError extends Error {
  public readonly reason: TokenRejectionReason;

  constructor(reason: TokenRejectionReason) {
    super(`Token rejected: ${reason}`);
    this.name = 'TokenRejectedError';
    this.reason = reason;
  }
}

/** Verifies tokens against one fixed set of settings. */
export interface TokenVerifier {
  verify(token: string | undefined): Promise<VerifiedIdentity>;
}

/** A verifier made by `createJwtVerifier`, with a look at its key store (for tests and diagnostics). */
export interface JwtTokenVerifier extends TokenVerifier {
  jwksStats(): JwksStoreStats;
}

export interface JwtVerifierOptions {
  /**
   * Extra Node.js `https.request` options used when fetching the JWKS. Meant for a private CA
   * (`{ ca }`), e.g. the loopback IdP of the tests. Production code passes nothing and trusts the
   * system CA store.
   */
  readonly jwksRequestOptions?: RequestOptions;
  /**
   * Clock of the key store (key set age, refetch interval and waits). Tests inject one they advance
   * by hand; token times (`exp`, `nbf`) are always checked against the system clock.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Milliseconds after which a JWKS fetch that has not completed fails.
   * @default 3000
   */
  readonly jwksTimeoutMs?: number;
}

/**
 * Reads the settings from environment variables (see the module comment).
 * @throws Error naming the variable when a required one is missing or a value is unusable.
 */
export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSettings {
  const issuer = env.JWT_ISSUER?.trim();
  if (!issuer) {
    throw new Error('JWT_ISSUER must be set to the expected token issuer (the "iss" claim)');
  }
  const audience = splitList(env.JWT_AUDIENCE, /,/);
  if (audience.length === 0) {
    throw new Error('JWT_AUDIENCE must be set to at least one accepted audience (comma-separated)');
  }
  const jwksUri = env.JWT_JWKS_URI?.trim() || `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  if (!/^https:\/\/[^/]/i.test(jwksUri)) {
    throw new Error(
      `The JWKS URI must be an https:// URL; set JWT_JWKS_URI or make JWT_ISSUER an https:// URL (got "${jwksUri}")`,
    );
  }
  const maxAge = env.JWT_JWKS_MAX_AGE_SECONDS?.trim();
  let jwksMaxAgeSeconds: number | undefined;
  if (maxAge) {
    jwksMaxAgeSeconds = /^\d{1,9}$/.test(maxAge) ? Number(maxAge) : Number.NaN;
    if (!isValidMaxAge(jwksMaxAgeSeconds)) {
      throw new Error(`JWT_JWKS_MAX_AGE_SECONDS ${maxAgeRule()} (got "${maxAge}")`);
    }
  }
  return {
    issuer,
    audience,
    jwksUri,
    requiredScopes: splitList(env.JWT_REQUIRED_SCOPES, /[\s,]+/),
    ...(jwksMaxAgeSeconds !== undefined ? { jwksMaxAgeSeconds } : {}),
  };
}

/** Returns the token of an `Authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(headerValue: string | undefined): string | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(headerValue ?? '');
  return match?.[1];
}

/** What each supported `alg` needs of a key, and its digest (null: EdDSA hashes internally). */
const ALGORITHMS: Readonly<Record<string, { kty: string; crv?: readonly string[]; hash: string | null }>> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  ES256: { kty: 'EC', crv: ['P-256'], hash: 'sha256' },
  ES384: { kty: 'EC', crv: ['P-384'], hash: 'sha384' },
  ES512: { kty: 'EC', crv: ['P-521'], hash: 'sha512' },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'], hash: null },
};

/**
 * Creates a verifier for `settings`. It fetches the JWKS on first use and keeps the keys for the
 * maximum age (see the module comment), so create one per execution environment and reuse it.
 * @throws Error when `settings.jwksMaxAgeSeconds` is out of bounds.
 */
export function createJwtVerifier(settings: JwtSettings, options: JwtVerifierOptions = {}): JwtTokenVerifier {
  const maxAgeSeconds = settings.jwksMaxAgeSeconds ?? JWKS_MAX_AGE_DEFAULT_SECONDS;
  if (!isValidMaxAge(maxAgeSeconds)) {
    throw new Error(`jwksMaxAgeSeconds ${maxAgeRule()} (got ${maxAgeSeconds})`);
  }
  const store = new JwksStore({
    uri: settings.jwksUri,
    maxAgeMs: maxAgeSeconds * 1000,
    requestOptions: options.jwksRequestOptions,
    timeoutMs: options.jwksTimeoutMs,
    clock: options.clock,
  });
  const claimOptions = { issuer: settings.issuer, audience: settings.audience };

  return {
    jwksStats: () => store.stats(),
    verify: async (token) => {
      if (token === undefined || token.trim() === '') {
        throw new TokenRejectedError('missing');
      }
      if (token.length > MAX_TOKEN_LENGTH) {
        throw new TokenRejectedError('malformed');
      }
      let jwt: DecomposedJwt;
      try {
        jwt = decomposeUnverifiedJwt(token);
      } catch {
        // Not three base64url parts of JSON, wrong claim types, or JSON nested too deep to parse.
        throw new TokenRejectedError('malformed');
      }
      const { header, payload } = jwt;
      const kid = header.kid;
      if (typeof kid !== 'string' || kid === '') {
        throw new TokenRejectedError('malformed');
      }
      // Before anything looks at keys: a foreign issuer never reaches the key store.
      if (payload.iss !== settings.issuer) {
        throw new TokenRejectedError('issuer');
      }
      checkClaims(payload, claimOptions);
      const { sub, exp } = payload;
      if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number') {
        throw new TokenRejectedError('invalid');
      }
      const algorithm = typeof header.alg === 'string' && Object.hasOwn(ALGORITHMS, header.alg) ? header.alg : undefined;
      if (algorithm === undefined) {
        throw new TokenRejectedError('signature');
      }

      // JwksUnavailableError (the IdP failed) passes through: not the token's fault.
      const key = await store.getKey(kid);
      if (!key) {
        // A key set fetched after this request arrived does not list the kid.
        throw new TokenRejectedError('signature');
      }
      if (!signatureIsValid(jwt, algorithm, key)) {
        throw new TokenRejectedError('signature');
      }
      checkClaims(payload, claimOptions); // again: the key lookup may have waited

      const claims = payload as Record<string, unknown>;
      const scopes = scopesOf(claims);
      if (settings.requiredScopes.length > 0 && !settings.requiredScopes.some((s) => scopes.includes(s))) {
        throw new TokenRejectedError('scope');
      }
      return { sub, scopes, issuer: settings.issuer, claims };
    },
  };
}

let settingsFromEnv: JwtSettings | undefined;
const verifiers = new Map<string, TokenVerifier>();

/**
 * Verifies `token` with a verifier cached per distinct settings (module scope, so a Lambda execution
 * environment fetches the JWKS once per maximum age; at most `MAX_CACHED_VERIFIERS`, oldest dropped).
 * Without `settings`, uses `jwtSettingsFromEnv()`, read once.
 */
export async function verifyJwt(token: string | undefined, settings?: JwtSettings): Promise<VerifiedIdentity> {
  const effective = settings ?? (settingsFromEnv ??= jwtSettingsFromEnv());
  const key = JSON.stringify([
    effective.issuer,
    effective.audience,
    effective.jwksUri,
    effective.requiredScopes,
    effective.jwksMaxAgeSeconds ?? null,
  ]);
  let verifier = verifiers.get(key);
  if (!verifier) {
    verifier = createJwtVerifier(effective);
    if (verifiers.size >= MAX_CACHED_VERIFIERS) {
      verifiers.delete(verifiers.keys().next().value as string);
    }
    verifiers.set(key, verifier);
  }
  return verifier.verify(token);
}

/** What the module keeps across calls (for tests and diagnostics). */
export function jwtModuleStats(): { readonly verifiers: number } {
  return { verifiers: verifiers.size };
}

function isValidMaxAge(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= JWKS_MAX_AGE_MIN_SECONDS && seconds <= JWKS_MAX_AGE_MAX_SECONDS;
}

function maxAgeRule(): string {
  return `must be a whole number of seconds from ${JWKS_MAX_AGE_MIN_SECONDS} to ${JWKS_MAX_AGE_MAX_SECONDS}`;
}

/**
 * The token-only claim checks: numeric dates within 0..MAX_NUMERIC_DATE (a larger or negative one
 * makes no sense and would make aws-jwt-verify throw a RangeError while describing it), then
 * aws-jwt-verify's `exp`, `nbf`, `iss` and `aud` checks.
 */
function checkClaims(payload: DecomposedJwt['payload'], options: { issuer: string; audience: string[] }): void {
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value: unknown = payload[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= MAX_NUMERIC_DATE)) {
      throw new TokenRejectedError('invalid');
    }
  }
  try {
    validateJwtFields(payload, options);
  } catch (err) {
    if (err instanceof JwtExpiredError) throw new TokenRejectedError('expired');
    if (err instanceof JwtNotBeforeError) throw new TokenRejectedError('not-yet-valid');
    if (err instanceof JwtInvalidIssuerError) throw new TokenRejectedError('issuer');
    if (err instanceof JwtInvalidAudienceError) throw new TokenRejectedError('audience');
    if (err instanceof ParameterValidationError) throw err; // configuration, not the token
    if (err instanceof JwtInvalidClaimError) throw new TokenRejectedError('invalid');
    // Nothing but the token's payload went in: whatever else went wrong is about the token.
    throw new TokenRejectedError('invalid');
  }
}

/**
 * Whether the token's signature verifies with `key` under `algorithm`. A key the token cannot have
 * been signed with (not for signatures, another type, curve or `alg`) is a bad signature; a published
 * key whose material is invalid throws JwksUnavailableError (the IdP's fault).
 */
function signatureIsValid(jwt: DecomposedJwt, algorithm: string, key: PublishedKey): boolean {
  const expected = ALGORITHMS[algorithm];
  const { jwk } = key;
  if (
    (jwk.use !== undefined && jwk.use !== 'sig') ||
    (jwk.alg !== undefined && jwk.alg !== algorithm) ||
    jwk.kty !== expected.kty ||
    (expected.crv !== undefined && !expected.crv.includes(jwk.crv ?? ''))
  ) {
    return false;
  }
  const publicKey = key.publicKey();
  try {
    return verifySignature(
      expected.hash,
      Buffer.from(`${jwt.headerB64}.${jwt.payloadB64}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(jwt.signatureB64, 'base64url'),
    );
  } catch {
    // e.g. "Malformed signature": an ECDSA signature of the wrong length.
    return false;
  }
}

function splitList(value: string | undefined, separator: RegExp): string[] {
  return (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function scopesOf(claims: Record<string, unknown>): string[] {
  const fromClaim = (value: unknown): string[] => {
    if (typeof value === 'string') return splitList(value, /\s+/);
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
    return [];
  };
  return [...new Set([...fromClaim(claims.scope), ...fromClaim(claims.scp)])];
}
