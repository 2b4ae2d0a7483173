/**
 * The connections table: who is connected and which channels each connection has joined.
 *
 * Item layout (the RealtimeWebSocketApi construct creates exactly this table):
 * - partition key `connectionId` (S), sort key `sk` (S), TTL attribute `expiresAt` (epoch seconds);
 * - connection item: `sk = "connection"`, `userId`, `claims?` ({ sub, scope }), `connectedAt`, `expiresAt`;
 * - subscription item: `sk = "channel#<name>"`, `channel`, `subscribedAt`, `expiresAt` (the connection's);
 * - sparse GSI `byChannel` (partition `channel`, sort `connectionId`, KEYS_ONLY): only subscription
 *   items carry `channel`, so the index lists a channel's members without a scan.
 *
 * User route handlers can use it too:
 * ```ts
 * import { connectionRepository } from '<path to>/lambda/websocket/lib';
 * const connection = await connectionRepository().getConnection(event.requestContext.connectionId);
 * ```
 * IAM actions per method: putConnection PutItem; getConnection GetItem; subscribe GetItem + PutItem;
 * unsubscribe DeleteItem; channelMembers Query (on the index); deleteConnection Query + BatchWriteItem.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDbDocumentModule } from './clients';
import { documentClient, dynamoDbDocumentModule } from './clients';
import { channelIndexName, connectionsTableName } from './env';

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
   * Adds the connection to `channel` (idempotent). The subscription expires with its connection.
   * @throws ConnectionNotFoundError when the connection item does not exist
   */
  async subscribe(connectionId: string, channel: string): Promise<void> {
    const connection = await this.getConnection(connectionId);
    if (!connection) {
      throw new ConnectionNotFoundError(connectionId);
    }
    // DynamoDB has no cross-item condition outside transactions. If $disconnect deletes the
    // connection between the read above and this write, the orphaned subscription is removed by
    // the first publish to it (410 Gone purges the connection) or by TTL at the latest.
    const { client, commands } = await this.dynamo();
    const { PutCommand } = commands;
    await client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          connectionId,
          sk: `${CHANNEL_SK_PREFIX}${channel}`,
          channel,
          subscribedAt: new Date(this.now()).toISOString(),
          expiresAt: connection.expiresAt,
        },
      }),
    );
  }

  /** Removes the connection from `channel`; true when it was subscribed. */
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
    return Attributes !== undefined;
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
   * Deletes the connection item and all its subscriptions. Returns how many items were deleted
   * (0 when the connection was already gone).
   */
  async deleteConnection(connectionId: string): Promise<number> {
    const { client, commands } = await this.dynamo();
    const { QueryCommand } = commands;
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
      );
      keys.push(...((page.Items ?? []) as ItemKey[]));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);

    for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
      await this.batchDelete(keys.slice(start, start + BATCH_WRITE_LIMIT));
    }
    return keys.length;
  }

  /** One BatchWriteItem of up to 25 deletes, retrying unprocessed items with backoff. */
  private async batchDelete(keys: ItemKey[]): Promise<void> {
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
        await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
      }
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
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
