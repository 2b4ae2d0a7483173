/**
 * The connections table: who is connected and which channels each connection has joined.
 *
 * Item layout (the RealtimeWebSocketApi construct creates exactly this table):
 * - partition key `connectionId` (S), sort key `sk` (S), TTL attribute `expiresAt` (epoch seconds);
 * - connection item: `sk = "connection"`, `userId`, `claims?` ({ sub, scope }), `connectedAt`, `expiresAt`,
 *   `subscriptionCount?` (N: the connection's subscriptions, kept by `subscribe`/`unsubscribe`);
 * - subscription item: `sk = "channel#<name>"`, `channel`, `subscribedAt`, `expiresAt` (the connection's);
 * - sparse GSI `byChannel` (partition `channel`, sort `connectionId`, KEYS_ONLY): only subscription
 *   items carry `channel`, so the index lists a channel's members without a scan.
 *
 * User route handlers can use it too:
 * ```ts
 * import { connectionRepository } from '<path to>/lambda/websocket/lib';
 * const connection = await connectionRepository().getConnection(event.requestContext.connectionId);
 * ```
 * IAM actions per method: putConnection PutItem; getConnection GetItem; subscribe UpdateItem +
 * PutItem + GetItem + DeleteItem; unsubscribe DeleteItem + UpdateItem; channelMembers Query (on the
 * index); deleteConnection DeleteItem + Query + BatchWriteItem.
 *
 * ## Subscription cap
 * `subscribe` admits at most `maxSubscriptions` channels per connection (the subscribe route passes
 * `MAX_SUBSCRIPTIONS_PER_CONNECTION`, default 100) without transactions, by conditional writes:
 * 1. `UpdateItem` on the connection item: `subscriptionCount += 1`, on condition that the item exists
 *    and `subscriptionCount < maxSubscriptions` (the condition is checked and the counter written
 *    atomically, so concurrent subscribes of one connection cannot pass the cap together). If the
 *    condition fails: no connection item → `ConnectionNotFoundError`; already subscribed to the
 *    channel → success (idempotent); otherwise `TooManySubscriptionsError`.
 * 2. `PutItem` of the subscription item, on condition that it does not exist yet. If it exists (a
 *    re-subscribe), the increment of step 1 is undone: a channel joined twice counts once.
 * 3. `GetItem` (strongly consistent) of the connection item; if `$disconnect` deleted it meanwhile,
 *    the subscription of step 2 is deleted and `ConnectionNotFoundError` thrown.
 * `unsubscribe` deletes the subscription item and, when one was deleted, decrements the counter:
 * leaving a channel frees its slot. Every counter update is conditional on the connection item
 * existing, so none of them can recreate a deleted connection item (an item without a TTL).
 * The counter never counts fewer subscriptions than exist, so the cap is never exceeded; it counts
 * one too many for each `subscribe` that stops between steps 1 and 2 (or whose undo fails) and each
 * `unsubscribe` that stops between its delete and its decrement: such a connection gets fewer slots
 * until it reconnects. Concurrent with a re-subscribe at the cap, a subscribe to a new channel may be
 * refused while the re-subscribe's increment is not yet undone. Connection items written before the
 * counter existed start counting at 0.
 *
 * ## Races with `$disconnect`
 * `deleteConnection` (`$disconnect`, and the fan-out's purge on 410 Gone) first deletes the
 * connection item, then queries (strongly consistent) the connection's remaining items and deletes
 * them. A subscription written by step 2 is therefore either found by that query (step 2 came
 * first) or, when the query came first, step 3 runs after the connection item was deleted and
 * removes the subscription. Step 1 fails once the connection item is gone, so no later subscribe
 * writes anything. Bound: **at most one orphan subscription item per `subscribe` invocation that
 * stops (crash, timeout, DynamoDB error) after its step 2 and before its step 3 has deleted the
 * subscription, while a concurrent `deleteConnection` had already queried the connection's items.**
 * Such an orphan carries the connection's `expiresAt`, so DynamoDB's TTL removes it after the
 * connection's 2 h 10 min lifetime at the latest; before that, the first publish to its channel gets
 * 410 Gone for the connection and purges all its items. `unsubscribe` and the counter updates never
 * leave rows behind (deletes, and updates conditional on the connection item).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDbDocumentModule } from './clients';
import { documentClient, dynamoDbDocumentModule } from './clients';
import { channelIndexName, connectionsTableName, DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION } from './env';

/** Sort key of the connection item. */
export const CONNECTION_SK = 'connection';
/** Prefix of subscription items' sort keys. */
export const CHANNEL_SK_PREFIX = 'channel#';
/** API Gateway's 2-hour connection limit plus 10 minutes: the TTL of every item. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60 + 10 * 60;

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
/** Attempts for a batch whose items keep coming back unprocessed (throttling). */
const BATCH_WRITE_ATTEMPTS = 8;

