import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';

/** Cross-origin resource sharing for browser clients. */
export interface CorsOptions {
  /** Origins allowed to call the API, e.g. `['https://app.example.com']`, or `['*']`. */
  readonly allowOrigins: string[];
  /**
   * Methods allowed.
   * @default - every method
   */
  readonly allowMethods?: string[];
  /**
   * Request headers allowed.
   * @default ['Content-Type', 'Authorization', 'X-Api-Key', 'X-Amz-Date', 'X-Amz-Security-Token']
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers the browser may read.
   * @default - none beyond the CORS-safelisted ones
   */
  readonly exposeHeaders?: string[];
  /**
   * Allow cookies and authorization headers. Not allowed with the `*` origin.
   * @default false
   */
  readonly allowCredentials?: boolean;
  /**
   * How long browsers may cache a preflight answer.
   * @default Duration.minutes(10)
   */
  readonly maxAge?: Duration;
}

/** The defaults above, resolved. */
export interface ResolvedCors {
  readonly allowOrigins: string[];
  readonly allowMethods: string[];
  readonly allowHeaders: string[];
  readonly exposeHeaders: string[];
  readonly allowCredentials: boolean;
  readonly maxAge: Duration;
}

export const DEFAULT_CORS_HEADERS = ['Content-Type', 'Authorization', 'X-Api-Key', 'X-Amz-Date', 'X-Amz-Security-Token'];
export const ALL_CORS_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:(6553[0-5]|655[0-2]\d|65[0-4]\d{2}|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3}))?$/;

/** Checks CORS options (no wildcard with credentials, well-formed origins) and fills defaults. */
export function resolveCors(scope: IConstruct, prop: string, cors: CorsOptions): ResolvedCors {
  if (cors.allowOrigins.length === 0) {
    throw new ApiPatternsError('CorsOriginsEmpty', `${prop}.allowOrigins must list at least one origin. Got: []`, scope);
  }
  const wildcard = cors.allowOrigins.includes('*');
  if (wildcard && cors.allowCredentials) {
    throw new ApiPatternsError(
      'CorsWildcardWithCredentials',
      `${prop}.allowOrigins must not contain '*' when ${prop}.allowCredentials is true: browsers refuse credentials for a wildcard origin. Got: ${describeValue(cors.allowOrigins)}`,
      scope,
    );
  }
  if (wildcard && cors.allowOrigins.length > 1) {
    throw new ApiPatternsError('CorsOriginInvalid', `${prop}.allowOrigins must be either ['*'] or a list of origins. Got: ${describeValue(cors.allowOrigins)}`, scope);
  }
  for (const origin of cors.allowOrigins) {
    if (origin !== '*' && !Token.isUnresolved(origin) && !ORIGIN.test(origin)) {
      throw new ApiPatternsError(
        'CorsOriginInvalid',
        `${prop}.allowOrigins entries must be 'scheme://host[:port]' in lowercase with no path. Got: ${describeValue(origin)}`,
        scope,
      );
    }
  }
  return {
    allowOrigins: cors.allowOrigins,
    allowMethods: cors.allowMethods ?? ALL_CORS_METHODS,
    allowHeaders: cors.allowHeaders ?? DEFAULT_CORS_HEADERS,
    exposeHeaders: cors.exposeHeaders ?? [],
    allowCredentials: cors.allowCredentials ?? false,
    maxAge: cors.maxAge ?? Duration.minutes(10),
  };
}
