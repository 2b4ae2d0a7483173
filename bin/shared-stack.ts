import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AlarmTopic, ApiGatewayCloudWatchRole, LogEncryptionKey, StageProfile } from '../lib';
import type { PlatformStageConfig } from './stage-config';

/** Props of {@link SharedStack}. */
export interface SharedStackProps extends StackProps {
  readonly config: PlatformStageConfig;
}

/**
 * What every API stack of one stage shares: the account-level API Gateway CloudWatch role, placed
 * explicitly, and the alarm topic (stages with notifications).
 */
export class SharedStack extends Stack {
  public readonly alarmTopic?: ITopic;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    if (props.config.manageApiGatewayAccount) new ApiGatewayCloudWatchRole(this, 'ApiGatewayAccount');
    if (props.config.alarmNotifications) {
      this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { displayName: `API alarms (${props.config.name})` }).topic;
    }
  }
}

/**
 * The stage profile of one API stack: the stage's preset, a log key of the stack's own (Control
 * Tower wants log groups to name a key of their own template) and the shared alarm topic.
 */
export function stageProfileFor(scope: Construct, config: PlatformStageConfig, alarmTopic?: ITopic): StageProfile {
  const preset = StageProfile[config.name]();
  const logKey = new LogEncryptionKey(scope, 'LogKey', { removalPolicy: preset.removalPolicy });
  return preset.withOverrides({ logEncryptionKey: logKey.key, alarmTopic });
}
