/**
 * Subscribe and unsubscribe racing `$disconnect` (and the fan-out's 410 purge), against dynalite.
 *
 * Each test drives one interleaving deterministically: every repository talks to DynamoDB through a
 * client that can hold a chosen call of one actor (S = subscribe, U = unsubscribe, D = disconnect)
 * until the test releases it, or fail it as a crash of that invocation would. No sleeps: the test
 * waits until the held call is reached, runs the other actor, then releases.
 *
 * The guarantee under test (see lambda/websocket/lib/connection-repository.ts): no interleaving
 * leaves rows behind, except one orphan subscription per subscribe that stops between writing the
 * subscription and finishing its re-check, which carries the connection's TTL and is purged by the
 * first publish that gets 410 Gone.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as ConnectionsApiModule from '../../../lambda/websocket/lib/connections-api';
import type * as RepositoryModule from '../../../lambda/websocket/lib/connection-repository';
import type * as FanoutModule from '../../../lambda/websocket/lib/fanout';
import type { FakeConnectionsEndpoint } from '../../support/connections-endpoint';
import { SIGNING_REGION, startConnectionsEndpoint } from '../../support/connections-endpoint';
import type { LocalDynamo } from '../../support/dynalite';
import { createConnectionsTable, itemsOfConnection, startDynalite } from '../../support/dynalite';
import { CHANNEL_INDEX, newConnectionId, setHandlerEnvironment, TABLE_NAME } from '../../support/websocket-handlers';

type Actor = 'S' | 'U' | 'D';

interface Hold {
  /** Resolves when the actor has reached the held call (which has not been sent yet). */
  readonly reached: Promise<void>;
  /** Sends the held call. */
  release(): void;
}

interface Rule {
  readonly actor: Actor;
  /** The command class name (`UpdateCommand`, `PutCommand`, `GetCommand`, ...). */
  readonly command: string;
  /** Which call of that command by that actor (1 = the first). */
  readonly nth: number;
  readonly action: { hold: { reached: () => void; released: Promise<void> } } | { fail: Error };
}

/**
 * Hands out DynamoDB clients per actor; `holdBefore` and `failAt` pick calls by the actor's command
 * class and call number. `calls` records what each actor sent, in order.
 */
class Interleaving {
  readonly calls: string[] = [];
  private readonly rules: Rule[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly real: DynamoDBDocumentClient) {}

  client(actor: Actor): DynamoDBDocumentClient {
    const send = async (command: { constructor: { name: string } }, options?: unknown) => {
      const name = command.constructor.name;
      const key = `${actor}:${name}`;
      const nth = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, nth);
      const rule = this.rules.find((r) => r.actor === actor && r.command === name && r.nth === nth);
      if (rule && 'hold' in rule.action) {
        rule.action.hold.reached();
        await rule.action.hold.released;
      }
      if (rule && 'fail' in rule.action) {
        this.calls.push(`${key} (crashed)`);
        throw rule.action.fail;
      }
      this.calls.push(key);
      return (this.real.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
    };
    return { send } as unknown as DynamoDBDocumentClient;
  }

  holdBefore(actor: Actor, command: string, nth = 1): Hold {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.rules.push({ actor, command, nth, action: { hold: { reached, released } } });
    return { reached: reachedPromise, release };
  }

  /** The actor's `nth` call of `command` throws instead of being sent: the invocation crashes there. */
  failAt(actor: Actor, command: string, nth = 1): Error {
    const crash = new Error(`${actor} crashed before ${command} #${nth}`);
    this.rules.push({ actor, command, nth, action: { fail: crash } });
    return crash;
  }
}

