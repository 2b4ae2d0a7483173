import { RemovalPolicy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { ApiGatewayCloudWatchRole } from '../../lib/core';
import { newStack } from './support';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

describe('ApiGatewayCloudWatchRole', () => {
  test('creates a role for API Gateway with the push-to-CloudWatch managed policy', () => {
    // WHEN
    new ApiGatewayCloudWatchRole(stack, 'Account');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }],
      },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']] },
      ],
    });
  });

  test('sets the account CloudWatch role and retains the setting by default', () => {
    // WHEN
    const account = new ApiGatewayCloudWatchRole(stack, 'Account');

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.hasResource('AWS::ApiGateway::Account', {
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccountRole'), 'Arn'] } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(account.account.cloudWatchRoleArn).toBe(account.role.roleArn);
  });

  test('removalPolicy DESTROY deletes the setting with the stack', () => {
    new ApiGatewayCloudWatchRole(stack, 'Account', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Delete' });
  });

  test('uses a given role and creates none', () => {
    // GIVEN
    const role = Role.fromRoleArn(stack, 'Existing', 'arn:aws:iam::111111111111:role/apigw-logs');

    // WHEN
    const account = new ApiGatewayCloudWatchRole(stack, 'Account', { role });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: 'arn:aws:iam::111111111111:role/apigw-logs' });
    expect(account.role).toBe(role);
  });
});
