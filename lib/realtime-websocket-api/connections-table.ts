import { Duration } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeRuleInPacks } from '../core/compliance/acknowledgments';
import type { StageProfile } from '../core/stage/stage-profile';

/** Attribute and index names the WebSocket handlers read (lambda/websocket/lib/connection-repository.ts). */
export const CONNECTIONS_SCHEMA = {
  partitionKey: 'connectionId',
  sortKey: 'sk',
  channelIndex: 'byChannel',
  channelAttribute: 'channel',
  ttlAttribute: 'expiresAt',
} as const;

/**
 * How long a connection row lives: API Gateway closes every WebSocket after 2 hours; the rows
 * outlive that by a margin so a live connection is never expired, and a dead one goes by itself.
 */
export const CONNECTION_TTL = Duration.minutes(130);

/** Props of {@link ConnectionsTable}. */
export interface ConnectionsTableProps {
  /** Removal policy comes from the profile (retained in production). */
  readonly profile: StageProfile;
  /**
   * Customer-managed key for the table.
   * @default - DynamoDB's AWS-managed key
   */
  readonly encryptionKey?: IKey;
}

/**
 * The connection table of a RealtimeWebSocketApi: one item per connection (`sk = "connection"`:
 * identity, connected-at) and one per channel subscription (`sk = "channel#<name>"`), a sparse
 * `byChannel` index that finds every connection of a channel without a scan, a TTL slightly over
 * API Gateway's 2-hour connection limit, on-demand billing, point-in-time recovery and encryption.
 */
export class ConnectionsTable extends Construct {
  /** The table. */
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: ConnectionsTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Resource', {
      partitionKey: { name: CONNECTIONS_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CONNECTIONS_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.encryptionKey ? TableEncryption.CUSTOMER_MANAGED : TableEncryption.AWS_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: CONNECTIONS_SCHEMA.ttlAttribute,
      removalPolicy: props.profile.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: CONNECTIONS_SCHEMA.channelIndex,
      partitionKey: { name: CONNECTIONS_SCHEMA.channelAttribute, type: AttributeType.STRING },
      sortKey: { name: CONNECTIONS_SCHEMA.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    acknowledgeRuleInPacks(
      this.table,
      ['NIST.800.53.R5', 'HIPAA.Security'],
      'DynamoDBInBackupPlan',
      'The table holds only live WebSocket connection state that expires within 2 h 10 min; restoring a backup would ' +
        'resurrect connections API Gateway has already closed. Point-in-time recovery covers accidental deletes.',
    );
  }
}
