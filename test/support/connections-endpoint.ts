/**
 * A loopback stand-in for API Gateway's management API (`@connections`), for handler tests that
 * publish through the handlers' `ConnectionsApi` (or the SDK's `ApiGatewayManagementApiClient`).
 *
 * `POST {url}/@connections/{id}` checks the SigV4 signature like API Gateway does (403
 * `InvalidSignatureException` when it does not match the credentials in the environment), then
 * answers 200 and records the post, 410 Gone for ids marked gone, and 500 for ids marked failing —
 * with the `x-amzn-ErrorType` header API Gateway sends, so clients see the same error types as in
 * AWS — or never answers posts to ids marked stalled (a stuck subscriber). Point `CALLBACK_URL` at `url`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sigV4Problem } from './sigv4-verifier';

export interface ConnectionsRequest {
  readonly method: 'POST' | 'GET' | 'DELETE';
  readonly connectionId: string;
}

/**
 * Parses `/[stage/]@connections/{id}` (the SDK appends `/@connections/{id}` to the endpoint's
 * path, so the stage of `CALLBACK_URL` comes first). Undefined for any other request.
 */
export function parseConnectionsRequest(method: string | undefined, url: string | undefined): ConnectionsRequest | undefined {
  const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)\/?(?:\?.*)?$/.exec(url ?? '');
  if (!match || (method !== 'POST' && method !== 'GET' && method !== 'DELETE')) {
    return undefined;
  }
  return { method, connectionId: decodeURIComponent(match[1]) };
}

/** The region the loopback endpoints expect requests to be signed for (the tests' `AWS_REGION`). */
export const SIGNING_REGION = 'us-east-1';

/**
 * Why the request's SigV4 signature would be refused by API Gateway's management API, or undefined
 * when it is valid for the credentials of this process's environment (`AWS_ACCESS_KEY_ID`, ...).
 */
export function connectionsSignatureProblem(req: IncomingMessage, body: Uint8Array): Promise<string | undefined> {
  return sigV4Problem(
    { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body },
    {
      region: SIGNING_REGION,
      service: 'execute-api',
      secretFor: (accessKeyId) => (accessKeyId === process.env.AWS_ACCESS_KEY_ID ? process.env.AWS_SECRET_ACCESS_KEY : undefined),
    },
  );
}

/** Writes an API Gateway-style error: status, `x-amzn-ErrorType` and `{ "message": ... }`. */
export function sendApiError(res: ServerResponse, status: number, errorType: string, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': errorType })
    .end(JSON.stringify({ message }));
}

/**
 * Reads a request body up to `limit` bytes; undefined when it is longer. Event-based rather than
 * `for await`, which costs an async iterator and several promises per request: the local gateway
 * stands in for API Gateway, whose work should not eat into the CPU the functions under test get.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLong = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLong = true;
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => resolve(tooLong ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export interface ConnectionsPost {
  readonly connectionId: string;
  readonly body: string;
}

export interface FakeConnectionsEndpoint {
  /** `http://127.0.0.1:<port>/<stage>`: the value for `CALLBACK_URL`. */
  readonly url: string;
  /** Posts answered 200, in arrival order. */
  readonly posts: ConnectionsPost[];
  /** Every POST received, including retries and errors, by connection id. */
  attempts(connectionId: string): number;
  /** Answer 410 Gone for these ids from now on. */
  markGone(...connectionIds: string[]): void;
  /** Posts refused for their signature, with the reason. */
  readonly rejectedSignatures: string[];
  /** Answer 500 for these ids from now on. */
  markFailing(...connectionIds: string[]): void;
  /** Never answer posts to these ids (until `reset` or `close`, which drop the waiting requests). */
  markStalled(...connectionIds: string[]): void;
  /** Answer the next `count` posts to these ids with `status` (e.g. 429), then accept them again. */
  failNext(status: number, errorType: string, count: number, ...connectionIds: string[]): void;
  /** Forget posts, attempts and marks. */
  reset(): void;
  close(): Promise<void>;
}

export async function startConnectionsEndpoint(stage = 'test'): Promise<FakeConnectionsEndpoint> {
  const posts: ConnectionsPost[] = [];
  const attempts = new Map<string, number>();
  const gone = new Set<string>();
  const failing = new Set<string>();
  const stalled = new Set<string>();
  const held = new Set<ServerResponse>();
  const rejectedSignatures: string[] = [];
  const failures = new Map<string, { status: number; errorType: string; remaining: number }>();

  const server = createServer((req, res) => {
    void (async () => {
      const request = parseConnectionsRequest(req.method, req.url);
      if (!request || request.method !== 'POST') {
        sendApiError(res, 404, 'NotFoundException', 'Not found');
        return;
      }
      const { connectionId } = request;
      attempts.set(connectionId, (attempts.get(connectionId) ?? 0) + 1);
      const body = await readBody(req, 128 * 1024);
      if (body === undefined) {
        sendApiError(res, 413, 'PayloadTooLargeException', 'Message too long');
        return;
      }
      const signatureProblem = await connectionsSignatureProblem(req, body);
      const failure = failures.get(connectionId);
      if (signatureProblem) {
        rejectedSignatures.push(signatureProblem);
        sendApiError(res, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
      } else if (failure && failure.remaining > 0) {
        failure.remaining -= 1;
        sendApiError(res, failure.status, failure.errorType, 'Injected failure');
      } else if (stalled.has(connectionId)) {
        held.add(res);
        res.once('close', () => held.delete(res));
      } else if (gone.has(connectionId)) {
        sendApiError(res, 410, 'GoneException', 'Gone');
      } else if (failing.has(connectionId)) {
        sendApiError(res, 500, 'InternalServerErrorException', 'Internal server error');
      } else {
        posts.push({ connectionId, body: body.toString('utf8') });
        res.writeHead(200).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${stage}`,
    posts,
    rejectedSignatures,
    attempts: (connectionId) => attempts.get(connectionId) ?? 0,
    markGone: (...ids) => ids.forEach((id) => gone.add(id)),
    markFailing: (...ids) => ids.forEach((id) => failing.add(id)),
    markStalled: (...ids) => ids.forEach((id) => stalled.add(id)),
    failNext: (status, errorType, count, ...ids) => ids.forEach((id) => failures.set(id, { status, errorType, remaining: count })),
    reset: () => {
      posts.length = 0;
      rejectedSignatures.length = 0;
      failures.clear();
      attempts.clear();
      gone.clear();
      failing.clear();
      stalled.clear();
      held.forEach((res) => res.destroy());
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
