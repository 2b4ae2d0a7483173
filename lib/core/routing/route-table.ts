import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { Authorization } from '../auth/authorization';
import type { StageProfile } from '../stage/stage-profile';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { validateCacheKeyParameters, validateCacheTtl, validateIntegerRange, validateIntegrationTimeout } from '../validation/validation';
import { ApiFeature, requireFeature } from './protocol-features';
import { parseRouteKey, RouteKeyRegistry } from './route-key';
import type { ParsedRouteKey } from './route-key';
import type { RouteCacheOptions, RouteOptions, RouteThrottleOptions } from './route-options';
import { validateRequestSchema } from './request-schema';

/** Methods whose answers may be cached: reads only. */
const CACHEABLE_METHODS: readonly string[] = ['GET', 'HEAD'];

/** A route the table has checked. */
export interface TableRoute {
  /** How the user wrote it, for errors, e.g. `routes["GET /items"]`. */
  readonly prop: string;
  readonly route: ParsedRouteKey;
  readonly options: RouteOptions;
  /** The route's authorization: its own `auth`, or the API's `defaultAuth`. */
  readonly auth: Authorization;
  /**
   * How the route's answers are cached: its own `cache`, or, on a GET or HEAD route of a stage
   * whose cache has a default TTL above 0, that TTL (keyed the same way). Undefined: not cached.
   */
  readonly cache?: RouteCacheOptions;
}

/** What a route table needs from its API. */
export interface RouteTableProps {
  readonly kind: ApiKind;
  readonly profile: StageProfile;
  readonly defaultAuth?: Authorization;
}

/**
 * The routes of one REST or HTTP API: parses each key, keeps them unique, resolves each route's
 * authorization (its own, the API default, or an explicit `ApiAuth.none()`), and checks every
 * route option against what the kind of API offers, before any backend renders it.
 */
export class RouteTable {
  private readonly registry: RouteKeyRegistry;
  private readonly entries: TableRoute[] = [];

  constructor(
    private readonly scope: IConstruct,
    private readonly props: RouteTableProps,
  ) {
    this.registry = new RouteKeyRegistry(scope);
  }

  private defaultAuth?: Authorization;

  /** Sets the authorization of routes that set none; only before the first route. */
  public useDefaultAuth(auth: Authorization): void {
    if (this.entries.length > 0) {
      throw new ApiPatternsError('DefaultAuthTooLate', `the default authorization must be set before the first route. Got: ${this.entries.length} routes`, this.scope);
    }
    this.defaultAuth = auth;
  }

  /** The routes in the order they were added. */
  public get routes(): readonly TableRoute[] {
    return this.entries;
  }

  /** Checks and records a route; returns it for the backend to render. */
  public add(prop: string, routeKey: string, options: RouteOptions): TableRoute {
    const { scope } = this;
    const { kind } = this.props;
    const route = parseRouteKey(scope, prop, routeKey);
    if (kind === ApiKind.REST) checkRestPathSegments(scope, prop, route);
    this.registry.add(prop, route);
    const auth = options.auth ?? this.defaultAuth ?? this.props.defaultAuth;
    if (!auth) {
      throw new ApiPatternsError(
        'RouteUnauthorized',
        `${prop} has no authorization: set auth on the route, defaultAuth on the API, or auth: ApiAuth.none() to serve it without authorization. Got: ${describeValue(route.key)}`,
        scope,
      );
    }
    if (options.timeout) validateIntegrationTimeout(scope, `${prop}.timeout`, options.timeout, kind);
    if (options.requestSchema !== undefined) {
      requireFeature(scope, kind, ApiFeature.REQUEST_VALIDATION, prop);
      validateRequestSchema(scope, `${prop}.requestSchema`, options.requestSchema);
    }
    if (options.apiKeyRequired) requireFeature(scope, kind, ApiFeature.API_KEYS, prop);
    if (options.throttle) validateRouteThrottle(scope, `${prop}.throttle`, options.throttle);
    const cache = this.effectiveCache(route, options);
    if (cache) this.checkCache(options.cache ? `${prop}.cache` : `${prop} (cached by profile.caching.defaultTtl)`, route, cache, auth);
    const entry: TableRoute = { prop, route, options, auth, cache };
    this.entries.push(entry);
    return entry;
  }

