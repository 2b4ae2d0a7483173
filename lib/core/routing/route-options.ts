import type { Duration } from 'aws-cdk-lib';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type { Authorization } from '../auth/authorization';
import type { Integration } from '../integrations/integration';

/** Per-route cache settings (REST APIs whose stage profile has `caching`). */
export interface RouteCacheOptions {
  /** How long answers are cached, 0 to 3600 s. */
  readonly ttl: Duration;
  /**
   * Request parameters that make up the cache key besides the path parameters (added always) and,
   * on authorized routes, the authorizer's identity sources (added always), e.g.
   * `['method.request.querystring.page']`.
   * @default - path parameters and the authorizer's identity sources only
   */
  readonly keyParameters?: string[];
}

/** Throttling of one route: REST method settings, HTTP route settings, WebSocket route settings. */
export interface RouteThrottleOptions {
  /** Steady-state requests per second: a whole number, 0 or more. */
  readonly rateLimit: number;
  /** Largest burst of requests: a whole number, 0 or more. */
  readonly burstLimit: number;
}

/**
 * What any route can set besides its backend: authorization, request validation, timeout, cache,
 * API key and throttling. `RouteOptions` adds the integration; constructs whose routes always go to
 * one backend (a PrivateEcsApi service) take these alone.
 */
export interface RouteSettings {
  /**
   * How the route is authorized; `ApiAuth.none()` makes it public, as an explicit choice.
   * @default - the API's `defaultAuth`; without one, the route fails at synth
   */
  readonly auth?: Authorization;
  /**
   * JSON schema the request body must match; API Gateway answers 400 otherwise. REST only. It
   * becomes a model in the OpenAPI document, so it must be valid OpenAPI 3.0 (one `type` per schema).
   * @default - body not validated (service integrations validate that it is JSON)
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
  /**
   * Throttling of this route, below the stage's.
   * @default - the stage's throttling (from the profile)
   */
  readonly throttle?: RouteThrottleOptions;
}

/** One route of an API built on the route table (ServerlessApi, and the constructs to come). */
export interface RouteOptions extends RouteSettings {
  /** The backend: `RouteIntegration.fromFunction(fn)`, `RouteIntegration.entry(path)`, `RouteIntegration.sqs(queue)`, ... */
  readonly integration: Integration;
}
