/**
 * ConnectionsApi against loopback HTTP servers: the `@connections` stand-in (which checks SigV4
 * signatures with the AWS SDK's signer, like API Gateway), and raw servers that cut or stall.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExpiringCredentials } from '../../../lambda/websocket/lib/connections-api';
import { ConnectionsApi, ConnectionsApiError } from '../../../lambda/websocket/lib/connections-api';
import { isGone } from '../../../lambda/websocket/lib/fanout';
import type { FakeConnectionsEndpoint } from '../../support/connections-endpoint';
import { SIGNING_REGION, startConnectionsEndpoint } from '../../support/connections-endpoint';

const CREDENTIALS = { accessKeyId: 'AKIDCONNECTIONS', secretAccessKey: 'connections-secret' };
let endpoint: FakeConnectionsEndpoint;
const clients: ConnectionsApi[] = [];

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  endpoint = await startConnectionsEndpoint('prod');
});

afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await endpoint.close();
});

beforeEach(() => endpoint.reset());

function client(options: Partial<ConstructorParameters<typeof ConnectionsApi>[0]> = {}): ConnectionsApi {
  const api = new ConnectionsApi({
    endpoint: endpoint.url,
    region: SIGNING_REGION,
    credentials: async () => CREDENTIALS,
    maxSockets: 4,
    retryBaseDelayMs: 1,
    ...options,
  });
  clients.push(api);
  return api;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectionsApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionsApiError);
    return err as ConnectionsApiError;
  }
  throw new Error('expected a rejection');
}

/** Resolves with `promise`'s outcome, or rejects when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function startServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`, server, requests: () => requests };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('ConnectionsApi', () => {
  test('posts the bytes to the connection with a signature API Gateway accepts', async () => {
    await client().postToConnection('L0SM9cOFvHcCIhw=', Buffer.from('{"type":"message"}'));
    expect(endpoint.posts).toEqual([{ connectionId: 'L0SM9cOFvHcCIhw=', body: '{"type":"message"}' }]);
    expect(endpoint.rejectedSignatures).toEqual([]);
  });

  test('encodes connection ids with / and + in the path, and signs that path', async () => {
    await client().postToConnection('a+b/c=', Buffer.from('x'));
    expect(endpoint.posts.map((post) => post.connectionId)).toEqual(['a+b/c=']);
    expect(endpoint.rejectedSignatures).toEqual([]);
  });

  test('signs with the session token of temporary credentials', async () => {
    const api = client({ credentials: async () => ({ ...CREDENTIALS, sessionToken: 'session-token-value' }) });
    await api.postToConnection('abc=', Buffer.from('x'));
    expect(endpoint.posts).toHaveLength(1);
    expect(endpoint.rejectedSignatures).toEqual([]);
  });

  test('sends many posts of one buffer over a few keep-alive sockets', async () => {
    const data = Buffer.from('same message');
    const ids = Array.from({ length: 40 }, (_, i) => `id-${i}=`);
    await Promise.all(ids.map((id) => client().postToConnection(id, data)));
    expect(endpoint.posts.map((post) => post.connectionId).sort()).toEqual([...ids].sort());
    expect(new Set(endpoint.posts.map((post) => post.body))).toEqual(new Set(['same message']));
  });

  test('a wrong secret is refused with InvalidSignatureException and not retried', async () => {
    const api = client({ credentials: async () => ({ ...CREDENTIALS, secretAccessKey: 'wrong' }) });
    const error = await rejection(api.postToConnection('abc=', Buffer.from('x')));
    expect(error).toMatchObject({ name: 'InvalidSignatureException', statusCode: 403, retryable: false });
    expect(endpoint.attempts('abc=')).toBe(1);
    expect(endpoint.rejectedSignatures).toEqual([expect.stringContaining('signature mismatch')]);
  });

  test('410 Gone is a GoneException that isGone recognizes, without a retry', async () => {
    endpoint.markGone('gone=');
    const error = await rejection(client().postToConnection('gone=', Buffer.from('x')));
    expect(error).toMatchObject({ name: 'GoneException', statusCode: 410, message: 'Gone', $metadata: { httpStatusCode: 410, attempts: 1 } });
    expect(isGone(error)).toBe(true);
    expect(endpoint.attempts('gone=')).toBe(1);
  });

  test('retries 500 answers up to maxAttempts, then rejects with the error type', async () => {
    endpoint.markFailing('flaky=');
    const error = await rejection(client().postToConnection('flaky=', Buffer.from('x')));
    expect(error).toMatchObject({ name: 'InternalServerErrorException', statusCode: 500, retryable: true, $metadata: { attempts: 3 } });
    expect(isGone(error)).toBe(false);
    expect(endpoint.attempts('flaky=')).toBe(3);
  });

  test('maxAttempts: 1 sends once', async () => {
    endpoint.markFailing('once=');
    await rejection(client({ maxAttempts: 1 }).postToConnection('once=', Buffer.from('x')));
    expect(endpoint.attempts('once=')).toBe(1);
  });

  test('a throttled post (429) succeeds when a retry is accepted', async () => {
    endpoint.failNext(429, 'LimitExceededException', 2, 'busy=');
    await client().postToConnection('busy=', Buffer.from('x'));
    expect(endpoint.attempts('busy=')).toBe(3);
    expect(endpoint.posts.map((post) => post.connectionId)).toEqual(['busy=']);
  });

  test.each([
    [403, 'ForbiddenException'],
    [413, 'PayloadTooLargeException'],
  ])('%i is not retried', async (status, errorType) => {
    endpoint.failNext(status, errorType, 1, 'final=');
    const error = await rejection(client().postToConnection('final=', Buffer.from('x')));
    expect(error).toMatchObject({ name: errorType, statusCode: status, retryable: false, message: 'Injected failure' });
    expect(endpoint.attempts('final=')).toBe(1);
  });

  test('a connection cut before the answer is a NetworkError, retried', async () => {
    const cutting = await startServer((req) => req.socket.destroy());
    try {
      const api = client({ endpoint: cutting.url });
      const error = await rejection(api.postToConnection('abc=', Buffer.from('x')));
      expect(error).toMatchObject({ name: 'NetworkError', statusCode: undefined, retryable: true, $metadata: { attempts: 3 } });
      expect(error.cause).toMatchObject({ code: 'ECONNRESET' });
      expect(cutting.requests()).toBe(3);
    } finally {
      await stopServer(cutting.server);
    }
  });

  test('an attempt without an answer within timeoutMs is a TimeoutError', async () => {
    const silent = await startServer(() => undefined);
    try {
      const api = client({ endpoint: silent.url, timeoutMs: 50, maxAttempts: 2 });
      const error = await rejection(api.postToConnection('abc=', Buffer.from('x')));
      expect(error).toMatchObject({ name: 'TimeoutError', message: 'No answer within 50 ms', $metadata: { attempts: 2 } });
      expect(silent.requests()).toBe(2);
    } finally {
      await stopServer(silent.server);
    }
  });

  test('an error answer that is not JSON keeps its text, and one without a type is named by status', async () => {
    const plain = await startServer((_req, res) => res.writeHead(400).end('plain text'));
    try {
      const error = await rejection(client({ endpoint: plain.url }).postToConnection('abc=', Buffer.from('x')));
      expect(error).toMatchObject({ name: 'Http400Error', message: 'plain text', statusCode: 400, retryable: false });
    } finally {
      await stopServer(plain.server);
    }
  });

  test('the error type is read before the namespace suffix API Gateway may append', async () => {
    const suffixed = await startServer((_req, res) =>
      res.writeHead(410, { 'x-amzn-errortype': 'GoneException:http://internal.amazon.com/coral/' }).end('{"Message":"Gone away"}'),
    );
    try {
      const error = await rejection(client({ endpoint: suffixed.url }).postToConnection('abc=', Buffer.from('x')));
      expect(error).toMatchObject({ name: 'GoneException', message: 'Gone away' });
    } finally {
      await stopServer(suffixed.server);
    }
  });

  test('the attempt timeout is wall-clock time: a peer trickling bytes cannot stretch it', async () => {
    const trickling = await startServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 20);
      res.once('close', () => clearInterval(drip));
    });
    try {
      const started = Date.now();
      const api = client({ endpoint: trickling.url, timeoutMs: 150, maxAttempts: 1 });
      const error = await rejection(within(api.postToConnection('abc=', Buffer.from('x')), 2000));
      expect(error).toMatchObject({ name: 'TimeoutError', message: 'No answer within 150 ms' });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await stopServer(trickling.server);
    }
  });

  describe('deadline', () => {
    afterEach(() => jest.restoreAllMocks());

    test('an attempt is cut at the deadline, and no retry is made after it', async () => {
      const silent = await startServer(() => undefined);
      try {
        const api = client({ endpoint: silent.url, timeoutMs: 10_000 });
        const started = Date.now();
        const error = await rejection(within(api.postToConnection('abc=', Buffer.from('x'), { deadline: started + 200 }), 1000));
        expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 1 } });
        expect(Date.now() - started).toBeGreaterThanOrEqual(190);
        expect(Date.now() - started).toBeLessThan(600);
        expect(silent.requests()).toBe(1);
      } finally {
        await stopServer(silent.server);
      }
    });

    test('a retry whose backoff would not leave minAttemptMs before the deadline is not made', async () => {
      endpoint.markFailing('late=');
      jest.spyOn(Math, 'random').mockReturnValue(0.99);
      const api = client({ retryBaseDelayMs: 400, minAttemptMs: 50 });
      const started = Date.now();
      const error = await rejection(api.postToConnection('late=', Buffer.from('x'), { deadline: started + 300 }));
      expect(error).toMatchObject({ name: 'InternalServerErrorException', $metadata: { attempts: 1 } });
      expect(endpoint.attempts('late=')).toBe(1);
      // It gave up at once instead of sleeping ~400 ms past the deadline.
      expect(Date.now() - started).toBeLessThan(250);
    });

    test('retries that fit before the deadline are made', async () => {
      endpoint.failNext(503, 'ServiceUnavailableException', 2, 'fits=');
      await client().postToConnection('fits=', Buffer.from('x'), { deadline: Date.now() + 5000 });
      expect(endpoint.attempts('fits=')).toBe(3);
      expect(endpoint.posts.map((post) => post.connectionId)).toEqual(['fits=']);
    });

    test('a post with less than minAttemptMs left is not sent: DeadlineExceeded', async () => {
      const error = await rejection(client({ minAttemptMs: 50 }).postToConnection('never=', Buffer.from('x'), { deadline: Date.now() + 20 }));
      expect(error).toMatchObject({ name: 'DeadlineExceeded', retryable: false, $metadata: { attempts: 0 } });
      expect(endpoint.attempts('never=')).toBe(0);
    });
  });

  describe('credentials', () => {
    test('are asked for once while they are valid', async () => {
      const provider = jest.fn(async (): Promise<ExpiringCredentials> => ({ ...CREDENTIALS, expiration: new Date(Date.now() + 3_600_000) }));
      const api = client({ credentials: provider });
      await api.postToConnection('a=', Buffer.from('x'));
      await api.postToConnection('b=', Buffer.from('x'));
      expect(provider).toHaveBeenCalledTimes(1);
    });

    test('are asked for again within 5 minutes of their expiration', async () => {
      const provider = jest.fn(async (): Promise<ExpiringCredentials> => ({ ...CREDENTIALS, expiration: new Date(Date.now() + 60_000) }));
      const api = client({ credentials: provider });
      await api.postToConnection('a=', Buffer.from('x'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await api.postToConnection('b=', Buffer.from('x'));
      expect(provider).toHaveBeenCalledTimes(2);
    });

    test('a provider failure fails the post, and the next post asks again', async () => {
      const provider = jest
        .fn<Promise<ExpiringCredentials>, []>()
        .mockRejectedValueOnce(new Error('no credentials'))
        .mockResolvedValue(CREDENTIALS);
      const api = client({ credentials: provider });
      await expect(api.postToConnection('a=', Buffer.from('x'))).rejects.toThrow('no credentials');
      await api.postToConnection('a=', Buffer.from('x'));
      expect(provider).toHaveBeenCalledTimes(2);
      expect(endpoint.posts).toHaveLength(1);
    });
  });

  test.each([
    [{ endpoint: 'ftp://example.com/prod' }, 'endpoint must be an http(s) URL (got "ftp://example.com/prod")'],
    [{ maxAttempts: 0 }, 'maxAttempts must be a positive integer (got 0)'],
    [{ timeoutMs: 1.5 }, 'timeoutMs must be a positive integer (got 1.5)'],
    [{ minAttemptMs: 0 }, 'minAttemptMs must be a positive integer (got 0)'],
  ])('rejects the options %p', (options, message) => {
    expect(() => client(options)).toThrow(message);
  });
});
