import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { Authorization, AuthBinding } from '../auth/authorization';
import type { JwtAuthorization } from '../auth/jwt-authorization';
import { ApiPatternsError } from '../validation/errors';
import { API_GATEWAY_LIMITS } from '../validation/limits';

/** What a bound authorization gives back to a backend: at least whether it is an authorizer, and maybe its own scheme name. */
interface BoundConfig {
  readonly isAuthorizer: boolean;
  readonly schemeName?: string;
}

/**
 * The authorizations of one API, each bound once however many routes use it, named `Authorizer1`,
 * `Authorizer2`, ... (or the name the kind gives itself, e.g. `sigv4`), and counted against API
 * Gateway's limit of authorizers per API.
 */
export class BoundAuthorizations<C extends BoundConfig> {
  private readonly bound = new Map<Authorization, { readonly name: string; readonly config: C }>();
  private authorizers = 0;

  constructor(
    private readonly scope: Construct,
    private readonly kind: ApiKind,
    private readonly jwtAuthorizerFunction: (auth: JwtAuthorization, id: string) => IFunction,
    private readonly bind: (auth: Authorization, binding: AuthBinding) => C,
  ) {}

  /** The bound authorization `auth` of the route `prop`, binding it the first time. */
  public of(prop: string, auth: Authorization): { readonly name: string; readonly config: C } {
    const existing = this.bound.get(auth);
    if (existing) return existing;
    const name = `Authorizer${this.authorizers + 1}`;
    const config = this.bind(auth, {
      scope: this.scope,
      prop: `${prop}.auth`,
      kind: this.kind,
      name,
      jwtAuthorizerFunction: this.jwtAuthorizerFunction,
    });
    if (config.isAuthorizer) {
      if (this.authorizers >= API_GATEWAY_LIMITS.authorizersPerApi) {
        throw new ApiPatternsError(
          'TooManyAuthorizers',
          `${prop} needs authorizer number ${this.authorizers + 1}, but ${this.kind === ApiKind.HTTP ? 'an' : 'a'} ${this.kind} API allows ${API_GATEWAY_LIMITS.authorizersPerApi}: reuse ApiAuth objects across routes. Got: ${auth.kindName}`,
          this.scope,
        );
      }
      this.authorizers += 1;
    }
    const entry = { name: config.schemeName ?? name, config };
    this.bound.set(auth, entry);
    return entry;
  }
}
