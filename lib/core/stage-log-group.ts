import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRuleInPacks, REASONS } from './acknowledgments';

/** Control Tower's minimum log retention (CT.CLOUDWATCH.PR.2). */
const MINIMUM_PRODUCTION_RETENTION_DAYS = 365;
import type { StageProfile } from './stage-profile';

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

