import { RemovalPolicy } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeRule } from './acknowledgments';

/** Props of {@link ApiGatewayCloudWatchRole}. */
export interface ApiGatewayCloudWatchRoleProps {
  /**
   * An existing role API Gateway may assume to write logs.
   * @default - a new role with the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs
   */
  readonly role?: IRole;
  /**
   * What happens to the account setting when this construct leaves the stack. Keeping it is the
   * safe choice: other APIs in the account depend on it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The account-level API Gateway setting (AWS::ApiGateway::Account) that names the IAM role API
 * Gateway uses to write execution and access logs to CloudWatch, for REST, HTTP and WebSocket APIs.
 *
 * There is exactly one such setting per account and Region, so no API construct of this library
 * creates it: place this construct once, in the stack your platform uses for account-wide
 * resources, and deploy it before the APIs. Without it, the first stage with logging fails with
 * "CloudWatch Logs role ARN must be set in account settings".
 */
export class ApiGatewayCloudWatchRole extends Construct {
  /** The role API Gateway assumes to write logs. */
  public readonly role: IRole;

  /** The account setting. */
  public readonly account: CfnAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps = {}) {
    super(scope, id);
    this.role =
      props.role ??
      new Role(this, 'Role', {
        assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
        description: 'Lets API Gateway write execution and access logs to CloudWatch Logs',
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      });
    if (!props.role) {
      acknowledgeRule(
        this.role,
        'AwsSolutions',
        'IAM4',
        'AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy API Gateway documents for this account-level role; ' +
          'it grants only CloudWatch Logs actions, which API Gateway needs on log groups it names at run time.',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      );
    }
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
  }
}