export interface ConnectionClaims {
  readonly sub?: string;
  readonly scope?: string;
}

export interface ConnectionRecord {
  readonly connectionId: string;
  /** The token's `sub`, or `"anonymous"` on an API without an authorizer. */
  readonly userId: string;
  readonly claims?: ConnectionClaims;
  /** ISO-8601 */
  readonly connectedAt: string;
  /** Epoch seconds; DynamoDB's TTL removes the item some time after. */
  readonly expiresAt: number;
  /** The channels the connection has joined, as counted for the cap (absent before the first subscribe). */
  readonly subscriptionCount?: number;
}

export interface NewConnection {
  readonly connectionId: string;
  readonly userId?: string;
  readonly claims?: ConnectionClaims;
}

/** `subscribe` was called for a connection that has no connection item (gone or never stored). */
export class ConnectionNotFoundError extends Error {
  constructor(public readonly connectionId: string) {
    super(`Connection ${connectionId} is not registered`);
    this.name = 'ConnectionNotFoundError';
  }
}

/** `subscribe` would take the connection over its subscription cap. */
export class TooManySubscriptionsError extends Error {
  constructor(
    public readonly connectionId: string,
    public readonly maxSubscriptions: number,
  ) {
    super(`Connection ${connectionId} has joined the maximum of ${maxSubscriptions} channels`);
    this.name = 'TooManySubscriptionsError';
  }
}

export interface SubscribeOptions {
  /** Channels the connection may have joined at a time. Default: 100 (`DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION`). */
  readonly maxSubscriptions?: number;
}

/** Cancels the DynamoDB calls of a read or delete (e.g. at the fan-out's deadline). */
export interface AbortOptions {
  readonly signal?: AbortSignal;
}

export interface ConnectionRepositoryOptions {
  /**
   * The document client, or a function that provides it on first use (the default repository
   * passes the lazily created shared client, so no SDK is loaded before the first call).
   */
  readonly client: DynamoDBDocumentClient | (() => Promise<DynamoDBDocumentClient>);
  readonly tableName: string;
  readonly channelIndexName: string;
  /** Clock, for tests. Default: `Date.now`. */
  readonly now?: () => number;
}

type ItemKey = { connectionId: string; sk: string };

export interface ChannelMembersOptions {
  /** Items in the first page. Default: as many as fit in DynamoDB's 1 MB page. */
  readonly firstPageSize?: number;
  /** Items in each later page. Default: as many as fit in DynamoDB's 1 MB page. */
  readonly pageSize?: number;
  /** Aborts the page read in progress; reading then rejects (with the SDK's `AbortError`). */
  readonly signal?: AbortSignal;
}

/** The client together with the `@aws-sdk/lib-dynamodb` command classes. */
interface Dynamo {
  readonly client: DynamoDBDocumentClient;
  readonly commands: DynamoDbDocumentModule;
}

export class ConnectionRepository {
  private readonly clientSource: ConnectionRepositoryOptions['client'];
  private dynamoReady?: Dynamo;
  private readonly tableName: string;
  private readonly indexName: string;
  private readonly now: () => number;

  constructor(options: ConnectionRepositoryOptions) {
    this.clientSource = options.client;
    this.tableName = options.tableName;
    this.indexName = options.channelIndexName;
    this.now = options.now ?? Date.now;
  }

  /** The client and command classes, loaded on first use and kept for later calls. */
  private async dynamo(): Promise<Dynamo> {
    if (!this.dynamoReady) {
      const source = this.clientSource;
      const [client, commands] = await Promise.all([
        typeof source === 'function' ? source() : source,
        dynamoDbDocumentModule(),
      ]);
      this.dynamoReady = { client, commands };
    }
    return this.dynamoReady;
  }

