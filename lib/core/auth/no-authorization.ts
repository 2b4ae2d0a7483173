import { Authorization } from './authorization';
import type { RestAuthConfig } from './authorization';

/**
 * No authorization: the route (or `$connect`) is public, by the API owner's explicit choice, e.g. a
 * health check or a public feed. CORS preflight never needs it: it is always public.
 */
export class NoAuthorization extends Authorization {
  public readonly kindName = 'ApiAuth.none';
  public readonly description = 'no authorization (public)';

  constructor() {
    super([], true);
  }

  /** @internal */
  public _bindRest(): RestAuthConfig {
    return { securityScheme: {}, isAuthorizer: false };
  }
}
