import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError } from '../validation/errors';
import { API_GATEWAY_LIMITS } from '../validation/limits';
import { validateIntegerRange } from '../validation/validation';
import type { JwtAuthorization } from './jwt-authorization';

/** What a REST cache key needs to tell the callers of an authorizer apart. Internal. */
export interface RestIdentityCacheKeys {
  /** Method request parameters that identify the caller, e.g. `method.request.header.Authorization`. */
  readonly keys: string[];
  /**
   * False when the caller is (also) identified by something no cache key can hold: an IAM
   * signature, or a request authorizer's `context.*` or `stageVariables.*` sources.
   */
  readonly complete: boolean;
}

/** What an API gives an authorization when it binds it. Internal. */
export interface AuthBinding {
  /** The API construct: authorizers and their functions are created in it. */
  readonly scope: Construct;
  /** How the user wrote it, for errors, e.g. `routes["GET /items"].auth`. */
  readonly prop: string;
  /** REST, HTTP or WebSocket. */
  readonly kind: ApiKind;
  /** A name for the authorizer, unique in the API, e.g. `Authorizer1`. */
  readonly name: string;
  /** The bundled JWT verifier function for `auth`, created with the API's function defaults. */
  jwtAuthorizerFunction(auth: JwtAuthorization, id: string): IFunction;
}

/** A REST authorization, as an OpenAPI security scheme. Internal. */
export interface RestAuthConfig {
  /** The security scheme object, with `x-amazon-apigateway-authtype` and `-authorizer`. */
  readonly securityScheme: Record<string, unknown>;
  /** The authorizer function, which API Gateway gets permission to invoke. */
  readonly authorizerFunction?: IFunction;
  /** Whether it is one of the API's authorizers (IAM is not), which API Gateway limits to 10. */
  readonly isAuthorizer: boolean;
  /**
   * The scopes API Gateway checks on the method (its authorization scopes): Cognito user pool
   * authorizers only. Other kinds check scopes themselves (the bundled JWT authorizer) or not at all.
   * @default - none
   */
  readonly methodScopes?: string[];
  /**
   * The name of its security scheme when the kind names it itself (IAM: `sigv4`).
   * @default - the name the API gives it, `Authorizer<n>`
   */
  readonly schemeName?: string;
}

/** An HTTP API authorization. Internal. */
export interface HttpAuthConfig {
  readonly authorizer: apigwv2.IHttpRouteAuthorizer;
  readonly isAuthorizer: boolean;
  /** As for REST. @default - `Authorizer<n>` */
  readonly schemeName?: string;
}

/** A WebSocket `$connect` authorization. Internal. */
export interface WebSocketAuthConfig {
  readonly authorizer: apigwv2.IWebSocketRouteAuthorizer;
  /** The bundled authorizer's function, when the library created one. */
  readonly authorizerFunction?: IFunction;
}

/**
 * How a route (or a WebSocket `$connect`) is authorized. Create one with an `ApiAuth` factory
 * (`ApiAuth.jwt(...)`, `ApiAuth.none()`, ...) and pass it as an API's `defaultAuth` or a route's
 * `auth`; the same object reused across routes yields one authorizer.
 *
 * An authorization kind is one class in `lib/core/auth/`: it binds to a REST API (an OpenAPI
 * security scheme), an HTTP API and a WebSocket API where each offers it, and fails at synth where
 * one does not.
 */
export abstract class Authorization {
  /** The factory that makes this kind, for messages, e.g. `ApiAuth.jwt`. */
  public abstract readonly kindName: string;

  /** What authorizes the caller, in words, e.g. `IAM (SigV4)`; used in compliance reasons. */
  public abstract readonly description: string;

  /** OAuth scopes a token must carry at least one of (Cognito and JWT); empty otherwise. */
  public readonly scopes: string[];

  /** True for `ApiAuth.none()`: the route is public by the API owner's explicit choice. */
  public readonly isPublic: boolean;

  protected constructor(scopes: string[] = [], isPublic = false) {
    this.scopes = scopes;
    this.isPublic = isPublic;
  }

  /**
   * The request values a REST authorizer tells callers apart by, as method request parameters:
   * what a cached route must add to its cache key so one caller's cached answer never reaches another.
   * @internal
   */
  public _restIdentityCacheKeys(): RestIdentityCacheKeys {
    return { keys: ['method.request.header.Authorization'], complete: true };
  }

  /**
   * The credential `$connect` can receive in its query string (which data trace would log), in words; undefined when none.
   * @internal
   */
  public _credentialInQueryString(): string | undefined {
    return undefined;
  }

  /**
   * The authorizer's result cache TTL, for kinds that have one.
   * @internal
   */
  public _resultsCacheTtl(): Duration | undefined {
    return undefined;
  }

  /** @internal */
  public abstract _bindRest(binding: AuthBinding): RestAuthConfig;

  /** @internal */
  public _bindHttp(binding: AuthBinding): HttpAuthConfig {
    throw unsupportedAuth(binding, this.kindName);
  }

  /** @internal */
  public _bindWebSocket(binding: AuthBinding): WebSocketAuthConfig {
    throw unsupportedAuth(binding, this.kindName);
  }
}

/** The error for a kind of API that does not offer an authorization kind. */
function unsupportedAuth(binding: AuthBinding, kindName: string): ApiPatternsError {
  if (binding.kind === ApiKind.WEBSOCKET) {
    return new ApiPatternsError(
      'ConnectAuthUnsupported',
      `${binding.prop} must be ApiAuth.jwt, ApiAuth.iam, ApiAuth.lambdaRequest or ApiAuth.none on a WebSocket API. Got: ${kindName}`,
      binding.scope,
    );
  }
  return new ApiPatternsError('AuthUnsupported', `${binding.prop}: ${kindName} is not offered on ${binding.kind} APIs. Got: ${kindName}`, binding.scope);
}

/** An authorizer's result cache TTL in seconds, checked against API Gateway's 0 to 3600. */
export function authorizerTtlSeconds(binding: AuthBinding, ttl: Duration | undefined): number {
  const seconds = (ttl ?? Duration.minutes(5)).toSeconds({ integral: false });
  validateIntegerRange(binding.scope, 'AuthorizerCacheTtlOutOfRange', `${binding.prop}.resultsCacheTtl (seconds)`, seconds, 0, API_GATEWAY_LIMITS.authorizerCacheTtlMaxSeconds);
  return seconds;
}

/** The OpenAPI security scheme of a REST Lambda authorizer (token or request). */
export function lambdaAuthorizerScheme(
  uri: string,
  authorizer: { readonly type: 'token' | 'request'; readonly identitySource: string; readonly ttlSeconds: number; readonly header: string },
): Record<string, unknown> {
  return {
    type: 'apiKey',
    name: authorizer.header,
    in: 'header',
    'x-amazon-apigateway-authtype': 'custom',
    'x-amazon-apigateway-authorizer': {
      type: authorizer.type,
      authorizerUri: uri,
      identitySource: authorizer.identitySource,
      authorizerResultTtlInSeconds: authorizer.ttlSeconds,
    },
  };
}