  /** Stores (or replaces) the connection item. */
  async putConnection(connection: NewConnection): Promise<ConnectionRecord> {
    const now = this.now();
    const record: ConnectionRecord = {
      connectionId: connection.connectionId,
      userId: connection.userId || 'anonymous',
      claims: connection.claims,
      connectedAt: new Date(now).toISOString(),
      expiresAt: Math.floor(now / 1000) + CONNECTION_TTL_SECONDS,
    };
    const { client, commands } = await this.dynamo();
    const { PutCommand } = commands;
    await client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...record, sk: CONNECTION_SK } }),
    );
    return record;
  }

  /** The connection item, or undefined. Strongly consistent. */
  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { client, commands } = await this.dynamo();
    const { GetCommand } = commands;
    const { Item } = await client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { connectionId, sk: CONNECTION_SK },
        ConsistentRead: true,
      }),
    );
    if (!Item) {
      return undefined;
    }
    const { sk: _sk, ...record } = Item;
    return record as ConnectionRecord;
  }

  /**
   * Adds the connection to `channel` (idempotent), within the connection's subscription cap (see
   * the module comment for the steps and their guarantees). The subscription expires with its
   * connection. Resolves true when the channel was joined now, false when it already was.
   * @throws ConnectionNotFoundError when the connection item does not exist (or is deleted meanwhile)
   * @throws TooManySubscriptionsError when the connection has joined `maxSubscriptions` other channels
   */
  async subscribe(connectionId: string, channel: string, options: SubscribeOptions = {}): Promise<boolean> {
    const maxSubscriptions = options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
    if (!Number.isSafeInteger(maxSubscriptions) || maxSubscriptions < 1) {
      throw new RangeError(`maxSubscriptions must be a positive integer (got ${maxSubscriptions})`);
    }
    const { client, commands } = await this.dynamo();
    const { DeleteCommand, PutCommand, UpdateCommand } = commands;
    const key: ItemKey = { connectionId, sk: `${CHANNEL_SK_PREFIX}${channel}` };

    // 1. Take a slot on the connection item.
    let connection: Record<string, unknown> | undefined;
    try {
      ({ Attributes: connection } = await client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { connectionId, sk: CONNECTION_SK },
          UpdateExpression: 'ADD subscriptionCount :one',
          ConditionExpression: 'attribute_exists(sk) AND (attribute_not_exists(subscriptionCount) OR subscriptionCount < :max)',
          ExpressionAttributeValues: { ':one': 1, ':max': maxSubscriptions },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (!(await this.getConnection(connectionId))) throw new ConnectionNotFoundError(connectionId);
      if (await this.hasItem(key)) return false;
      throw new TooManySubscriptionsError(connectionId, maxSubscriptions);
    }

    // 2. Write the subscription unless it exists; a re-subscribe gives its slot back.
    try {
      await client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            channel,
            subscribedAt: new Date(this.now()).toISOString(),
            ...(typeof connection?.expiresAt === 'number' && { expiresAt: connection.expiresAt }),
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      await this.releaseSlot(connectionId);
      return false;
    }

    // 3. If $disconnect deleted the connection meanwhile, its query may have missed the subscription.
    if (!(await this.getConnection(connectionId))) {
      await client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
      throw new ConnectionNotFoundError(connectionId);
    }
    return true;
  }

  /** Removes the connection from `channel` and frees its slot; true when it was subscribed. */
  async unsubscribe(connectionId: string, channel: string): Promise<boolean> {
    const { client, commands } = await this.dynamo();
    const { DeleteCommand } = commands;
    const { Attributes } = await client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { connectionId, sk: `${CHANNEL_SK_PREFIX}${channel}` },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (Attributes === undefined) {
      return false;
    }
    await this.releaseSlot(connectionId);
    return true;
  }

  /** `subscriptionCount -= 1` on the connection item, if it still exists (never creates it). */
  private async releaseSlot(connectionId: string): Promise<void> {
    const { client, commands } = await this.dynamo();
    const { UpdateCommand } = commands;
    try {
      await client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { connectionId, sk: CONNECTION_SK },
          UpdateExpression: 'ADD subscriptionCount :minusOne',
          ConditionExpression: 'attribute_exists(sk) AND subscriptionCount > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (err) {
      // The connection is gone (nothing to count), or it predates the counter.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** True when the item exists. Strongly consistent. */
  private async hasItem(key: ItemKey): Promise<boolean> {
    const { client, commands } = await this.dynamo();
    const { GetCommand } = commands;
    const { Item } = await client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'sk' }),
    );
    return Item !== undefined;
  }

  /**
   * The ids of the connections subscribed to `channel`, read page by page from the index. Each
   * next page is requested as soon as the previous one arrives, so reading overlaps with whatever
   * the caller does with the ids (the fan-out posts them). `firstPageSize` limits the first page, so
   * a caller can start working before a large channel's first full (1 MB) page has been read.
   */
  async *channelMembers(channel: string, options: ChannelMembersOptions = {}): AsyncGenerator<string, void, undefined> {
    const { client, commands } = await this.dynamo();
    const { QueryCommand } = commands;
    const query = (exclusiveStartKey: Record<string, unknown> | undefined, limit: number | undefined) =>
      client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: this.indexName,
          KeyConditionExpression: 'channel = :channel',
          ExpressionAttributeValues: { ':channel': channel },
          ExclusiveStartKey: exclusiveStartKey,
          Limit: limit,
        }),
        { abortSignal: options.signal },
      );
    let next: ReturnType<typeof query> | undefined = query(undefined, options.firstPageSize);
    while (next) {
      const page: Awaited<ReturnType<typeof query>> = await next;
      next = page.LastEvaluatedKey ? query(page.LastEvaluatedKey, options.pageSize) : undefined;
      // If the caller stops early, a failure of the page read ahead must not go unhandled.
      next?.catch(() => undefined);
      for (const item of page.Items ?? []) {
        yield item.connectionId as string;
      }
    }
  }

  /**
   * Deletes the connection item and all its subscriptions: the connection item first, so that a
   * concurrent `subscribe` either fails or finds it gone and removes its own subscription (see the
   * module comment). Returns how many items were deleted (0 when the connection was already gone).
   */
  async deleteConnection(connectionId: string, options: AbortOptions = {}): Promise<number> {
    const { signal } = options;
    const { client, commands } = await this.dynamo();
    const { DeleteCommand, QueryCommand } = commands;
    const { Attributes } = await client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { connectionId, sk: CONNECTION_SK }, ReturnValues: 'ALL_OLD' }),
      { abortSignal: signal },
    );
    const keys: ItemKey[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'connectionId = :id',
          ExpressionAttributeValues: { ':id': connectionId },
          ProjectionExpression: 'connectionId, sk',
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
        { abortSignal: signal },
      );
      keys.push(...((page.Items ?? []) as ItemKey[]));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);

    for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
      await this.batchDelete(keys.slice(start, start + BATCH_WRITE_LIMIT), signal);
    }
    return keys.length + (Attributes === undefined ? 0 : 1);
  }

  /** One BatchWriteItem of up to 25 deletes, retrying unprocessed items with backoff. */
  private async batchDelete(keys: ItemKey[], signal?: AbortSignal): Promise<void> {
    const { client, commands } = await this.dynamo();
    const { BatchWriteCommand } = commands;
    let requests = keys.map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 1; requests.length > 0; attempt += 1) {
      if (attempt > BATCH_WRITE_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem left ${requests.length} deletes unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 1) {
        // Full-jitter exponential backoff: 0..50 ms, 0..100 ms, ... capped at 2 s.
        await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt), undefined, { signal });
      }
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        { abortSignal: signal },
      );
      requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }
}

let defaultRepository: ConnectionRepository | undefined;

/**
 * The repository for this function's table (`CONNECTIONS_TABLE_NAME`, `CHANNEL_INDEX_NAME`), on the
 * shared document client. Created on first use and reused by later invocations; the SDK itself is
 * loaded by the first call that reaches DynamoDB.
 */
export function connectionRepository(): ConnectionRepository {
  defaultRepository ??= new ConnectionRepository({
    client: documentClient,
    tableName: connectionsTableName(),
    channelIndexName: channelIndexName(),
  });
  return defaultRepository;
}

/** DynamoDB's answer to a write whose `ConditionExpression` did not hold. */
function isConditionFailure(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
