import { Duration } from 'aws-cdk-lib';

/**
 * The limits API Gateway enforces, from its quotas pages (see shared FACTS in the docs).
 * When AWS changes a number, change it here; every validation reads from this object.
 */
export const API_GATEWAY_LIMITS = {
  /** Stage names: letters, digits, `-` and `_`, at most 128 characters. */
  stageNamePattern: /^[A-Za-z0-9_-]{1,128}$/,
  stageNameMaxLength: 128,
  /** Account-level steady-state throttle per Region. */
  accountRateLimit: 10_000,
  /** Account-level burst per Region. */
  accountBurstLimit: 5_000,
  /** REST API cache TTL range, seconds. */
  cacheTtlMinSeconds: 0,
  cacheTtlMaxSeconds: 3600,
  /** The only cache cluster sizes API Gateway accepts, in GB. */
  cacheClusterSizes: ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237'] as readonly string[],
  /** Integration timeout bounds per API kind. */
  integrationTimeoutMin: Duration.millis(50),
  restIntegrationTimeoutMax: Duration.seconds(29),
  httpIntegrationTimeoutMax: Duration.seconds(30),
  webSocketIntegrationTimeoutMax: Duration.seconds(29),
  /** REST API: resources and authorizers per API. */
  restResourcesPerApi: 300,
  authorizersPerApi: 10,
  /** WebSocket message and frame sizes, bytes. */
  webSocketMessageBytes: 128 * 1024,
  webSocketFrameBytes: 32 * 1024,
  /** The longest API mapping key (base path) of a custom domain. */
  apiMappingKeyMaxLength: 300,
  /** Lambda authorizer result cache TTL, seconds. */
  authorizerCacheTtlMaxSeconds: 3600,
} as const;
