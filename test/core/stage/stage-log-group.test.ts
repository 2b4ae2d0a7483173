import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { createStageLogGroup } from '../../../lib/core/stage/stage-log-group';
import { LogEncryptionKey, StageProfile } from '../../../lib';
import { newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

describe('createStageLogGroup', () => {
  test('takes retention and removal policy from the profile', () => {
    createStageLogGroup(stack, 'Logs', StageProfile.test());
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30, LogGroupName: Match.absent(), KmsKeyId: Match.absent() },
      DeletionPolicy: 'Delete',
    });
  });

  test('retains production logs for a year', () => {
    createStageLogGroup(stack, 'Logs', StageProfile.prod());
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
  });

  test('uses an explicit retention, name and the profile key', () => {
    // GIVEN
    const key = new LogEncryptionKey(stack, 'LogKey');

    // WHEN
    createStageLogGroup(stack, 'Logs', StageProfile.prod({ logRetention: RetentionDays.TWO_YEARS, logEncryptionKey: key.key }), 'aws-waf-logs-items');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-items',
      RetentionInDays: 731,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] },
    });
  });
});
