/**
 * REST API TOKEN authorizer: verifies the `Authorization: Bearer <jwt>` header with `../shared/jwt`.
 *
 * Outcomes, as API Gateway turns them into responses:
 * - valid token with a required scope (or no scopes required) → Allow policy → the request proceeds;
 * - no, malformed, expired, not-yet-valid, foreign or forged token → `Error('Unauthorized')` → 401;
 * - valid token without any required scope → explicit Deny policy → 403;
 * - anything else (JWKS unreachable, missing configuration) → the error is rethrown → 500, which
 *   API Gateway does not cache, so an IdP outage is not remembered as a bad token.
 *
 * The Allow and Deny policies cover every method and path of the stage, not just the called one:
 * API Gateway caches the policy per token for the whole API, and a policy scoped to the first method
 * would deny the caller's next request to another method.
 *
 * Environment: JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URI, JWT_REQUIRED_SCOPES, JWT_JWKS_MAX_AGE_SECONDS
 * (see `../shared/jwt`); POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME for the
 * `AuthorizerErrors` metric (see `../shared/embedded-metrics`).
 * Each decision is logged as one JSON line with no token contents; an `error` decision also counts
 * `AuthorizerErrors` in Embedded Metric Format.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { countMetricFields, writeLogLine } from '../shared/embedded-metrics';
import { policy, stageWildcardArn } from '../shared/authorizer-policy';
import { bearerToken, TokenRejectedError, verifyJwt } from '../shared/jwt';
import type { TokenVerifier, VerifiedIdentity } from '../shared/jwt';

export type TokenAuthorizerHandler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** The verifier used by `handler`: settings from the environment, read on the first request. */
const verifierFromEnv: TokenVerifier = { verify: (token) => verifyJwt(token) };

/** Builds the authorizer around `verifier`; tests inject one that trusts their own IdP. */
export function createJwtTokenAuthorizer(verifier: TokenVerifier = verifierFromEnv): TokenAuthorizerHandler {
  return async (event) => {
    const resource = stageWildcardArn(event.methodArn);
    let identity: VerifiedIdentity;
    try {
      identity = await verifier.verify(bearerToken(event.authorizationToken));
    } catch (err) {
      if (err instanceof TokenRejectedError && err.reason === 'scope') {
        log({ decision: 'deny', reason: err.reason, methodArn: event.methodArn });
        return policy('Deny', 'insufficient-scope', resource);
      }
      if (err instanceof TokenRejectedError) {
        log({ decision: 'unauthorized', reason: err.reason, methodArn: event.methodArn });
        // API Gateway answers 401 only for exactly this message.
        throw new Error('Unauthorized', { cause: err });
      }
      // Not the token's fault (configuration, JWKS endpoint); such messages carry no token contents.
      const reason = err instanceof Error ? err.message : String(err);
      log({ decision: 'error', reason, methodArn: event.methodArn });
      throw err;
    }
    log({ decision: 'allow', reason: 'valid-token', sub: identity.sub, methodArn: event.methodArn });
    return {
      ...policy('Allow', identity.sub, resource),
      context: { sub: identity.sub, scope: identity.scopes.join(' '), iss: identity.issuer },
    };
  };
}

export const handler = createJwtTokenAuthorizer();



function log(entry: { decision: 'allow' | 'deny' | 'unauthorized' | 'error'; reason: string; sub?: string; methodArn: string }): void {
  const error = entry.decision === 'error';
  // A failure that is not the token's fault also counts AuthorizerErrors (EMF), which the construct
  // alarms on: refused tokens throw too, so Lambda's Errors metric cannot tell the two apart.
  writeLogLine({ level: error ? 'ERROR' : 'INFO', message: 'authorization decision', ...entry, ...(error ? countMetricFields('AuthorizerErrors') : {}) });
}

export { stageWildcardArn };
