/**
 * What the handlers answer. Every route has a route response (two-way communication), and with a
 * Lambda proxy integration API Gateway sends the returned `body` to the caller's socket as is, so
 * these helpers define the wire format the client sees. `statusCode` is for logs and for
 * `$connect`, where a non-2xx status refuses the connection.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A WebSocket route handler's result. */
export type WebSocketResult = APIGatewayProxyStructuredResultV2;

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_CHANNEL'
  | 'MESSAGE_TOO_LARGE'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'UNKNOWN_ROUTE'
  | 'INTERNAL';

/** `{ "type": "error", ... }` as sent to the caller. */
export interface ErrorAnswer {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** Route keys the caller can use; sent by `$default`. */
  readonly routes?: readonly string[];
}

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  INVALID_CHANNEL: 400,
  UNKNOWN_ROUTE: 400,
  TOO_MANY_SUBSCRIPTIONS: 400,
  MESSAGE_TOO_LARGE: 413,
  INTERNAL: 500,
};

/**
 * A problem with the caller's request. Throw it from a route's logic; `defineRoute` turns it into
 * an error answer (and never logs it as a server error).
 */
export class RequestError extends Error {
  public readonly code: Exclude<ErrorCode, 'INTERNAL'>;
  public readonly routes?: readonly string[];

  constructor(code: Exclude<ErrorCode, 'INTERNAL'>, message: string, options: { routes?: readonly string[] } = {}) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.routes = options.routes;
  }
}

/** A 200 answer whose body is `payload` as JSON. */
export function ok(payload: object): WebSocketResult {
  return { statusCode: 200, body: JSON.stringify(payload) };
}

/** An error answer: `{ type: 'error', code, message, routes? }` with a matching status code. */
export function errorAnswer(code: ErrorCode, message: string, routes?: readonly string[]): WebSocketResult {
  const answer: ErrorAnswer = routes === undefined ? { type: 'error', code, message } : { type: 'error', code, message, routes };
  return { statusCode: STATUS_BY_CODE[code], body: JSON.stringify(answer) };
}

/** The answer for a `RequestError`. */
export function requestErrorAnswer(error: RequestError): WebSocketResult {
  return errorAnswer(error.code, error.message, error.routes);
}

/** The answer for anything unexpected; the details stay in the logs. */
export function internalErrorAnswer(): WebSocketResult {
  return errorAnswer('INTERNAL', 'The request could not be processed; try again later');
}
