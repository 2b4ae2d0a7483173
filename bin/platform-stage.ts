import { Stage } from 'aws-cdk-lib';
import type { StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CatalogApiStack } from './catalog-api-stack';
import { ChatApiStack } from './chat-api-stack';
import { ItemsApiStack } from './items-api-stack';
import { OrdersApiStack } from './orders-api-stack';
import { SharedStack } from './shared-stack';
import { stageEnvironment } from './stage-config';
import type { PlatformConfig, PlatformStageConfig } from './stage-config';

/** Props of {@link PlatformStage}. */
export interface PlatformStageProps extends StageProps {
  readonly platform: PlatformConfig;
  readonly config: PlatformStageConfig;
}

/**
 * One deployment stage of the demo platform (`cdk deploy 'prod/*'` deploys exactly this one), in
 * the account and Region its config names.
 */
export class PlatformStage extends Stage {
  constructor(scope: Construct, id: string, props: PlatformStageProps) {
    super(scope, id, { env: stageEnvironment(props.config), ...props });
    const { config, platform } = props;
    const shared = new SharedStack(this, 'Shared', { config });
    const items = new ItemsApiStack(this, 'ItemsApi', { config, alarmTopic: shared.alarmTopic, identity: platform.identity, zone: platform.zone });
    // API stages log through the account-level role the shared stack sets: deploy it first.
    items.addStackDependency(shared);
    const chat = new ChatApiStack(this, 'ChatApi', { config, alarmTopic: shared.alarmTopic, identity: platform.identity, zone: platform.zone });
    chat.addStackDependency(shared);
    const catalog = new CatalogApiStack(this, 'CatalogApi', { config, alarmTopic: shared.alarmTopic });
    catalog.addStackDependency(shared);
    const orders = new OrdersApiStack(this, 'OrdersApi', { config, alarmTopic: shared.alarmTopic, identity: platform.identity, zone: platform.zone });
    orders.addStackDependency(shared);
  }
}
