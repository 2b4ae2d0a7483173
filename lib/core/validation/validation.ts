import { Token } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError, describeValue } from './errors';
import { API_GATEWAY_LIMITS as L } from './limits';

/**
 * Synth-time checks for every limit API Gateway enforces. Each helper takes the scope that owns
 * the prop, the prop's name as the user wrote it (`profile.stageName`), and the value; it skips
 * values that are unresolved tokens, which only CloudFormation can check.
 */

/** True when the value is (or contains) an unresolved CDK token. */
export function isUnresolved(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Stage names: letters, digits, `-`, `_`, 1 to 128 characters. */
export function validateStageName(scope: IConstruct, prop: string, value: string): void {
  if (isUnresolved(value)) return;
  if (!L.stageNamePattern.test(value)) {
    throw new ApiPatternsError(
      'StageNameInvalid',
      `${prop} must be 1 to ${L.stageNameMaxLength} characters of letters, digits, '-' and '_'. Got: ${describeValue(value)}`,
      scope,
    );
  }
}

/** Throttling: a rate (requests/s, may be fractional) and a burst (whole requests), neither negative. */
export function validateThrottle(
  scope: IConstruct,
  prop: string,
  throttle: { readonly rateLimit?: number; readonly burstLimit?: number },
): void {
  const { rateLimit, burstLimit } = throttle;
  if (rateLimit !== undefined && !isUnresolved(rateLimit) && (!Number.isFinite(rateLimit) || rateLimit < 0)) {
    throw new ApiPatternsError(
      'ThrottleRateInvalid',
      `${prop}.rateLimit must be a finite number of requests per second, 0 or more. Got: ${describeValue(rateLimit)}`,
      scope,
    );
  }
  if (burstLimit !== undefined && !isUnresolved(burstLimit) && (!Number.isInteger(burstLimit) || burstLimit < 0)) {
    throw new ApiPatternsError(
      'ThrottleBurstInvalid',
      `${prop}.burstLimit must be a whole number of requests, 0 or more. Got: ${describeValue(burstLimit)}`,
      scope,
    );
  }
}

/** Cache TTL: whole seconds from 0 to 3600 (0 turns caching off for that method). */
export function validateCacheTtl(scope: IConstruct, prop: string, ttl: Duration): void {
  if (ttl.isUnresolved()) return;
  const seconds = ttl.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < L.cacheTtlMinSeconds || seconds > L.cacheTtlMaxSeconds) {
    throw new ApiPatternsError(
      'CacheTtlOutOfRange',
      `${prop} must be whole seconds from ${L.cacheTtlMinSeconds} to ${L.cacheTtlMaxSeconds}. Got: ${seconds} s`,
      scope,
    );
  }
}

const CACHE_KEY_PARAMETER = /^method\.request\.(header|querystring|multivalueheader|multivaluequerystring|path)\.[A-Za-z0-9._$-]+$/;

/** REST cache key parameters: method request parameters, e.g. `method.request.querystring.page`. */
export function validateCacheKeyParameters(scope: IConstruct, prop: string, keys: string[]): void {
  for (const key of keys) {
    if (isUnresolved(key) || CACHE_KEY_PARAMETER.test(key)) continue;
    throw new ApiPatternsError(
      'CacheKeyParameterInvalid',
      `${prop} entries must be method request parameters such as 'method.request.querystring.page' or 'method.request.header.X-Tenant-Id'. Got: ${describeValue(key)}`,
      scope,
    );
  }
}

/** Cache cluster size: one of the sizes API Gateway offers. */
export function validateCacheClusterSize(scope: IConstruct, prop: string, size: string): void {
  if (isUnresolved(size)) return;
  if (!L.cacheClusterSizes.includes(size)) {
    throw new ApiPatternsError(
      'CacheClusterSizeInvalid',
      `${prop} must be one of ${L.cacheClusterSizes.join(', ')} (GB). Got: ${describeValue(size)}`,
      scope,
    );
  }
}

/** The largest integration timeout an API kind accepts. */
export function maxIntegrationTimeout(kind: ApiKind): Duration {
  switch (kind) {
    case ApiKind.REST:
      return L.restIntegrationTimeoutMax;
    case ApiKind.HTTP:
      return L.httpIntegrationTimeoutMax;
    case ApiKind.WEBSOCKET:
      return L.webSocketIntegrationTimeoutMax;
  }
}

/** Integration timeout: 50 ms up to 29 s (REST, WebSocket) or 30 s (HTTP). */
export function validateIntegrationTimeout(scope: IConstruct, prop: string, timeout: Duration, kind: ApiKind): void {
  if (timeout.isUnresolved()) return;
  const ms = timeout.toMilliseconds();
  const max = maxIntegrationTimeout(kind).toMilliseconds();
  const min = L.integrationTimeoutMin.toMilliseconds();
  if (ms < min || ms > max) {
    throw new ApiPatternsError(
      'IntegrationTimeoutOutOfRange',
      `${prop} must be from ${min} ms to ${max} ms for a ${kind} API. Got: ${ms} ms`,
      scope,
    );
  }
}

const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A custom domain name: lowercase DNS labels, at least two, at most 253 characters; `*.` wildcard allowed first. */
export function validateDomainName(scope: IConstruct, prop: string, domainName: string): void {
  if (isUnresolved(domainName)) return;
  const fail = (why: string): never => {
    throw new ApiPatternsError('DomainNameInvalid', `${prop} ${why}. Got: ${describeValue(domainName)}`, scope);
  };
  if (domainName !== domainName.toLowerCase()) fail('must not contain uppercase letters');
  if (domainName.length > 253) fail('must be at most 253 characters');
  const labels = domainName.split('.');
  if (labels.length < 2) fail('must have at least two labels (e.g. api.example.com)');
  labels.forEach((label, i) => {
    if (i === 0 && label === '*') return;
    if (!DOMAIN_LABEL.test(label)) {
      fail(`has an invalid label ${describeValue(label)}: use a-z, 0-9 and '-', not at either end, at most 63 characters`);
    }
  });
}

/** One segment of an API mapping key: the characters API Gateway accepts in a mapping path. */
const BASE_PATH_SEGMENT = "[A-Za-z0-9$_.+!*'()-]+";
const BASE_PATH = new RegExp(`^${BASE_PATH_SEGMENT}(/${BASE_PATH_SEGMENT})*$`);

/**
 * A base path (API mapping key): one or more path segments of letters, digits and `$-_.+!*'()`,
 * separated by `/`, with no leading or trailing `/`, at most 300 characters (API Gateway's limits
 * for API mappings).
 */
export function validateBasePath(scope: IConstruct, prop: string, basePath: string): void {
  if (isUnresolved(basePath)) return;
  if (!BASE_PATH.test(basePath) || basePath.length > L.apiMappingKeyMaxLength) {
    throw new ApiPatternsError(
      'BasePathInvalid',
      `${prop} must be at most ${L.apiMappingKeyMaxLength} characters of path segments made of letters, digits and $-_.+!*'(), separated by '/', with no leading or trailing '/'. Got: ${describeValue(basePath)}`,
      scope,
    );
  }
}

/** A whole number in an inclusive range. */
export function validateIntegerRange(
  scope: IConstruct,
  errorId: string,
  prop: string,
  value: number,
  min: number,
  max: number,
): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiPatternsError(errorId, `${prop} must be a whole number from ${min} to ${max}. Got: ${describeValue(value)}`, scope);
  }
}
