/**
 * A real DynamoDB protocol peer for handler tests: dynalite, in-process, on a loopback port,
 * plus the connections table of the RealtimeWebSocketApi construct (same keys and GSI).
 *
 * ```ts
 * const dynamo = await startDynalite();               // also sets AWS_ENDPOINT_URL_DYNAMODB etc.
 * await createConnectionsTable(dynamo.client, 'connections');
 * ...
 * await dynamo.close();
 * ```
 * dynalite does not implement UpdateTimeToLive or transactions; the TTL attribute is written but
 * never expires here.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** Dummy credentials and Region for SDK clients talking to loopback servers only. */
export function useLocalAwsCredentials(): void {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/**
 * Starts dynalite on 127.0.0.1 (random port), sets dummy credentials and points the SDK's standard
 * `AWS_ENDPOINT_URL_DYNAMODB` at it, so clients created afterwards (the handlers') use it.
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  useLocalAwsCredentials();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;

  const client = new DynamoDBClient({ endpoint });
  return {
    endpoint,
    client,
    documentClient: DynamoDBDocumentClient.from(client),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

/** Creates the connections table exactly as the construct does (TTL aside, see the module comment). */
export async function createConnectionsTable(
  client: DynamoDBClient,
  tableName: string,
  channelIndexName = 'byChannel',
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'connectionId', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'channel', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'connectionId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: channelIndexName,
          KeySchema: [
            { AttributeName: 'channel', KeyType: 'HASH' },
            { AttributeName: 'connectionId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}

/** All items of one connection (connection item and subscriptions), for assertions. */
export async function itemsOfConnection(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  connectionId: string,
): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'connectionId = :id',
      ExpressionAttributeValues: { ':id': connectionId },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}
