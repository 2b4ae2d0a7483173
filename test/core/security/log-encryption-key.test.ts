import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LogEncryptionKey } from '../../../lib';

let stack: Stack;
beforeEach(() => {
  stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
});

describe('LogEncryptionKey', () => {
  test('creates a rotating key, retained by default', () => {
    // WHEN
    const k = new LogEncryptionKey(stack, 'LogKey');

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: 'Encrypts API log groups' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(k.key).toBeDefined();
  });

  test('lets CloudWatch Logs of this Region use it for this account’s log groups only', () => {
    new LogEncryptionKey(stack, 'LogKey');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']] },
              },
            },
          },
        ]),
      },
    });
  });

  test('denies grants except for AWS services (CT.KMS.PR.3)', () => {
    new LogEncryptionKey(stack, 'LogKey');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyGrantsExceptForAwsServices',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        ]),
      },
    });
  });

  test('removalPolicy DESTROY deletes the key', () => {
    new LogEncryptionKey(stack, 'LogKey', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('in an environment-agnostic stack, the principal and ARN follow the deploy Region', () => {
    // GIVEN
    const agnostic = new Stack(new App(), 'Agnostic');

    // WHEN
    new LogEncryptionKey(agnostic, 'LogKey');

    // THEN
    Template.fromStack(agnostic).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } }),
        ]),
      },
    });
  });
});
