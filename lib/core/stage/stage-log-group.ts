import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRuleInPacks, REASONS } from '../compliance/acknowledgments';
import { ApiKind } from '../api-base/api-kind';
import type { StageProfile } from './stage-profile';

/** Control Tower's minimum log retention (CT.CLOUDWATCH.PR.2). */
const MINIMUM_PRODUCTION_RETENTION_DAYS = 365;

/**
 * Creates a CloudWatch log group configured from a stage profile: the profile's retention, removal
 * policy and (optional) KMS key. Every log group this library creates comes from here, so a
 * profile change reaches all of them.
 */
export function createStageLogGroup(scope: Construct, id: string, profile: StageProfile, logGroupName?: string): LogGroup {
  const logGroup = new LogGroup(scope, id, {
    logGroupName,
    retention: profile.logRetention,
    removalPolicy: profile.removalPolicy,
    encryptionKey: profile.logEncryptionKey,
  });
  if (!profile.logEncryptionKey) {
    acknowledgeRuleInPacks(logGroup, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'CloudWatchLogGroupEncrypted', REASONS.unencryptedLogs);
    acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_encrypted_check', REASONS.unencryptedLogs);
  }
  if (!profile.production && profile.logRetention < MINIMUM_PRODUCTION_RETENTION_DAYS) {
    acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_retention_period_check', REASONS.shortRetention);
  }
  return logGroup;
}


/** The name API Gateway gives the execution-log group of a REST or WebSocket stage. */
export function executionLogGroupName(kind: ApiKind.REST | ApiKind.WEBSOCKET, apiId: string, stageName: string): string {
  return kind === ApiKind.REST ? `API-Gateway-Execution-Logs_${apiId}/${stageName}` : `/aws/apigateway/${apiId}/${stageName}`;
}

/**
 * The execution-log group of a REST or WebSocket stage, created in the template with the profile's
 * retention, key and removal policy. API Gateway writes execution logs to a group of a fixed name
 * and creates it itself when it is missing: never expiring, not encrypted with the profile's key,
 * and left behind by `cdk destroy`. The stage depends on the group, so the group exists before the
 * first log line. Returns undefined when the profile logs no execution logs.
 *
 * An API deployed before this group was part of its template already has the group API Gateway
 * made: delete that group (or import it) before deploying, or CloudFormation reports that it exists.
 */
export function createExecutionLogGroup(
  scope: Construct,
  profile: StageProfile,
  kind: ApiKind.REST | ApiKind.WEBSOCKET,
  apiId: string,
  stage: IConstruct,
): LogGroup | undefined {
  if (profile.executionLogLevel === MethodLoggingLevel.OFF && !profile.dataTrace) return undefined;
  const logGroup = createStageLogGroup(scope, 'ExecutionLogs', profile, executionLogGroupName(kind, apiId, profile.stageName));
  stage.node.addDependency(logGroup);
  return logGroup;
}