let ConnectionRepository: typeof RepositoryModule.ConnectionRepository;
let ConnectionNotFoundError: typeof RepositoryModule.ConnectionNotFoundError;
let ConnectionsApi: typeof ConnectionsApiModule.ConnectionsApi;
let fanOut: typeof FanoutModule.fanOut;
let dynamo: LocalDynamo;
let documentClient: DynamoDBDocumentClient;
let interleaving: Interleaving;
let connectionId: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  setHandlerEnvironment('http://127.0.0.1/unused');
  // Imported after the environment is set (quiet Powertools), as in the handler tests.
  ({ ConnectionRepository, ConnectionNotFoundError } = await import('../../../lambda/websocket/lib/connection-repository'));
  ({ ConnectionsApi } = await import('../../../lambda/websocket/lib/connections-api'));
  ({ fanOut } = await import('../../../lambda/websocket/lib/fanout'));
  await createConnectionsTable(dynamo.client, TABLE_NAME);
  documentClient = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
});

afterAll(async () => {
  await dynamo?.close();
});

beforeEach(async () => {
  interleaving = new Interleaving(documentClient);
  connectionId = newConnectionId();
  await repository('D').putConnection({ connectionId, userId: 'alice' });
});

function repository(actor: Actor): RepositoryModule.ConnectionRepository {
  return new ConnectionRepository({ client: interleaving.client(actor), tableName: TABLE_NAME, channelIndexName: CHANNEL_INDEX });
}

const rows = () => itemsOfConnection(dynamo.documentClient, TABLE_NAME, connectionId);

