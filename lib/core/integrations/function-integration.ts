import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Integration, lambdaInvocationUri } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';

/** The Lambda proxy integration both function kinds bind to. */
export function lambdaProxyRest(binding: RouteBinding, fn: IFunction): RestIntegrationConfig {
  return {
    integration: { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaInvocationUri(binding.scope, fn), passthroughBehavior: 'when_no_match' },
    invokedFunction: fn,
  };
}

/** The HTTP API flavour: payload format 2.0, one invoke permission per function. */
export function lambdaProxyHttp(id: string, fn: IFunction): HttpIntegrationConfig {
  return { integration: new HttpLambdaIntegration(id, fn, { scopePermissionToRoute: false }), invokedFunction: fn };
}

/** Lambda proxy integration with an existing function (REST and HTTP). */
export class FunctionIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.fromFunction';

  /** @param fn the function; API Gateway gets one invoke permission for it per API, however many routes use it. */
  constructor(public readonly fn: IFunction) {
    super();
  }

  /** @internal */
  public _shareKey(): string {
    return `function ${this.fn.node.addr}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    return lambdaProxyRest(binding, this.fn);
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    return lambdaProxyHttp(binding.integrationId, this.fn);
  }
}
