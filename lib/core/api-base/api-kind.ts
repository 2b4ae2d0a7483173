/** The three kinds of API Gateway API; shared helpers switch on this. */
export enum ApiKind {
  /** API Gateway REST API (v1). */
  REST = 'REST',
  /** API Gateway HTTP API (v2). */
  HTTP = 'HTTP',
  /** API Gateway WebSocket API (v2). */
  WEBSOCKET = 'WEBSOCKET',
}
