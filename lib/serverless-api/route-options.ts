import type { Duration } from 'aws-cdk-lib';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type { ApiAuth } from '../core/api-auth';
import type { RouteIntegration } from './route-integration';

/** Per-route cache settings (REST APIs whose stage profile has `caching`). */
export interface RouteCacheOptions {
  /** How long answers are cached, 0 to 3600 s. */
  readonly ttl: Duration;
  /**
   * Request parameters that make up the cache key besides the path parameters (added always) and,
   * on token-authorized routes, the Authorization header (added always), e.g.
   * `['method.request.querystring.page']`.
   * @default - path parameters and Authorization only
   */
  readonly keyParameters?: string[];
}

/** One route of a ServerlessApi. */
export interface RouteOptions {
  /** The backend. */
  readonly integration: RouteIntegration;
  /**
   * How the route is authorized.
   * @default - the API's `defaultAuth`
   */
  readonly auth?: ApiAuth;
  /**
   * Serve the route without authorization. Required, as an explicit choice, for every route that
   * has neither `auth` nor an API `defaultAuth`.
   * @default false
   */
  readonly public?: boolean;
  /**
   * JSON schema the request body must match; API Gateway answers 400 otherwise. REST only.
   * @default - body not validated
   */
  readonly requestSchema?: JsonSchema;
  /**
   * Integration timeout: 50 ms to 29 s (REST) or 30 s (HTTP).
   * @default - 29 s (REST), 30 s (HTTP)
   */
  readonly timeout?: Duration;
  /**
   * Cache answers of this route. REST only, and only on a stage profile with `caching`.
   * @default - the profile's default TTL (0: not cached)
   */
  readonly cache?: RouteCacheOptions;
  /**
   * Require an API key (`x-api-key`). REST only; CORS preflight never requires one.
   * @default false
   */
  readonly apiKeyRequired?: boolean;
}
