import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { isUnresolved } from '../validation/validation';

/** The identity-source syntax of request authorizers on each kind of API, with an example. */
const IDENTITY_SOURCE_SYNTAX: Record<ApiKind, { readonly syntax: RegExp; readonly example: string }> = {
  [ApiKind.REST]: { syntax: /^(method\.request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/, example: 'method.request.header.Authorization' },
  [ApiKind.HTTP]: { syntax: /^\$(request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/, example: '$request.header.Authorization' },
  [ApiKind.WEBSOCKET]: { syntax: /^(route\.request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/, example: 'route.request.querystring.token' },
};

/**
 * Checks the identity sources of a request authorizer: at least one, each in the syntax of the API
 * kind it is bound to (the one place this syntax is checked).
 */
export function validateIdentitySources(scope: IConstruct, prop: string, sources: string[], kind: ApiKind): void {
  const { syntax, example } = IDENTITY_SOURCE_SYNTAX[kind];
  if (sources.length === 0) {
    throw new ApiPatternsError('IdentitySourcesInvalid', `${prop} must list at least one source, e.g. ${describeValue(example)}. Got: []`, scope);
  }
  for (const source of sources) {
    if (isUnresolved(source) || syntax.test(source)) continue;
    throw new ApiPatternsError(
      'IdentitySourcesInvalid',
      `${prop} entries must match ${syntax} on a ${kind} API, e.g. ${describeValue(example)}. Got: ${describeValue(source)}`,
      scope,
    );
  }
}
