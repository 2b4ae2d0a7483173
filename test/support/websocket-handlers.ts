/**
 * Shared set-up of the WebSocket handler tests: environment for the handlers, and events shaped
 * like API Gateway's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthorizerContext, WebSocketEvent } from '../../lambda/websocket/lib/events';

export const TABLE_NAME = 'connections';
export const CHANNEL_INDEX = 'byChannel';
export const ROUTES = ['subscribe', 'unsubscribe', 'publish'];

/** Sets the variables the construct sets, quiet Powertools, and the given callback URL. */
export function setHandlerEnvironment(callbackUrl: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    CONNECTIONS_TABLE_NAME: TABLE_NAME,
    CHANNEL_INDEX_NAME: CHANNEL_INDEX,
    CALLBACK_URL: callbackUrl,
    AVAILABLE_ROUTES: ROUTES.join(','),
    FANOUT_CONCURRENCY: '4',
    POWERTOOLS_SERVICE_NAME: 'realtime-test',
    POWERTOOLS_METRICS_NAMESPACE: 'RealtimeTest',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...extra,
  });
}

/** A connection id in API Gateway's format. */
export function newConnectionId(): string {
  return `${randomBytes(9).toString('base64')}=`;
}

export interface EventOptions {
  readonly connectionId: string;
  readonly routeKey?: string;
  /** A string is sent as is; anything else is serialized to JSON. */
  readonly body?: unknown;
  readonly authorizer?: AuthorizerContext;
}

/** An API Gateway WebSocket event (payload of a Lambda proxy integration). */
export function wsEvent(options: EventOptions): WebSocketEvent {
  const routeKey = options.routeKey ?? '$default';
  const eventType = routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE';
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      eventType,
      messageId: randomUUID(),
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: 'test',
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      connectionId: options.connectionId,
      apiId: 'abc123',
      authorizer: options.authorizer ?? { principalId: 'user-1', sub: 'user-1', scope: 'chat' },
    },
    body:
      options.body === undefined || typeof options.body === 'string' ? (options.body as string | undefined) : JSON.stringify(options.body),
    isBase64Encoded: false,
  };
}

/** The parsed `body` of a handler's answer. */
export function answerOf(result: { body?: string } | undefined): Record<string, unknown> {
  return JSON.parse(result?.body ?? 'null') as Record<string, unknown>;
}
