import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Authorization } from './authorization';
import type { HttpAuthConfig, RestAuthConfig, RestIdentityCacheKeys, WebSocketAuthConfig } from './authorization';

/** SigV4-signed requests, authorized by the caller's IAM policies (REST, HTTP and WebSocket). */
export class IamAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.iam';
  public readonly description = 'IAM (SigV4)';

  constructor() {
    super();
  }

  /** @internal */
  public _restIdentityCacheKeys(): RestIdentityCacheKeys {
    // A signature changes with every request: no cache key can hold the caller.
    return { keys: [], complete: false };
  }

  /** @internal */
  public _credentialInQueryString(): string {
    return 'SigV4 credentials when clients sign the URL (X-Amz-Signature, X-Amz-Security-Token)';
  }

  /** @internal */
  public _bindRest(): RestAuthConfig {
    return { securityScheme: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }, isAuthorizer: false, schemeName: 'sigv4' };
  }

  /** @internal */
  public _bindHttp(): HttpAuthConfig {
    return { authorizer: new HttpIamAuthorizer(), isAuthorizer: false, schemeName: 'sigv4' };
  }

  /** @internal */
  public _bindWebSocket(): WebSocketAuthConfig {
    return { authorizer: new WebSocketIamAuthorizer() };
  }
}
