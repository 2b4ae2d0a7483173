import { Token } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { lambdaInvocationUri } from '../integrations/integration';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { Authorization, authorizerTtlSeconds, lambdaAuthorizerScheme } from './authorization';
import type { AuthBinding, HttpAuthConfig, RestAuthConfig, WebSocketAuthConfig } from './authorization';

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

/**
 * JWTs from any OIDC issuer, verified against its JWKS: natively on HTTP APIs; on REST APIs by a
 * bundled Lambda token authorizer; on WebSocket `$connect` by a bundled request authorizer that
 * reads the token from the `token` query-string parameter (browsers cannot set headers on a WebSocket).
 *
 * Fails at once when `issuer` (or `jwksUri`) is not an https URL or `audience` is empty: API
 * Gateway and the bundled authorizer would otherwise accept nothing, or fetch keys without TLS.
 */
export class JwtAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.jwt';
  public readonly description = 'a JWT Lambda authorizer verifying tokens against the issuer JWKS';

  /** The options given to the factory. */
  public readonly options: JwtAuthOptions;

  constructor(options: JwtAuthOptions) {
    super(options.scopes ?? []);
    this.options = options;
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
  }

  /**
   * Environment of the bundled JWT authorizers (REST token and WebSocket `$connect`), which read it
   * through lambda/shared/jwt.ts: issuer, audiences, optional JWKS URI, required scopes and JWKS max age.
   */
  public authorizerEnvironment(): Record<string, string> {
    const o = this.options;
    return {
      JWT_ISSUER: o.issuer,
      JWT_AUDIENCE: o.audience.join(','),
      ...(o.jwksUri ? { JWT_JWKS_URI: o.jwksUri } : {}),
      ...(this.scopes.length > 0 ? { JWT_REQUIRED_SCOPES: this.scopes.join(' ') } : {}),
      ...(o.jwksMaxAge ? { JWT_JWKS_MAX_AGE_SECONDS: String(o.jwksMaxAge.toSeconds()) } : {}),
    };
  }

  /** @internal */
  public _credentialInQueryString(): string {
    return 'a JWT (?token=)';
  }

  /** @internal */
  public _resultsCacheTtl(): Duration | undefined {
    return this.options.resultsCacheTtl;
  }

  /** @internal */
  public _bindRest(binding: AuthBinding): RestAuthConfig {
    const ttlSeconds = authorizerTtlSeconds(binding, this.options.resultsCacheTtl);
    const fn = binding.jwtAuthorizerFunction(this, `${binding.name}Function`);
    return {
      securityScheme: lambdaAuthorizerScheme(lambdaInvocationUri(binding.scope, fn), {
        type: 'token',
        header: 'Authorization',
        identitySource: 'method.request.header.Authorization',
        ttlSeconds,
      }),
      authorizerFunction: fn,
      isAuthorizer: true,
    };
  }

  /** @internal */
  public _bindHttp(binding: AuthBinding): HttpAuthConfig {
    return { authorizer: new HttpJwtAuthorizer(binding.name, this.options.issuer, { jwtAudience: this.options.audience }), isAuthorizer: true };
  }

  /** @internal */
  public _bindWebSocket(binding: AuthBinding): WebSocketAuthConfig {
    const fn = binding.jwtAuthorizerFunction(this, 'AuthorizerHandler');
    // The token rides in the query string: browsers cannot set headers on a WebSocket.
    return { authorizer: new WebSocketLambdaAuthorizer('ConnectAuthorizer', fn, { identitySource: ['route.request.querystring.token'] }), authorizerFunction: fn };
  }
}
