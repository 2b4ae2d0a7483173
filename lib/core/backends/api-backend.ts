import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ApiKind } from '../api-base/api-kind';
import type { JwtAuthorization } from '../auth/jwt-authorization';
import type { ApiCustomDomain } from '../domain/custom-domain';
import type { EntryIntegrationOptions } from '../integrations/entry-integration';
import type { ApiMetrics } from '../observability/api-metrics';
import type { ResolvedCors } from '../routing/cors';
import type { TableRoute } from '../routing/route-table';
import type { StageProfile } from '../stage/stage-profile';

/** What both backends get from the construct. */
export interface ApiBackendProps {
  readonly apiName: string;
  readonly description?: string;
  readonly profile: StageProfile;
  readonly accessLogGroup: ILogGroup;
  readonly cors?: ResolvedCors;
  readonly disableExecuteApiEndpoint?: boolean;
  /** The bundled JWT verifier function for `auth`, created with the construct's defaults and watched by its alarms. */
  jwtAuthorizerFunction(auth: JwtAuthorization, id: string): IFunction;
  /** The function of an entry file (one per entry path per API). */
  entryFunction(entry: string, options: EntryIntegrationOptions, prop: string): IFunction;
}

/** The part of a route-table API that differs between REST and HTTP APIs. */
export interface ApiBackend {
  readonly kind: ApiKind;
  /** The execute-api URL of the stage, ending with `/`. */
  readonly url: string;
  readonly metrics: ApiMetrics;
  /** The API's OpenAPI 3.0 definition. */
  readonly document: Record<string, unknown>;
  addRoute(route: TableRoute): void;
  mapDomain(domain: ApiCustomDomain, basePath?: string): void;
}
