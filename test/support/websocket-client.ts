/**
 * A WebSocket test client (`ws`) with an inbox: frames are parsed as JSON and queued, and tests
 * wait for the next frame that matches a predicate, with a timeout so nothing hangs.
 */
import WebSocket from 'ws';
import { CONNECTION_ID_HEADER } from './local-websocket-gateway';

export type Frame = Record<string, unknown>;

export interface TestClient {
  readonly socket: WebSocket;
  /** The connection id API Gateway assigned (from the local gateway's test header). */
  readonly connectionId: string;
  /** Frames received and not yet taken by `next`/`request`, in arrival order. */
  readonly inbox: Frame[];
  /** Sends an object as JSON, or a string as is. */
  send(message: unknown): void;
  /** Takes the first frame (buffered or future) that matches, or rejects after `timeoutMs`. */
  next(predicate?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Sends `message` and resolves with the route's answer (the next frame that is not a channel message). */
  request(message: unknown, timeoutMs?: number): Promise<Frame>;
  /** Resolves with the close code once the socket is closed. */
  closed(): Promise<number>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly token?: string;
  readonly timeoutMs?: number;
  /** Called with each frame's receipt time (`performance.now()`) before parsing, e.g. for latency. */
  readonly onRawFrame?: (data: WebSocket.RawData, receivedAt: number) => void;
}

/** Connects to `url` (adding `?token=`); rejects with `RefusedError` when the upgrade is refused. */
export async function connectClient(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const target = options.token === undefined ? url : `${url}?token=${encodeURIComponent(options.token)}`;
  const socket = new WebSocket(target, { handshakeTimeout: options.timeoutMs ?? 10_000 });
  const inbox: Frame[] = [];
  const waiters = new Set<{ predicate: (frame: Frame) => boolean; resolve: (frame: Frame) => void }>();
  let closeCode: number | undefined;
  const closeListeners: ((code: number) => void)[] = [];

  const connectionId = await new Promise<string>((resolve, reject) => {
    let id = '';
    socket.once('upgrade', (res) => {
      id = String(res.headers[CONNECTION_ID_HEADER] ?? '');
    });
    socket.once('open', () => resolve(id));
    socket.once('unexpected-response', (_req, res) => {
      reject(new RefusedError(res.statusCode ?? 0));
      res.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });

  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    options.onRawFrame?.(data, performance.now());
    const frame = JSON.parse(data.toString()) as Frame;
    for (const waiter of waiters) {
      if (waiter.predicate(frame)) {
        waiters.delete(waiter);
        waiter.resolve(frame);
        return;
      }
    }
    inbox.push(frame);
  });
  socket.on('close', (code) => {
    closeCode = code;
    closeListeners.splice(0).forEach((listener) => listener(code));
  });

  const next = (predicate: (frame: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> => {
    const index = inbox.findIndex(predicate);
    if (index >= 0) {
      return Promise.resolve(inbox.splice(index, 1)[0]);
    }
    return new Promise<Frame>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`No matching frame within ${timeoutMs} ms (connection ${connectionId})`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));

  return {
    socket,
    connectionId,
    inbox,
    send,
    next,
    request: (message, timeoutMs) => {
      const answer = next((frame) => frame.type !== 'message', timeoutMs);
      send(message);
      return answer;
    },
    closed: () =>
      closeCode !== undefined ? Promise.resolve(closeCode) : new Promise<number>((resolve) => closeListeners.push(resolve)),
    close: async () => {
      if (closeCode === undefined) {
        const done = new Promise<number>((resolve) => closeListeners.push(resolve));
        socket.close(1000);
        await done;
      }
    },
  };
}

/** The server refused the WebSocket upgrade with an HTTP status. */
export class RefusedError extends Error {
  constructor(public readonly statusCode: number) {
    super(`WebSocket upgrade refused with HTTP ${statusCode}`);
    this.name = 'RefusedError';
  }
}
