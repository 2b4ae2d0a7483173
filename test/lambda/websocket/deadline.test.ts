/** The publish deadline's arithmetic and the environment readers behind it and the subscription cap. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as EnvModule from '../../../lambda/websocket/lib/env';
import type * as FanoutModule from '../../../lambda/websocket/lib/fanout';
import { useLocalAwsCredentials } from '../../support/dynalite';

let env: typeof EnvModule;
let fanout: typeof FanoutModule;

beforeAll(async () => {
  // Quiet Powertools, read when the modules load.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  env = await import('../../../lambda/websocket/lib/env');
  fanout = await import('../../../lambda/websocket/lib/fanout');
});

describe('publishDeadline', () => {
  test.each([
    // [integration timeout, remaining time, deadline after the start]
    [29_000, undefined, 28_000],
    [29_000, 900_000, 28_000],
    [29_000, 10_000, 9_000],
    [5_000, undefined, 4_000],
    [2_000, undefined, 1_600],
    [1_000, undefined, 800],
    [50, undefined, 40],
    [29_000, 500, 400],
    [29_000, 0, 0],
    [29_000, Number.NaN, 28_000],
  ])('integration timeout %p ms, remaining time %p ms: the fan-out stops %p ms after the start', (timeout, remaining, after) => {
    expect(fanout.publishDeadline({ startedAt: 1_000_000, integrationTimeoutMs: timeout, remainingTimeMs: remaining })).toBe(1_000_000 + after);
  });

  test('the margin is at most 1 s', () => {
    expect(fanout.DEADLINE_MARGIN_MS).toBe(1000);
  });
});

describe('INTEGRATION_TIMEOUT_MS', () => {
  test.each([
    [undefined, 29_000],
    ['', 29_000],
    [' 50 ', 50],
    ['29000', 29_000],
    ['10000', 10_000],
  ])('%p reads as %p', (value, expected) => {
    expect(env.integrationTimeoutMs({ INTEGRATION_TIMEOUT_MS: value })).toBe(expected);
  });

  test.each(['49', '29001', '1e4', '0x100', '100.5', '-100', 'ten'])('%p is refused', (value) => {
    expect(() => env.integrationTimeoutMs({ INTEGRATION_TIMEOUT_MS: value })).toThrow(env.ConfigurationError);
    expect(() => env.integrationTimeoutMs({ INTEGRATION_TIMEOUT_MS: value })).toThrow(
      `INTEGRATION_TIMEOUT_MS must be an integer from 50 to 29000 (got "${value}")`,
    );
  });
});

describe('MAX_SUBSCRIPTIONS_PER_CONNECTION', () => {
  test.each([
    [undefined, 100],
    ['', 100],
    ['1', 1],
    [' 250 ', 250],
  ])('%p reads as %p', (value, expected) => {
    expect(env.maxSubscriptionsPerConnection({ MAX_SUBSCRIPTIONS_PER_CONNECTION: value })).toBe(expected);
  });

  test.each(['0', '-1', '2.5', '1e3', 'many', '99999999999999999999'])('%p is refused', (value) => {
    expect(() => env.maxSubscriptionsPerConnection({ MAX_SUBSCRIPTIONS_PER_CONNECTION: value })).toThrow(
      `MAX_SUBSCRIPTIONS_PER_CONNECTION must be a positive integer (got "${value}")`,
    );
  });
});

describe('fanOut with a deadline, when the table does not answer', () => {
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    useLocalAwsCredentials();
    // A DynamoDB endpoint that takes requests and never answers.
    server = createServer(() => {
      requests += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('the channel read is abandoned at the deadline: nothing posted, timedOut', async () => {
    const { fanOut } = fanout;
    const { ConnectionRepository } = await import('../../../lambda/websocket/lib/connection-repository');
    const client = new DynamoDBClient({ endpoint: url, maxAttempts: 1 });
    try {
      const repository = new ConnectionRepository({
        client: DynamoDBDocumentClient.from(client),
        tableName: 'connections',
        channelIndexName: 'byChannel',
      });
      const posts: string[] = [];
      const started = Date.now();

      const result = await fanOut({
        channel: 'room',
        message: 'x',
        repository,
        connections: { postToConnection: async (id) => void posts.push(id) },
        concurrency: 4,
        deadline: started + 300,
      });

      expect(result).toEqual({ delivered: 0, gone: 0, failed: 0, timedOut: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(requests).toBe(1);
      expect(posts).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});
