import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { Authorization } from './authorization';
import type { AuthBinding, HttpAuthConfig, RestAuthConfig } from './authorization';

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

/** Tokens of a Cognito user pool (REST and HTTP). */
export class CognitoAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.cognito';
  public readonly description = 'a Cognito user pool';

  /** The user pool whose tokens are accepted. */
  public readonly userPool: IUserPool;

  /** The options given to the factory. */
  public readonly options: CognitoAuthOptions;

  constructor(userPool: IUserPool, options: CognitoAuthOptions = {}) {
    super(options.scopes ?? []);
    this.userPool = userPool;
    this.options = options;
  }

  /** @internal */
  public _bindRest(): RestAuthConfig {
    return {
      securityScheme: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authtype': 'cognito_user_pools',
        'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [this.userPool.userPoolArn] },
      },
      isAuthorizer: true,
      methodScopes: this.scopes,
    };
  }

  /** @internal */
  public _bindHttp(binding: AuthBinding): HttpAuthConfig {
    const clients = this.options.userPoolClients;
    if (!clients || clients.length === 0) {
      throw new ApiPatternsError(
        'CognitoClientsRequired',
        `${binding.prop}: ApiAuth.cognito needs userPoolClients on an HTTP API, whose JWT authorizer checks the token's audience against the app clients; list the clients whose tokens the API accepts. Got: ${describeValue(clients ?? [])}`,
        binding.scope,
      );
    }
    return { authorizer: new HttpUserPoolAuthorizer(binding.name, this.userPool, { userPoolClients: clients }), isAuthorizer: true };
  }
}
