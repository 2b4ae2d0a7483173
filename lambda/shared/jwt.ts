/**
 * JWT verification shared by the REST TOKEN authorizer and the WebSocket authorizer.
 *
 * Tokens are verified with `aws-jwt-verify` against a JWKS fetched over HTTPS: signature (RS/ES/EdDSA),
 * `exp`, `nbf`, `iss` and `aud`. On top of that this module requires `exp` and `sub` to be present
 * (API Gateway's own JWT authorizer requires `exp` too) and applies the required scopes with any-of
 * semantics, like API Gateway's JWT authorizer: a token passes when at least one required scope is in
 * its `scope` claim (space-separated) or its `scp` claim (array or space-separated string).
 *
 * Configuration (see `jwtSettingsFromEnv`):
 * - `JWT_ISSUER` (required): the exact `iss` value.
 * - `JWT_AUDIENCE` (required): comma-separated; the token's `aud` must contain at least one.
 * - `JWT_JWKS_URI` (optional): default `${JWT_ISSUER without trailing slash}/.well-known/jwks.json`.
 * - `JWT_REQUIRED_SCOPES` (optional): space- or comma-separated; empty means no scope check.
 *
 * Errors: a token that fails verification rejects with `TokenRejectedError` (its `reason` says why;
 * its message never contains token contents). Anything else — the JWKS endpoint is down, the
 * configuration is wrong — rejects with another Error, so callers can fail with a server error
 * instead of blaming the caller's token.
 */
import type { RequestOptions } from 'node:https';
import { JwtVerifier } from 'aws-jwt-verify';
import {
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
  JwtInvalidClaimError,
} from 'aws-jwt-verify/error';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

export interface JwtSettings {
  /** Expected `iss` claim. */
  readonly issuer: string;
  /** Accepted audiences; the token's `aud` must contain at least one. */
  readonly audience: string[];
  /** HTTPS URL of the issuer's JSON Web Key Set. */
  readonly jwksUri: string;
  /** Any-of scopes; empty means no scope check. */
  readonly requiredScopes: string[];
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

export interface JwtVerifierOptions {
  /**
   * Extra Node.js `https.request` options used when fetching the JWKS, merged over aws-jwt-verify's
   * defaults (its socket and response timeouts). Meant for a private CA (`{ ca }`), e.g. the loopback
   * IdP of the tests. Production code passes nothing and trusts the system CA store.
   */
  readonly jwksRequestOptions?: RequestOptions;
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
  return {
    issuer,
    audience,
    jwksUri,
    requiredScopes: splitList(env.JWT_REQUIRED_SCOPES, /[\s,]+/),
  };
}

/** Returns the token of an `Authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(headerValue: string | undefined): string | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(headerValue ?? '');
  return match?.[1];
}

/**
 * Creates a verifier for `settings`. It fetches the JWKS on first use and caches the keys (refetching
 * only for an unknown `kid`, with back-off), so create one per execution environment and reuse it.
 */
export function createJwtVerifier(settings: JwtSettings, options: JwtVerifierOptions = {}): TokenVerifier {
  const jwksCache = options.jwksRequestOptions
    ? new SimpleJwksCache({
        fetcher: new SimpleFetcher({ defaultRequestOptions: { ...options.jwksRequestOptions } }),
      })
    : undefined;
  const verifier = JwtVerifier.create(
    { issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri },
    jwksCache ? { jwksCache } : undefined,
  );

  return {
    verify: async (token) => {
      if (token === undefined || token.trim() === '') {
        throw new TokenRejectedError('missing');
      }
      let claims: Record<string, unknown>;
      try {
        claims = await verifier.verify(token);
      } catch (err) {
        throw toTokenRejectedError(err);
      }
      const { sub, exp } = claims;
      if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number') {
        throw new TokenRejectedError('invalid');
      }
      const scopes = scopesOf(claims);
      if (settings.requiredScopes.length > 0 && !settings.requiredScopes.some((s) => scopes.includes(s))) {
        throw new TokenRejectedError('scope');
      }
      return { sub, scopes, issuer: settings.issuer, claims };
    },
  };
}

let settingsFromEnv: JwtSettings | undefined;
const verifiers = new WeakMap<JwtSettings, TokenVerifier>();

/**
 * Verifies `token` with a verifier cached per `settings` object (module scope, so a Lambda execution
 * environment fetches the JWKS once). Without `settings`, uses `jwtSettingsFromEnv()`, read once.
 */
export async function verifyJwt(token: string | undefined, settings?: JwtSettings): Promise<VerifiedIdentity> {
  const effective = settings ?? (settingsFromEnv ??= jwtSettingsFromEnv());
  let verifier = verifiers.get(effective);
  if (!verifier) {
    verifier = createJwtVerifier(effective);
    verifiers.set(effective, verifier);
  }
  return verifier.verify(token);
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

/** Maps aws-jwt-verify's errors to a reason; errors that are not the token's fault pass through. */
function toTokenRejectedError(err: unknown): unknown {
  if (err instanceof JwtExpiredError) return new TokenRejectedError('expired');
  if (err instanceof JwtNotBeforeError) return new TokenRejectedError('not-yet-valid');
  if (err instanceof JwtInvalidIssuerError) return new TokenRejectedError('issuer');
  if (err instanceof JwtInvalidAudienceError) return new TokenRejectedError('audience');
  if (
    err instanceof JwtInvalidSignatureError ||
    err instanceof JwtInvalidSignatureAlgorithmError ||
    // The token names a key the issuer does not publish: it cannot have been signed by the issuer.
    err instanceof KidNotFoundInJwksError ||
    err instanceof WaitPeriodNotYetEndedJwkError
  ) {
    return new TokenRejectedError('signature');
  }
  if (err instanceof JwtParseError || err instanceof JwtWithoutValidKidError) {
    return new TokenRejectedError('malformed');
  }
  if (err instanceof JwtInvalidClaimError) return new TokenRejectedError('invalid');
  return err;
}
