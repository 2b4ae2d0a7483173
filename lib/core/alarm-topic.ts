import { RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { restrictGrantsToAwsServices } from './kms-key-policy';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * KMS key that encrypts the topic. CloudWatch is allowed to use it to publish alarms.
   * @default - a new customer-managed key with rotation on
   */
  readonly encryptionKey?: IKey;
  /**
   * Display name of the topic.
   * @default - none
   */
  readonly displayName?: string;
  /**
   * What happens to a created key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An SNS topic for alarm notifications: encrypted with a customer-managed KMS key (an AWS-managed
 * SNS key would not let CloudWatch publish), and publishing only over TLS. Pass it as a stage
 * profile's `alarmTopic`; subscribe your on-call tooling to `topic`.
 */
export class AlarmTopic extends Construct {
  /** The topic alarms publish to. */
  public readonly topic: Topic;

  /** The key that encrypts it. */
  public readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ??
      new Key(this, 'Key', {
        enableKeyRotation: true,
        description: 'Encrypts the API alarm notifications topic',
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    if (!props.encryptionKey) restrictGrantsToAwsServices(this.encryptionKey);
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch alarms publish to the encrypted topic, so they must be able to use the key.
    this.encryptionKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  }
}