describe('subscribe racing $disconnect', () => {
  test('$disconnect first: subscribe fails at its first step and writes nothing', async () => {
    await repository('D').deleteConnection(connectionId);

    await expect(repository('S').subscribe(connectionId, 'room')).rejects.toBeInstanceOf(ConnectionNotFoundError);

    expect(await rows()).toEqual([]);
    expect(interleaving.calls.filter((call) => call.startsWith('S:'))).toEqual(['S:UpdateCommand', 'S:GetCommand']);
  });

  test('$disconnect runs entirely between the slot and the write: the re-check removes the subscription', async () => {
    const write = interleaving.holdBefore('S', 'PutCommand');
    const subscribing = repository('S').subscribe(connectionId, 'room');
    await write.reached;

    await repository('D').deleteConnection(connectionId);
    write.release();

    await expect(subscribing).rejects.toBeInstanceOf(ConnectionNotFoundError);
    expect(await rows()).toEqual([]);
  });

  test('the connection item is deleted between the write and the re-check, before $disconnect queries', async () => {
    const recheck = interleaving.holdBefore('S', 'GetCommand');
    const query = interleaving.holdBefore('D', 'QueryCommand');
    const subscribing = repository('S').subscribe(connectionId, 'room');
    await recheck.reached;
    const disconnecting = repository('D').deleteConnection(connectionId);
    await query.reached;

    recheck.release();
    await expect(subscribing).rejects.toBeInstanceOf(ConnectionNotFoundError);
    query.release();
    await disconnecting;

    expect(await rows()).toEqual([]);
  });

  test("$disconnect's query and deletes run while subscribe is about to remove its subscription", async () => {
    const recheck = interleaving.holdBefore('S', 'GetCommand');
    const cleanup = interleaving.holdBefore('S', 'DeleteCommand');
    const query = interleaving.holdBefore('D', 'QueryCommand');
    const subscribing = repository('S').subscribe(connectionId, 'room');
    await recheck.reached;
    const disconnecting = repository('D').deleteConnection(connectionId);
    await query.reached;
    recheck.release();
    await cleanup.reached;

    query.release();
    // $disconnect's query (after the subscription was written) finds and deletes it.
    expect(await disconnecting).toBe(2);
    cleanup.release();

    await expect(subscribing).rejects.toBeInstanceOf(ConnectionNotFoundError);
    expect(await rows()).toEqual([]);
    expect(interleaving.calls).toEqual([
      'D:PutCommand',
      'S:UpdateCommand',
      'S:PutCommand',
      'D:DeleteCommand',
      'S:GetCommand',
      'D:QueryCommand',
      'D:BatchWriteCommand',
      'S:DeleteCommand',
    ]);
  });

  test('subscribe completes before $disconnect deletes the connection item: the query finds the subscription', async () => {
    const deleteConnection = interleaving.holdBefore('D', 'DeleteCommand');
    const disconnecting = repository('D').deleteConnection(connectionId);
    await deleteConnection.reached;

    expect(await repository('S').subscribe(connectionId, 'room')).toBe(true);
    deleteConnection.release();

    expect(await disconnecting).toBe(2);
    expect(await rows()).toEqual([]);
  });

  test('a re-subscribe whose undo comes after $disconnect does not recreate the connection item', async () => {
    expect(await repository('S').subscribe(connectionId, 'room')).toBe(true);
    // S's UpdateCommands: the first subscribe's slot, the re-subscribe's slot, then its undo.
    const undo = interleaving.holdBefore('S', 'UpdateCommand', 3);
    const resubscribing = repository('S').subscribe(connectionId, 'room');
    await undo.reached;

    await repository('D').deleteConnection(connectionId);
    undo.release();

    expect(await resubscribing).toBe(false);
    expect(await rows()).toEqual([]);
  });

  describe('a subscribe that crashes', () => {
    let endpoint: FakeConnectionsEndpoint;
    let connections: ConnectionsApiModule.ConnectionsApi;

    beforeAll(async () => {
      endpoint = await startConnectionsEndpoint('test');
      connections = new ConnectionsApi({
        endpoint: endpoint.url,
        region: SIGNING_REGION,
        credentials: async () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' }),
        maxSockets: 2,
      });
    });

    afterAll(async () => {
      connections?.destroy();
      await endpoint?.close();
    });

    test('between its write and its re-check, after $disconnect queried: one orphan, with the TTL, purged by the first 410', async () => {
      const [connection] = await rows();
      const write = interleaving.holdBefore('S', 'PutCommand');
      const crash = interleaving.failAt('S', 'GetCommand');
      const subscribing = repository('S').subscribe(connectionId, 'orphans');
      await write.reached;
      await repository('D').deleteConnection(connectionId);
      write.release();
      await expect(subscribing).rejects.toBe(crash);

      // The bound: one subscription item, expiring with its connection.
      expect(await rows()).toEqual([
        {
          connectionId,
          sk: 'channel#orphans',
          channel: 'orphans',
          subscribedAt: expect.any(String),
          expiresAt: connection.expiresAt,
        },
      ]);

      // API Gateway answers 410 for the closed connection: the publish purges the orphan.
      endpoint.markGone(connectionId);
      const result = await fanOut({ channel: 'orphans', message: '{}', repository: repository('D'), connections, concurrency: 2 });
      expect(result).toEqual({ delivered: 0, gone: 1, failed: 0, timedOut: false });
      expect(await rows()).toEqual([]);
    });

    test('between its slot and its write: nothing is left once $disconnect runs', async () => {
      const crash = interleaving.failAt('S', 'PutCommand');
      await expect(repository('S').subscribe(connectionId, 'room')).rejects.toBe(crash);

      await repository('D').deleteConnection(connectionId);
      expect(await rows()).toEqual([]);
    });

    test('whose write is seen by $disconnect: nothing is left', async () => {
      const crash = interleaving.failAt('S', 'GetCommand');
      await expect(repository('S').subscribe(connectionId, 'room')).rejects.toBe(crash);

      await repository('D').deleteConnection(connectionId);
      expect(await rows()).toEqual([]);
    });
  });
});

describe('unsubscribe racing $disconnect', () => {
  test('a decrement after $disconnect does not recreate the connection item', async () => {
    await repository('S').subscribe(connectionId, 'room');
    const decrement = interleaving.holdBefore('U', 'UpdateCommand');
    const unsubscribing = repository('U').unsubscribe(connectionId, 'room');
    await decrement.reached;

    await repository('D').deleteConnection(connectionId);
    decrement.release();

    expect(await unsubscribing).toBe(true);
    expect(await rows()).toEqual([]);
  });

  test('$disconnect between subscribe and unsubscribe: unsubscribe finds nothing and writes nothing', async () => {
    await repository('S').subscribe(connectionId, 'room');
    await repository('D').deleteConnection(connectionId);

    expect(await repository('U').unsubscribe(connectionId, 'room')).toBe(false);
    expect(await rows()).toEqual([]);
  });
});
