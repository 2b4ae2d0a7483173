import { App, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApiGatewayCloudWatchRole } from '../../../lib';
import { expectApiError, newStack } from '../../support/core-stacks';

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

describe('ApiGatewayCloudWatchRole lifetime and placement', () => {
  test('the created role gets the removal policy of the setting that names it (retained by default)', () => {
    new ApiGatewayCloudWatchRole(stack, 'Account');
    Template.fromStack(stack).hasResource('AWS::IAM::Role', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('removalPolicy DESTROY deletes the created role together with the setting', () => {
    new ApiGatewayCloudWatchRole(stack, 'Account', { removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::IAM::Role', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Delete' });
  });

  test('a given role is left as it is', () => {
    const role = new Role(stack, 'Mine', { assumedBy: new ServicePrincipal('apigateway.amazonaws.com') });
    new ApiGatewayCloudWatchRole(stack, 'Account', { role, removalPolicy: RemovalPolicy.RETAIN });
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
    expect(Object.values(roles).map((r) => (r as { DeletionPolicy?: string }).DeletionPolicy)).toEqual([undefined]);
  });

  test('GIVEN two stacks of one app in the same account and Region WHEN both place the setting THEN synth fails naming both', () => {
    const app = stack.node.root as App;
    const env = { account: '111111111111', region: 'eu-west-1' };
    new ApiGatewayCloudWatchRole(new Stack(app, 'DevShared', { env }), 'Account');
    const error = expectApiError(
      () => new ApiGatewayCloudWatchRole(new Stack(app, 'ProdShared', { env }), 'Account'),
      'ApiGatewayAccountDuplicate',
      /111111111111\/eu-west-1/,
      /DevShared\/Account/,
      /ProdShared\/Account/,
    );
    expect(error.message).toMatch(/one such setting per account and Region/);
  });

  test('GIVEN two environment-agnostic stacks WHEN both place the setting THEN synth fails: they deploy wherever the CLI points', () => {
    new ApiGatewayCloudWatchRole(stack, 'Account');
    expectApiError(() => new ApiGatewayCloudWatchRole(new Stack(stack.node.root as App, 'Other'), 'Account'), 'ApiGatewayAccountDuplicate', /\*\/\*/);
  });

  test('GIVEN stages in different accounts WHEN each places the setting THEN synth succeeds', () => {
    const app = new App();
    for (const [name, account] of [['Dev', '111111111111'], ['Prod', '222222222222']]) {
      const stage = new Stage(app, name, { env: { account, region: 'eu-west-1' } });
      new ApiGatewayCloudWatchRole(new Stack(stage, 'Shared'), 'Account');
    }
    expect(() => app.synth()).not.toThrow();
  });
});