  /**
   * The route's own cache, or the stage's default: API Gateway caches GET methods of a caching
   * stage with its default TTL, so such a route is keyed like any cached route (path parameters and
   * the caller's identity), and fails like one when the caller cannot be part of the key.
   */
  private effectiveCache(route: ParsedRouteKey, options: RouteOptions): RouteCacheOptions | undefined {
    if (options.cache) return options.cache;
    const stageTtl = this.props.profile.caching?.defaultTtl;
    if (this.props.kind !== ApiKind.REST || !stageTtl || stageTtl.toSeconds() === 0 || !CACHEABLE_METHODS.includes(route.method)) return undefined;
    return { ttl: stageTtl };
  }

  private checkCache(prop: string, route: ParsedRouteKey, cache: RouteCacheOptions, auth: Authorization): void {
    const { scope } = this;
    requireFeature(scope, this.props.kind, ApiFeature.ROUTE_CACHE, prop);
    validateCacheTtl(scope, `${prop}.ttl`, cache.ttl);
    if (!CACHEABLE_METHODS.includes(route.method)) {
      throw new ApiPatternsError(
        'RouteCacheMethodInvalid',
        `${prop} is allowed only on GET and HEAD routes: a cached ${route.method} would answer writes from the cache. Got: ${describeValue(route.key)}`,
        scope,
      );
    }
    validateCacheKeyParameters(scope, `${prop}.keyParameters`, cache.keyParameters ?? []);
    if (!auth.isPublic && !auth._restIdentityCacheKeys().complete && !cache.keyParameters?.length) {
      throw new ApiPatternsError(
        'RouteCacheKeyMissing',
        `${prop} needs keyParameters: the route is authorized by ${auth.description}, whose ${auth.kindName === 'ApiAuth.iam' ? 'signatures' : 'context or stage-variable sources'} cannot be part of a cache key, ` +
          `so every caller would get the first caller's cached answer. Name the request values that identify the caller (e.g. ['method.request.header.X-Tenant-Id']), or do not cache. Got: ${describeValue(route.key)}`,
        scope,
      );
    }
    if (!this.props.profile.caching) {
      throw new ApiPatternsError(
        'RouteCacheWithoutStageCache',
        `${prop} needs a stage cache: set caching on the stage profile ${describeValue(this.props.profile.stageName)}. Got: ttl ${cache.ttl.toSeconds()} s`,
        scope,
      );
    }
  }
}

/** What a literal path segment of a REST API may hold (API Gateway refuses other characters at deploy). */
const REST_LITERAL_SEGMENT = /^[A-Za-z0-9:._$,-]+$/;

/** Fails on a literal path segment REST APIs do not accept (HTTP APIs accept more). */
function checkRestPathSegments(scope: IConstruct, prop: string, route: ParsedRouteKey): void {
  const bad = route.segments.find((segment) => !segment.startsWith('{') && !REST_LITERAL_SEGMENT.test(segment));
  if (bad === undefined) return;
  throw new ApiPatternsError(
    'RouteKeyInvalid',
    `${prop} has a path segment ${describeValue(bad)} that REST APIs refuse: use letters, digits and ':', '.', '_', '$', ',' or '-'. Got: ${describeValue(route.key)}`,
    scope,
  );
}

/** A route's throttle: whole numbers, 0 or more (API Gateway takes no fractional route limits here). */
export function validateRouteThrottle(scope: IConstruct, prop: string, throttle: RouteThrottleOptions): void {
  validateIntegerRange(scope, 'RouteThrottleInvalid', `${prop}.rateLimit`, throttle.rateLimit, 0, Number.MAX_SAFE_INTEGER);
  validateIntegerRange(scope, 'RouteThrottleInvalid', `${prop}.burstLimit`, throttle.burstLimit, 0, Number.MAX_SAFE_INTEGER);
}
