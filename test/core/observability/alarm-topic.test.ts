import { RemovalPolicy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AlarmTopic } from '../../../lib';
import { newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const DENY_GRANTS = {
  Sid: 'DenyGrantsExceptForAwsServices',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe('AlarmTopic', () => {
  test('encrypts the topic with a new rotating customer-managed key, retained by default', () => {
    // WHEN
    const alarmTopic = new AlarmTopic(stack, 'Alarms', { displayName: 'API alarms' });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: 'Encrypts the API alarm notifications topic' },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'API alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsKey'), 'Arn'] },
    });
    expect(alarmTopic.encryptionKey).toBeInstanceOf(Key);
  });

  const ALARMS_OF_THIS_ACCOUNT = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']],
      },
    },
  };

  test('lets only CloudWatch alarms of this account and Region use the key, and denies other grants', () => {
    new AlarmTopic(stack, 'Alarms');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          DENY_GRANTS,
          {
            Sid: 'AllowCloudWatchAlarmsToEncryptNotifications',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: ALARMS_OF_THIS_ACCOUNT,
          },
        ]),
      },
    });
  });

  test('the topic policy, which replaces the default policy, lets CloudWatch alarms of this account publish', () => {
    // WHEN
    new AlarmTopic(stack, 'Alarms');

    // THEN: one policy holds both the TLS deny and the CloudWatch allow, scoped against confused deputies
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
            Condition: ALARMS_OF_THIS_ACCOUNT,
          },
        ]),
      },
    });
  });

  test('denies publishing without TLS', () => {
    new AlarmTopic(stack, 'Alarms');
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('warns when the given key is imported and its policy cannot be extended', () => {
    // GIVEN
    const key = Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');

    // WHEN
    new AlarmTopic(stack, 'Alarms', { encryptionKey: key });

    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Alarms', Match.stringLikeRegexp('allow cloudwatch.amazonaws.com'));
  });

  test('removalPolicy DESTROY deletes a created key', () => {
    new AlarmTopic(stack, 'Alarms', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('uses a given key, grants CloudWatch on it, and adds no deny statement', () => {
    // GIVEN
    const key = new Key(stack, 'MyKey');

    // WHEN
    const alarmTopic = new AlarmTopic(stack, 'Alarms', { encryptionKey: key });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).not.toContain('DenyGrantsExceptForAwsServices');
    expect(alarmTopic.encryptionKey).toBe(key);
  });
});
