import type { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { lambdaInvocationUri } from '../integrations/integration';
import { Authorization, authorizerTtlSeconds, lambdaAuthorizerScheme } from './authorization';
import type { AuthBinding, HttpAuthConfig, RestAuthConfig, RestIdentityCacheKeys, WebSocketAuthConfig } from './authorization';
import { validateIdentitySources } from './identity-sources';

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
 * Your Lambda authorizer, given the request (headers, query string, context) (REST, HTTP and
 * WebSocket `$connect`). Identity sources are checked against the syntax of the API it is bound to.
 */
export class LambdaRequestAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.lambdaRequest';
  public readonly description = 'a Lambda request authorizer';

  /** Your authorizer function. */
  public readonly handler: IFunction;

  /** The options given to the factory. */
  public readonly options: LambdaRequestAuthOptions;

  constructor(handler: IFunction, options: LambdaRequestAuthOptions) {
    super();
    this.handler = handler;
    this.options = options;
  }

  /** @internal */
  public _restIdentityCacheKeys(): RestIdentityCacheKeys {
    const sources = this.options.identitySources ?? [];
    const keys = sources.filter((source) => source.startsWith('method.request.'));
    return { keys, complete: keys.length === sources.length && keys.length > 0 };
  }

  /** @internal */
  public _credentialInQueryString(): string | undefined {
    const fromQuery = this.options.identitySources.filter((source) => source.startsWith('route.request.querystring.'));
    return fromQuery.length > 0 ? `identity sources (${fromQuery.join(', ')})` : undefined;
  }

  /** @internal */
  public _resultsCacheTtl(): Duration | undefined {
    return this.options.resultsCacheTtl;
  }

  /** @internal */
  public _bindRest(binding: AuthBinding): RestAuthConfig {
    validateIdentitySources(binding.scope, `${binding.prop}.identitySources`, this.options.identitySources, binding.kind);
    const ttlSeconds = authorizerTtlSeconds(binding, this.options.resultsCacheTtl);
    return {
      securityScheme: lambdaAuthorizerScheme(lambdaInvocationUri(binding.scope, this.handler), {
        type: 'request',
        header: 'Unused',
        identitySource: this.options.identitySources.join(', '),
        ttlSeconds,
      }),
      authorizerFunction: this.handler,
      isAuthorizer: true,
    };
  }

  /** @internal */
  public _bindHttp(binding: AuthBinding): HttpAuthConfig {
    validateIdentitySources(binding.scope, `${binding.prop}.identitySources`, this.options.identitySources, binding.kind);
    authorizerTtlSeconds(binding, this.options.resultsCacheTtl);
    return {
      authorizer: new HttpLambdaAuthorizer(binding.name, this.handler, {
        responseTypes: [HttpLambdaResponseType.IAM],
        identitySource: this.options.identitySources,
        resultsCacheTtl: this.options.resultsCacheTtl,
      }),
      isAuthorizer: true,
    };
  }

  /** @internal */
  public _bindWebSocket(binding: AuthBinding): WebSocketAuthConfig {
    validateIdentitySources(binding.scope, `${binding.prop}.identitySources`, this.options.identitySources, binding.kind);
    return { authorizer: new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.handler, { identitySource: this.options.identitySources }) };
  }
}
