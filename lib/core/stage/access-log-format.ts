import { ApiKind } from '../api-base/api-kind';

/** The JSON access-log fields each kind of API logs, one `$context` variable per field. */
const COMMON_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  status: '$context.status',
  authorizerError: '$context.authorizer.error',
};

const FIELDS: Record<ApiKind, Record<string, string>> = {
  [ApiKind.REST]: {
    ...COMMON_FIELDS,
    extendedRequestId: '$context.extendedRequestId',
    httpMethod: '$context.httpMethod',
    resourcePath: '$context.resourcePath',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integration.status',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integration.error',
    wafStatus: '$context.waf.status',
    xrayTraceId: '$context.xrayTraceId',
    apiKeyId: '$context.identity.apiKeyId',
    user: '$context.authorizer.principalId',
  },
  [ApiKind.HTTP]: {
    ...COMMON_FIELDS,
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  },
  [ApiKind.WEBSOCKET]: {
    ...COMMON_FIELDS,
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    messageId: '$context.messageId',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integration.error',
  },
};

/** The names of the JSON fields an API kind logs, in order. */
export function accessLogFieldNames(kind: ApiKind): string[] {
  return Object.keys(FIELDS[kind]);
}

/**
 * The one-line JSON access-log format for an API kind (well under API Gateway's 3 KB limit).
 * Every value is quoted, so the format itself is valid JSON and a missing value (which API
 * Gateway writes as `-`) cannot break a line.
 */
export function accessLogFormat(kind: ApiKind): string {
  return JSON.stringify(FIELDS[kind]);
}
