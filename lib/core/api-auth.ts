import { Token } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiPatternsError, describeValue } from './errors';

/** Fails unless `value` is an `https://` URL with a host (tokens are left to CloudFormation). */
function validateHttpsUrl(errorId: string, prop: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || url.hostname === '') {
    throw new ApiPatternsError(errorId, `${prop} must be an https:// URL, e.g. 'https://id.example.com/'. Got: ${describeValue(value)}`);
  }
}

/** The kinds of authorization a route can require. */
export enum ApiAuthType {
  /** Cognito user pool tokens. */
  COGNITO = 'COGNITO',
  /** JWTs from any OIDC issuer (native on HTTP APIs; a bundled Lambda token authorizer on REST). */
  JWT = 'JWT',
  /** SigV4-signed requests, authorized by IAM policies. */
  IAM = 'IAM',
  /** A Lambda authorizer that receives the token from one header. */
  LAMBDA_TOKEN = 'LAMBDA_TOKEN',
  /** A Lambda authorizer that receives the whole request (headers, query string, context). */
  LAMBDA_REQUEST = 'LAMBDA_REQUEST',
}

/** Options of {@link ApiAuth.cognito}. */
export interface CognitoAuthOptions {
  /**
   * OAuth scopes; a token must carry at least one of them.
   * @default - no scope check
   */
  readonly scopes?: string[];
  /**
   * App clients whose tokens are accepted (the audience). Required on HTTP APIs, where the
   * user pool is checked as a JWT issuer.
   * @default - any client of the pool (REST only)
   */
  readonly userPoolClients?: IUserPoolClient[];
}

/** Options of {@link ApiAuth.jwt}. */
export interface JwtAuthOptions {
  /** The token issuer (`iss`), an https URL, e.g. `https://example.auth0.com/`. */
  readonly issuer: string;
  /** Accepted audiences (`aud`); at least one. */
  readonly audience: string[];
  /**
   * OAuth scopes; a token must carry at least one of them.
   * @default - no scope check
   */
  readonly scopes?: string[];
  /**
   * Where the issuer's signing keys are (REST's Lambda authorizer only; HTTP APIs discover them).
   * @default - `${issuer}/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * How long REST API Gateway caches an authorizer decision per token (0 to 3600 s).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * How long the bundled authorizer (REST, and WebSocket `$connect`) trusts a fetched JWKS before
   * fetching it again, so a key the issuer withdraws stops being accepted within this time
   * (1 minute to 24 hours). HTTP APIs' native JWT authorizer manages its own keys.
   * @default Duration.minutes(10)
   */
  readonly jwksMaxAge?: Duration;
}

/** Options of {@link ApiAuth.lambdaToken}. */
export interface LambdaTokenAuthOptions {
  /**
   * Request header that carries the token.
   * @default 'Authorization'
   */
  readonly header?: string;
  /**
   * How long API Gateway caches a decision per token (0 to 3600 s; 0 turns caching off).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/** Options of {@link ApiAuth.lambdaRequest}. */
export interface LambdaRequestAuthOptions {
  /**
   * Identity sources that make up the cache key and must be present, e.g.
   * `['method.request.header.Authorization']` (REST) or `['$request.header.Authorization']` (HTTP).
   */
  readonly identitySources: string[];
  /**
   * How long API Gateway caches a decision per identity (0 to 3600 s; 0 turns caching off).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/**
 * How a route is authorized. Create one with a static factory and pass it as an API's
 * `defaultAuth` or a route's `auth`; the same object reused across routes yields one authorizer.
 *
 * @example
 * ApiAuth.cognito(userPool, { scopes: ['items/read'] })
 * ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['items-api'] })
 */
export class ApiAuth {
  /** Cognito user pool tokens. */
  public static cognito(userPool: IUserPool, options: CognitoAuthOptions = {}): ApiAuth {
    return new ApiAuth(ApiAuthType.COGNITO, { userPool, ...options }, options.scopes ?? []);
  }

