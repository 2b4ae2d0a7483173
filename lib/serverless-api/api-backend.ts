import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ApiAuth } from '../core/api-auth';
import type { ApiMetrics } from '../core/api-metrics';
import type { ResolvedCors } from '../core/cors';
import type { ApiCustomDomain } from '../core/custom-domain';
import type { ParsedRouteKey } from '../core/route-key';
import type { StageProfile } from '../core/stage-profile';
import type { RouteOptions } from './route-options';

/** A route after the construct has checked it. */
export interface ResolvedRoute {
  /** How the user wrote it, for errors. */
  readonly prop: string;
  readonly route: ParsedRouteKey;
  readonly options: RouteOptions;
  /** Undefined for public routes. */
  readonly auth?: ApiAuth;
  /** The function of a Lambda or entry route. */
  readonly fn?: IFunction;
}

/** What both backends get from the construct. */
export interface ApiBackendProps {
  readonly apiName: string;
  readonly description?: string;
  readonly profile: StageProfile;
  readonly accessLogGroup: ILogGroup;
  readonly cors?: ResolvedCors;
  readonly disableExecuteApiEndpoint?: boolean;
  /**
   * Creates the bundled JWT authorizer's function for `auth`, with the construct's defaults, and
   * records it as one of its functions (alarmed on the AuthorizerErrors it counts, not on Errors).
   */
  readonly createJwtAuthorizerFunction: (id: string, auth: ApiAuth) => IFunction;
}

/** The part of ServerlessApi that differs between REST and HTTP APIs. */
export interface ApiBackend {
  readonly url: string;
  readonly metrics: ApiMetrics;
  addRoute(route: ResolvedRoute): void;
  mapDomain(domain: ApiCustomDomain, basePath?: string): void;
}
