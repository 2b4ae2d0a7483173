import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { acknowledgeRule } from '../compliance/acknowledgments';
import { ApiPatternsError } from '../validation/errors';

/** Props of {@link ApiGatewayCloudWatchRole}. */
export interface ApiGatewayCloudWatchRoleProps {
  /**
   * An existing role API Gateway may assume to write logs.
   * @default - a new role with the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs
   */
  readonly role?: IRole;
  /**
   * What happens to the account setting, and to the role this construct creates, when they leave
   * the stack. Both get the same policy: a retained setting that names a deleted role would break
   * logging for every API in the account and Region. Keeping them is the safe choice: other APIs in
   * the account depend on them.
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
 *
 * Two of them in one app for the same account and Region (or both environment-agnostic, which
 * deploy wherever the CLI points) fail at synth: the second deploy would overwrite the first's
 * setting, and destroying either would leave the account without a working role.
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
    claimAccountSetting(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // A role this construct created lives exactly as long as the setting that names it.
    if (!props.role) (this.role as Role).applyRemovalPolicy(removalPolicy);
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(removalPolicy);
  }
}

/** The account settings placed so far in each app, by environment (`*` for an unresolved account or Region). */
const settingsByApp = new WeakMap<IConstruct, Map<string, string>>();

/** Fails when the app already places the account setting for the same account and Region. */
function claimAccountSetting(setting: ApiGatewayCloudWatchRole): void {
  const { account, region } = Stack.of(setting);
  const environment = `${Token.isUnresolved(account) ? '*' : account}/${Token.isUnresolved(region) ? '*' : region}`;
  const root = setting.node.root;
  const placed = settingsByApp.get(root) ?? new Map<string, string>();
  settingsByApp.set(root, placed);
  const other = placed.get(environment);
  if (other !== undefined) {
    throw new ApiPatternsError(
      'ApiGatewayAccountDuplicate',
      `ApiGatewayCloudWatchRole is placed twice for the environment ${environment} (account/Region; * = decided at deploy time), also at ${other}: ` +
        'API Gateway has one such setting per account and Region. Give each stage its own account, or place it in exactly one stack per account. ' +
        `Got: a second one at ${setting.node.path}`,
      setting,
    );
  }
  placed.set(environment, setting.node.path);
}
