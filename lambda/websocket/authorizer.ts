/**
 * Lambda REQUEST authorizer of the `$connect` route. Browsers cannot set headers on a WebSocket,
 * so the JWT comes in the `token` query-string parameter (`wss://.../stage?token=<jwt>`).
 *
 * Verification is `lambda/shared/jwt.ts` (settings from `JWT_ISSUER`, `JWT_AUDIENCE`,
 * `JWT_JWKS_URI`, `JWT_REQUIRED_SCOPES`). A valid token yields an Allow policy for the `methodArn`
 * with context `{ sub, scope }`, which API Gateway hands to every later event of the connection as
 * `requestContext.authorizer`. A rejected token throws `Unauthorized`: API Gateway answers 401 and
 * the connection is refused. Any other failure (JWKS unreachable, bad configuration) is logged and
 * thrown as a different error, which API Gateway answers with 500.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { TokenVerifier } from '../shared/jwt';
import { TokenRejectedError, verifyJwt } from '../shared/jwt';
import type { WebSocketAuthorizerEvent } from './lib/events';
import { handlerTracer, logger, metrics, MetricUnit } from './lib/observability';

/** The query-string parameter that carries the JWT. */
export const TOKEN_QUERY_PARAMETER = 'token';

export interface WebSocketAuthorizerOptions {
  /** Verifies tokens. Default: `verifyJwt` with settings from the environment. */
  readonly verifier?: TokenVerifier;
}

export type WebSocketAuthorizerHandler = (event: WebSocketAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export function createWebSocketAuthorizer(options: WebSocketAuthorizerOptions = {}): WebSocketAuthorizerHandler {
  const { verifier } = options;
  const verify = (token: string | undefined) => (verifier ? verifier.verify(token) : verifyJwt(token));

  return async (event) => {
    logger.appendKeys({ connectionId: event.requestContext?.connectionId, routeKey: event.requestContext?.routeKey });
    metrics.captureColdStartMetric();
    const tracer = await handlerTracer();
    tracer?.annotateColdStart();
    try {
      const identity = await verify(event.queryStringParameters?.[TOKEN_QUERY_PARAMETER]);
      metrics.addMetric('ConnectionsAuthorized', MetricUnit.Count, 1);
      return {
        principalId: identity.sub,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        context: { sub: identity.sub, scope: identity.scopes.join(' ') },
      };
    } catch (err) {
      if (err instanceof TokenRejectedError) {
        logger.info('Connection refused: token rejected', { reason: err.reason });
        metrics.addMetric('ConnectionsRefused', MetricUnit.Count, 1);
        // The exact message API Gateway maps to 401 Unauthorized.
        throw new Error('Unauthorized', { cause: err });
      }
      logger.error('Authorizer failed', err as Error);
      tracer?.addErrorAsMetadata(err as Error);
      metrics.addMetric('AuthorizerErrors', MetricUnit.Count, 1);
      throw new Error('Authorizer error', { cause: err });
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

export const handler = createWebSocketAuthorizer();
