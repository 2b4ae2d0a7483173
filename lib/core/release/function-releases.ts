import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeRule } from '../compliance/acknowledgments';
import type { ReleasePolicy } from './release-policy';

/** The alias name every released function is called through. */
export const LIVE_ALIAS = 'live';

/** One released function: the alias the API calls and the deployment group that moves it. */
export interface FunctionRelease {
  /** The `live` alias: what the API integrates with. */
  readonly alias: lambda.Alias;
  /** The CodeDeploy deployment group that shifts the alias to each new version. */
  readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;
}

/**
 * The releases of one API construct's functions: one CodeDeploy application and service role per
 * construct, and per function a `live` alias on its current version with a deployment group that
 * moves it with the stage profile's release policy.
 */
export class FunctionReleases extends Construct {
  /** The CodeDeploy application of the construct's functions. */
  public readonly application: codedeploy.LambdaApplication;
  /** The role CodeDeploy uses for every deployment group of the construct. */
  public readonly role: iam.Role;

  constructor(
    scope: Construct,
    id: string,
    private readonly policy: ReleasePolicy,
    /** The policy was chosen by the user (a default one tolerates missing alarms). */
    private readonly policyGiven = true,
  ) {
    super(scope, id);
    this.application = new codedeploy.LambdaApplication(this, 'Application');
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      description: `CodeDeploy releases of the functions of ${scope.node.path}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited')],
    });
    acknowledgeRule(
      this.role,
      'AwsSolutions',
      'IAM4',
      'AWSCodeDeployRoleForLambdaLimited is the AWS-maintained policy CodeDeploy documents for Lambda deployments: it lets CodeDeploy update aliases, read alarms and invoke lifecycle hooks, nothing else.',
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited',
    );
  }

  /**
   * Releases `fn` through a `live` alias and a deployment group that rolls back on `alarms`; `prop`
   * names the policy in errors. Fails when the policy rolls back but there is no alarm to watch.
   */
  public release(id: string, fn: lambda.Function, alarms: IAlarm[], prop: string): FunctionRelease {
    const { policy } = this;
    policy._requireAlarms(this, prop, this.policyGiven, alarms.length, id);
    const watched = policy.rollback && alarms.length > 0;
    const alias = new lambda.Alias(this.node.scope!, `${id}Live`, { aliasName: LIVE_ALIAS, version: fn.currentVersion });
    const deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, `${id}Release`, {
      application: this.application,
      alias,
      deploymentConfig: policy._deploymentConfig(this),
      alarms: watched ? alarms : undefined,
      autoRollback: { failedDeployment: policy.rollback, stoppedDeployment: policy.rollback, deploymentInAlarm: watched },
      preHook: policy.preTrafficHook,
      postHook: policy.postTrafficHook,
      role: this.role,
    });
    return { alias, deploymentGroup };
  }
}
