import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { restrictGrantsToAwsServices } from '../security/kms-key-policy';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * KMS key that encrypts the topic. CloudWatch alarms of this account and Region are allowed to use
   * it (the statement joins the key's policy, in whichever stack of the app defines the key). An
   * imported key cannot be changed from here: its key policy must already allow
   * `cloudwatch.amazonaws.com` `kms:Decrypt` and `kms:GenerateDataKey*` (a synth warning says so).
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
 *
 * A topic policy replaces SNS's default policy, so the TLS-only policy would otherwise lock
 * CloudWatch out ("not authorized to perform SNS:Publish"). The topic policy therefore also lets
 * `cloudwatch.amazonaws.com` publish, and the key policy lets it encrypt, both only for alarms of
 * this account and Region (`aws:SourceAccount` and `aws:SourceArn`).
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

    const { account, region, partition } = Stack.of(this);
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    // Confused-deputy protection: only alarms of this account and Region act through the service.
    const onlyThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: onlyThisAccountsAlarms,
      }),
    );
    const { statementAdded } = this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptNotifications',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: onlyThisAccountsAlarms,
      }),
      /* allowNoOp */ true,
    );
    if (!statementAdded) {
      Annotations.of(this).addWarningV2(
        'cdk-api-gateway-patterns:alarmTopicKeyPolicy',
        'encryptionKey is imported, so its key policy cannot be changed here: allow cloudwatch.amazonaws.com ' +
          'kms:Decrypt and kms:GenerateDataKey* on it, or alarm notifications will fail to publish.',
      );
    }
  }
}
