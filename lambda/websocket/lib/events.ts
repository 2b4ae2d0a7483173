/**
 * The event shapes API Gateway sends to the WebSocket handlers. `@types/aws-lambda` types the
 * WebSocket event without the Lambda authorizer's context and has no WebSocket REQUEST authorizer
 * event, so they are completed here.
 */
import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
} from 'aws-lambda';

/**
 * What the WebSocket authorizer puts in its policy's `context`. API Gateway adds it (plus
 * `principalId` and `integrationLatency`) to `requestContext.authorizer` of every event of the
 * connection: `$connect`, each message, and `$disconnect`. Values are strings: the context only
 * holds strings, numbers and booleans.
 */
export interface AuthorizerContext {
  readonly principalId?: string;
  /** The token's subject. */
  readonly sub?: string;
  /** The token's scopes, space-separated. */
  readonly scope?: string;
  readonly integrationLatency?: number;
}

export interface WebSocketRequestContext extends APIGatewayEventWebsocketRequestContextV2 {
  /** Present when the `$connect` route has an authorizer. */
  readonly authorizer?: AuthorizerContext;
}

/** The event of a `$connect`, `$disconnect`, `$default` or custom route. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<WebSocketRequestContext>;

/** The event of a Lambda REQUEST authorizer on a WebSocket API's `$connect` route. */
export interface WebSocketAuthorizerEvent {
  readonly type: 'REQUEST';
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect` */
  readonly methodArn: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly multiValueHeaders?: Record<string, string[] | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  readonly stageVariables?: Record<string, string | undefined> | null;
  readonly requestContext: Partial<APIGatewayEventWebsocketRequestContextV2> & {
    readonly connectionId: string;
    readonly routeKey: string;
  };
}
