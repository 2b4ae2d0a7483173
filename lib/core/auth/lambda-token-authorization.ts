import type { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { lambdaInvocationUri } from '../integrations/integration';
import { Authorization, authorizerTtlSeconds, lambdaAuthorizerScheme } from './authorization';
import type { AuthBinding, HttpAuthConfig, RestAuthConfig, RestIdentityCacheKeys } from './authorization';

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

/** Your Lambda authorizer, given the token from one header (REST and HTTP). */
export class LambdaTokenAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.lambdaToken';
  public readonly description = 'a Lambda token authorizer';

  /** Your authorizer function. */
  public readonly handler: IFunction;

  /** The options given to the factory. */
  public readonly options: LambdaTokenAuthOptions;

  constructor(handler: IFunction, options: LambdaTokenAuthOptions = {}) {
    super();
    this.handler = handler;
    this.options = options;
  }

  /** The header that carries the token. */
  public get header(): string {
    return this.options.header ?? 'Authorization';
  }

  /** @internal */
  public _restIdentityCacheKeys(): RestIdentityCacheKeys {
    return { keys: [`method.request.header.${this.header}`], complete: true };
  }

  /** @internal */
  public _resultsCacheTtl(): Duration | undefined {
    return this.options.resultsCacheTtl;
  }

  /** @internal */
  public _bindRest(binding: AuthBinding): RestAuthConfig {
    const ttlSeconds = authorizerTtlSeconds(binding, this.options.resultsCacheTtl);
    return {
      securityScheme: lambdaAuthorizerScheme(lambdaInvocationUri(binding.scope, this.handler), {
        type: 'token',
        header: this.header,
        identitySource: `method.request.header.${this.header}`,
        ttlSeconds,
      }),
      authorizerFunction: this.handler,
      isAuthorizer: true,
    };
  }

  /** @internal */
  public _bindHttp(binding: AuthBinding): HttpAuthConfig {
    const ttl = this.options.resultsCacheTtl;
    authorizerTtlSeconds(binding, ttl);
    return {
      authorizer: new HttpLambdaAuthorizer(binding.name, this.handler, {
        responseTypes: [HttpLambdaResponseType.IAM],
        identitySource: [`$request.header.${this.header}`],
        resultsCacheTtl: ttl,
      }),
      isAuthorizer: true,
    };
  }
}