  /**
   * JWTs from an OIDC issuer, verified against its JWKS. Fails at once when `issuer` (or
   * `jwksUri`) is not an https URL or `audience` is empty: API Gateway and the bundled authorizer
   * would otherwise accept nothing, or fetch keys without TLS.
   */
  public static jwt(options: JwtAuthOptions): ApiAuth {
    validateHttpsUrl('JwtIssuerInvalid', 'ApiAuth.jwt({ issuer })', options.issuer);
    if (options.jwksUri !== undefined) validateHttpsUrl('JwtJwksUriInvalid', 'ApiAuth.jwt({ jwksUri })', options.jwksUri);
    const audience = options.audience ?? [];
    if (!Token.isUnresolved(audience) && (audience.length === 0 || audience.some((a) => !Token.isUnresolved(a) && (typeof a !== 'string' || a.trim() === '')))) {
      throw new ApiPatternsError(
        'JwtAudienceInvalid',
        `ApiAuth.jwt({ audience }) must list at least one non-empty audience (the token's aud must contain one of them). Got: ${describeValue(options.audience)}`,
      );
    }
    const maxAge = options.jwksMaxAge;
    if (maxAge && !maxAge.isUnresolved()) {
      const seconds = maxAge.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < 60 || seconds > 86_400) {
        throw new ApiPatternsError('JwksMaxAgeInvalid', `ApiAuth.jwt({ jwksMaxAge }) must be whole seconds from 60 to 86400. Got: ${seconds} s`);
      }
    }
    return new ApiAuth(ApiAuthType.JWT, options, options.scopes ?? []);
  }

  /** IAM (SigV4) authorization. */
  public static iam(): ApiAuth {
    return new ApiAuth(ApiAuthType.IAM, {}, []);
  }

  /** A Lambda authorizer that receives the token from one header. */
  public static lambdaToken(handler: IFunction, options: LambdaTokenAuthOptions = {}): ApiAuth {
    return new ApiAuth(ApiAuthType.LAMBDA_TOKEN, { handler, ...options }, []);
  }

  /** A Lambda authorizer that receives the request. */
  public static lambdaRequest(handler: IFunction, options: LambdaRequestAuthOptions): ApiAuth {
    return new ApiAuth(ApiAuthType.LAMBDA_REQUEST, { handler, ...options }, []);
  }

  private constructor(
    /** The kind of authorization. */
    public readonly type: ApiAuthType,
    /** The options given to the factory. */
    public readonly options: Readonly<
      Partial<CognitoAuthOptions & JwtAuthOptions & LambdaTokenAuthOptions & LambdaRequestAuthOptions> & {
        userPool?: IUserPool;
        handler?: IFunction;
      }
    >,
    /** Scopes a token must carry at least one of (Cognito, JWT). */
    public readonly scopes: string[],
  ) {}
}

/**
 * Environment of the bundled JWT authorizers (REST token and WebSocket `$connect`), which read it
 * through lambda/shared/jwt.ts: issuer, audiences, optional JWKS URI, required scopes and JWKS max age.
 */
export function jwtAuthorizerEnvironment(auth: ApiAuth): Record<string, string> {
  const o = auth.options;
  return {
    JWT_ISSUER: o.issuer!,
    JWT_AUDIENCE: (o.audience ?? []).join(','),
    ...(o.jwksUri ? { JWT_JWKS_URI: o.jwksUri } : {}),
    ...(auth.scopes.length > 0 ? { JWT_REQUIRED_SCOPES: auth.scopes.join(' ') } : {}),
    ...(o.jwksMaxAge ? { JWT_JWKS_MAX_AGE_SECONDS: String(o.jwksMaxAge.toSeconds()) } : {}),
  };
}

/** What a REST cache key needs to tell the callers of an authorizer apart. */
export interface RestIdentityCacheKeys {
  /** Method request parameters that identify the caller, e.g. `method.request.header.Authorization`. */
  readonly keys: string[];
  /**
   * False when the caller is (also) identified by something no cache key can hold: an IAM
   * signature, or a request authorizer's `context.*` or `stageVariables.*` sources.
   */
  readonly complete: boolean;
}

/**
 * The request values a REST authorizer tells callers apart by, as method request parameters: what
 * a cached route must add to its cache key so that one caller's cached answer is never served to
 * another.
 */
export function restIdentityCacheKeys(auth: ApiAuth): RestIdentityCacheKeys {
  switch (auth.type) {
    case ApiAuthType.COGNITO:
    case ApiAuthType.JWT:
      return { keys: ['method.request.header.Authorization'], complete: true };
    case ApiAuthType.LAMBDA_TOKEN:
      return { keys: [`method.request.header.${auth.options.header ?? 'Authorization'}`], complete: true };
    case ApiAuthType.LAMBDA_REQUEST: {
      const sources = auth.options.identitySources ?? [];
      const keys = sources.filter((source) => source.startsWith('method.request.'));
      return { keys, complete: keys.length === sources.length && keys.length > 0 };
    }
    case ApiAuthType.IAM:
      return { keys: [], complete: false };
  }
}
