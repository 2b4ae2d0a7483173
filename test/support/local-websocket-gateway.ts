/**
 * A local stand-in for an API Gateway WebSocket API, for end-to-end tests and benchmarks of the
 * real handlers with real WebSocket clients. On 127.0.0.1 (random port) it does what API Gateway
 * does for a WebSocket API with route selection `$request.body.<routeSelectionKey>`:
 *
 * - upgrade: runs the `$connect` REQUEST authorizer with an API Gateway-shaped event (query string,
 *   headers, `methodArn`). Throwing `Error('Unauthorized')` refuses with 401, any other throw with
 *   500, a policy that does not allow the `methodArn` with 403. Then runs `$connect`; a non-2xx
 *   answer (or a throw) refuses the upgrade with that status (500);
 * - messages: over `maxMessageBytes` (128 KB) closes the socket with 1009, like API Gateway;
 *   otherwise selects the route by the JSON body's `action` (unknown action, no action, or a body
 *   that is not JSON → `$default`), invokes it with an API Gateway-shaped event (including the
 *   authorizer context) and sends the returned `body` back on the socket (a two-way route
 *   response). A handler that throws is answered `{"message":"Internal server error",...}`;
 * - close: runs `$disconnect` (with `disconnectStatusCode` and `disconnectReason`);
 * - management API on the same port: `POST|GET|DELETE /{stage}/@connections/{id}`, the endpoint for
 *   `CALLBACK_URL`. Requests must be SigV4-signed for `execute-api` with the credentials of this
 *   process's environment (403 `InvalidSignatureException` otherwise; `verifySignatures: false`
 *   skips the check). A post to a connection that is not open answers 410 Gone.
 *
 * Test-only additions: the 101 response carries the connection id in the `x-connection-id` header,
 * and `dropConnection()` cuts a socket without running `$disconnect` (API Gateway runs
 * `$disconnect` on a best-effort basis; this simulates a client that vanished unnoticed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { RawData, WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type {
  AuthorizerContext,
  WebSocketAuthorizerEvent,
  WebSocketEvent,
  WebSocketRequestContext,
} from '../../lambda/websocket/lib/events';
import type { WebSocketResult } from '../../lambda/websocket/lib/responses';
import { connectionsSignatureProblem, parseConnectionsRequest, readBody, sendApiError } from './connections-endpoint';

/** A route integration: any function with a Lambda WebSocket handler's signature. */
export type LocalRouteHandler = (event: WebSocketEvent) => Promise<WebSocketResult | void>;
export type LocalAuthorizer = (event: WebSocketAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface LocalWebSocketGatewayOptions {
  /** Default `local`. */
  readonly stage?: string;
  /** Default `localapi`. */
  readonly apiId?: string;
  /** The `$connect` authorizer; none means the API is open. */
  readonly authorizer?: LocalAuthorizer;
  /** Route key → handler: `$connect`, `$disconnect`, `$default` and custom routes. More via `addRoute`. */
  readonly routes?: Record<string, LocalRouteHandler>;
  /** The body property that selects the route. Default `action`. */
  readonly routeSelectionKey?: string;
  /** Largest accepted message. Default 131072 (API Gateway's 128 KB). */
  readonly maxMessageBytes?: number;
  /**
   * Check the SigV4 signature of management API requests, as API Gateway does. Default true. The
   * fan-out benchmark turns it off: the check runs in the gateway's process, whose CPU stands in for
   * API Gateway's and should not be taken from the functions under test.
   */
  readonly verifySignatures?: boolean;
}

export interface LocalWebSocketGateway {
  /** `ws://127.0.0.1:<port>/<stage>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/<stage>`: the management API endpoint, for `CALLBACK_URL`. */
  readonly callbackUrl: string;
  addRoute(routeKey: string, handler: LocalRouteHandler): void;
  /** Sets (or replaces) the `$connect` authorizer, for integrations that start after the gateway. */
  setAuthorizer(authorizer: LocalAuthorizer): void;
  /** Ids of the open connections. */
  connectionIds(): string[];
  /** Cuts the connection without running `$disconnect`. */
  dropConnection(connectionId: string): void;
  /** Resolves when no handler invocation is in flight (e.g. after a close, for its `$disconnect`). */
  idle(): Promise<void>;
  /** Cuts all connections (without `$disconnect`) and stops the server. */
  close(): Promise<void>;
}

/** The header of the 101 response that tells test clients their connection id. */
export const CONNECTION_ID_HEADER = 'x-connection-id';

const REGION = 'us-east-1';
const ACCOUNT_ID = '123456789012';

interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  readonly connectedAt: number;
  readonly authorizer?: AuthorizerContext;
  readonly sourceIp: string;
  /** Set by `dropConnection`: closing must not run `$disconnect`. */
  silent: boolean;
}

