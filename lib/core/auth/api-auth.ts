import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Authorization } from './authorization';
import { CognitoAuthorization } from './cognito-authorization';
import type { CognitoAuthOptions } from './cognito-authorization';
import { IamAuthorization } from './iam-authorization';
import { JwtAuthorization } from './jwt-authorization';
import type { JwtAuthOptions } from './jwt-authorization';
import { LambdaRequestAuthorization } from './lambda-request-authorization';
import type { LambdaRequestAuthOptions } from './lambda-request-authorization';
import { LambdaTokenAuthorization } from './lambda-token-authorization';
import type { LambdaTokenAuthOptions } from './lambda-token-authorization';
import { NoAuthorization } from './no-authorization';

/**
 * How a route is authorized: one factory per kind. Pass the result as an API's `defaultAuth` or a
 * route's `auth`; the same object reused across routes yields one authorizer.
 *
 * @example
 * ApiAuth.cognito(userPool, { scopes: ['items/read'] })
 * ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['items-api'] })
 * ApiAuth.none() // an explicitly public route, e.g. a health check
 */
export class ApiAuth {
  /** Cognito user pool tokens (REST and HTTP). */
  public static cognito(userPool: IUserPool, options: CognitoAuthOptions = {}): CognitoAuthorization {
    return new CognitoAuthorization(userPool, options);
  }

  /** JWTs from an OIDC issuer, verified against its JWKS (REST, HTTP and WebSocket `$connect`). */
  public static jwt(options: JwtAuthOptions): JwtAuthorization {
    return new JwtAuthorization(options);
  }

  /** IAM (SigV4) authorization (REST, HTTP and WebSocket `$connect`). */
  public static iam(): IamAuthorization {
    return new IamAuthorization();
  }

  /** A Lambda authorizer that receives the token from one header (REST and HTTP). */
  public static lambdaToken(handler: IFunction, options: LambdaTokenAuthOptions = {}): LambdaTokenAuthorization {
    return new LambdaTokenAuthorization(handler, options);
  }

  /** A Lambda authorizer that receives the request (REST, HTTP and WebSocket `$connect`). */
  public static lambdaRequest(handler: IFunction, options: LambdaRequestAuthOptions): LambdaRequestAuthorization {
    return new LambdaRequestAuthorization(handler, options);
  }

  /**
   * No authorization: an explicit choice to make a route (or `$connect`) public, e.g. a health
   * check. Every route needs either this or an authorization, from its own `auth` or the API's `defaultAuth`.
   */
  public static none(): Authorization {
    return new NoAuthorization();
  }

  private constructor() {}
}