export async function startLocalWebSocketGateway(
  options: LocalWebSocketGatewayOptions = {},
): Promise<LocalWebSocketGateway> {
  const stage = options.stage ?? 'local';
  const apiId = options.apiId ?? 'localapi';
  const routeSelectionKey = options.routeSelectionKey ?? 'action';
  const maxMessageBytes = options.maxMessageBytes ?? 128 * 1024;
  const verifySignatures = options.verifySignatures ?? true;
  const routes = new Map<string, LocalRouteHandler>(Object.entries(options.routes ?? {}));
  let authorizer = options.authorizer;
  const connections = new Map<string, Connection>();
  const inFlight = new Set<Promise<unknown>>();
  const pendingIds = new WeakMap<IncomingMessage, string>();

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  const server = createServer((req, res) => {
    void handleManagementRequest(req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  wss.on('headers', (headers, req) => {
    headers.push(`${CONNECTION_ID_HEADER}: ${pendingIds.get(req)}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const domainName = `127.0.0.1:${port}`;

  const requestContext = (
    connectionId: string,
    routeKey: string,
    eventType: WebSocketRequestContext['eventType'],
    connectedAt: number,
    authorizer?: AuthorizerContext,
  ): WebSocketRequestContext => {
    const now = Date.now();
    // API Gateway sends a messageId with MESSAGE events only, although @types/aws-lambda requires it.
    return {
      routeKey,
      eventType,
      ...(eventType === 'MESSAGE' ? { messageId: randomBytes(8).toString('base64url') } : {}),
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage,
      connectedAt,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      domainName,
      connectionId,
      apiId,
      ...(authorizer ? { authorizer } : {}),
    } as WebSocketRequestContext;
  };

  // ---- $connect: authorizer, then the $connect route, then the WebSocket handshake -----------------
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void track(upgrade(req, socket, head));
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${domainName}`);
    if (url.pathname.replace(/\/+$/, '') !== `/${stage}`) {
      return refuse(socket, 404, 'Not Found');
    }
    const connectionId = `${randomBytes(9).toString('base64')}=`;
    const connectedAt = Date.now();
    const query = queryParameters(url);
    const headers = headerParameters(req);

    let authorizerContext: AuthorizerContext | undefined;
    if (authorizer) {
      const started = Date.now();
      let result: APIGatewayAuthorizerResult;
      try {
        result = await authorizer({
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${apiId}/${stage}/$connect`,
          ...headers,
          ...query,
          stageVariables: {},
          requestContext: requestContext(connectionId, '$connect', 'CONNECT', connectedAt),
        });
      } catch (err) {
        return (err as Error)?.message === 'Unauthorized'
          ? refuse(socket, 401, 'Unauthorized')
          : refuse(socket, 500, 'Internal Server Error');
      }
      const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${apiId}/${stage}/$connect`;
      if (!allows(result, methodArn)) {
        return refuse(socket, 403, 'Forbidden');
      }
      authorizerContext = {
        ...(result.context as Record<string, string> | undefined),
        principalId: result.principalId,
        integrationLatency: Date.now() - started,
      };
    }

    const connect = routes.get('$connect');
    if (connect) {
      let status: number;
      try {
        const answer = await connect({
          requestContext: requestContext(connectionId, '$connect', 'CONNECT', connectedAt, authorizerContext),
          isBase64Encoded: false,
          ...query,
          ...headers,
        } as WebSocketEvent);
        status = answer?.statusCode ?? 200;
      } catch {
        status = 500;
      }
      if (status < 200 || status > 299) {
        return refuse(socket, status, 'Connection refused');
      }
    }

    if (socket.destroyed) {
      // The client left while $connect ran; API Gateway would run $disconnect.
      await invokeDisconnect(connectionId, connectedAt, authorizerContext, 1006, 'Client left during $connect');
      return;
    }
    pendingIds.set(req, connectionId);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        id: connectionId,
        socket: ws,
        connectedAt,
        authorizer: authorizerContext,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        silent: false,
      };
      connections.set(connectionId, connection);
      ws.on('message', (data, isBinary) => {
        void track(onMessage(connection, data, isBinary));
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', (code, reason) => {
        connections.delete(connectionId);
        if (!connection.silent) {
          void track(invokeDisconnect(connectionId, connectedAt, authorizerContext, code, reason.toString()));
        }
      });
    });
  }

  // ---- messages ------------------------------------------------------------------------------------
  async function onMessage(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const body = isBinary ? bytes.toString('base64') : bytes.toString('utf8');
    const routeKey = selectRoute(isBinary ? undefined : body);
    const handler = routes.get(routeKey);
    const context = requestContext(connection.id, routeKey, 'MESSAGE', connection.connectedAt, connection.authorizer);
    let answer: string | undefined;
    if (!handler) {
      answer = JSON.stringify({ message: 'Forbidden', connectionId: connection.id, requestId: context.requestId });
    } else {
      try {
        const result = await handler({ requestContext: context, body, isBase64Encoded: isBinary });
        answer = result?.body;
      } catch {
        answer = JSON.stringify({
          message: 'Internal server error',
          connectionId: connection.id,
          requestId: context.requestId,
        });
      }
    }
    if (answer !== undefined && connection.socket.readyState === connection.socket.OPEN) {
      connection.socket.send(answer);
    }
  }

  function selectRoute(body: string | undefined): string {
    if (body === undefined) {
      return '$default';
    }
    try {
      const parsed: unknown = JSON.parse(body);
      const key = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[routeSelectionKey] : undefined;
      if (typeof key === 'string' && !key.startsWith('$') && routes.has(key)) {
        return key;
      }
    } catch {
      // Not JSON: $default.
    }
    return '$default';
  }

  async function invokeDisconnect(
    connectionId: string,
    connectedAt: number,
    authorizer: AuthorizerContext | undefined,
    code: number,
    reason: string,
  ): Promise<void> {
    const disconnect = routes.get('$disconnect');
    if (!disconnect) {
      return;
    }
    const context = {
      ...requestContext(connectionId, '$disconnect', 'DISCONNECT', connectedAt, authorizer),
      disconnectStatusCode: code,
      disconnectReason: reason,
    };
    try {
      await disconnect({ requestContext: context, isBase64Encoded: false });
    } catch {
      // API Gateway ignores $disconnect failures.
    }
  }

  // ---- management API ------------------------------------------------------------------------------
  async function handleManagementRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseConnectionsRequest(req.method, req.url);
    if (!request) {
      return sendApiError(res, 404, 'NotFoundException', 'Not found');
    }
    const body = await readBody(req, maxMessageBytes);
    if (body === undefined) {
      return sendApiError(res, 413, 'PayloadTooLargeException', 'Message too long');
    }
    const signatureProblem = verifySignatures ? await connectionsSignatureProblem(req, body) : undefined;
    if (signatureProblem) {
      return sendApiError(res, 403, 'InvalidSignatureException', signatureProblem);
    }
    const connection = connections.get(request.connectionId);
    const open = connection !== undefined && connection.socket.readyState === connection.socket.OPEN;
    if (request.method === 'POST') {
      if (!open) {
        return sendApiError(res, 410, 'GoneException', 'Gone');
      }
      // A text frame, like API Gateway sends for a post (the bytes as posted, without re-encoding).
      connection.socket.send(body, { binary: false });
      res.writeHead(200).end();
    } else if (!open) {
      sendApiError(res, 410, 'GoneException', 'Gone');
    } else if (request.method === 'DELETE') {
      connection.socket.close(1000, 'Closed by the server');
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          connectedAt: new Date(connection.connectedAt).toISOString(),
          identity: { sourceIp: connection.sourceIp },
          lastActiveAt: new Date().toISOString(),
        }),
      );
    }
  }

  return {
    url: `ws://${domainName}/${stage}`,
    callbackUrl: `http://${domainName}/${stage}`,
    addRoute: (routeKey, handler) => {
      routes.set(routeKey, handler);
    },
    setAuthorizer: (handler) => {
      authorizer = handler;
    },
    connectionIds: () => [...connections.keys()],
    dropConnection: (connectionId) => {
      const connection = connections.get(connectionId);
      if (connection) {
        connection.silent = true;
        connections.delete(connectionId);
        connection.socket.terminate();
      }
    },
    idle: async () => {
      while (inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
      }
    },
    close: async () => {
      for (const connection of connections.values()) {
        connection.silent = true;
        connection.socket.terminate();
      }
      connections.clear();
      await Promise.allSettled([...inFlight]);
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** API Gateway's single-value (last wins) and multi-value query string parameters. */
function queryParameters(url: URL): Pick<WebSocketAuthorizerEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    (multi[name] ??= []).push(value);
  }
  const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values[values.length - 1]]));
  return Object.keys(multi).length === 0
    ? {}
    : { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

function headerParameters(req: IncomingMessage): Pick<WebSocketAuthorizerEvent, 'headers' | 'multiValueHeaders'> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

/** True when the policy has an Allow for `methodArn` (or a wildcard) and no Deny. */
function allows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  const matches = (statement: (typeof statements)[number]): boolean => {
    const resources = 'Resource' in statement ? [statement.Resource].flat() : [];
    return resources.some((resource) => {
      const pattern = new RegExp(`^${String(resource).split('*').map(escapeRegExp).join('.*')}$`);
      return pattern.test(methodArn);
    });
  };
  return (
    statements.some((s) => s.Effect === 'Allow' && matches(s)) &&
    !statements.some((s) => s.Effect === 'Deny' && matches(s))
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function refuse(socket: Duplex, status: number, message: string): void {
  if (!socket.destroyed) {
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}
