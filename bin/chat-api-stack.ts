import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ApiAuth, RealtimeWebSocketApi } from '../lib';
import { stageProfileFor } from './shared-stack';
import type { PlatformIdentity, PlatformStageConfig, PlatformZone } from './stage-config';

/** Props of {@link ChatApiStack}. */
export interface ChatApiStackProps extends StackProps {
  readonly config: PlatformStageConfig;
  readonly identity: PlatformIdentity;
  /** The zone of the stage's custom domain (stages with a domain). */
  readonly zone: PlatformZone;
  /** Topic of the stage's alarm notifications, if it has one. */
  readonly alarmTopic?: ITopic;
}

/** The demo chat API: a WebSocket API with channels, JWT-authorized connects, on the stage's domain. */
export class ChatApiStack extends Stack {
  public readonly chat: RealtimeWebSocketApi;

  constructor(scope: Construct, id: string, props: ChatApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const hostedZone = config.domain ? HostedZone.fromHostedZoneAttributes(this, 'Zone', props.zone) : undefined;
    this.chat = new RealtimeWebSocketApi(this, 'Chat', {
      profile: stageProfileFor(this, config, props.alarmTopic),
      apiName: `chat-${config.name}`,
      description: `Demo chat API (${config.name})`,
      connectAuth: ApiAuth.jwt({ issuer: props.identity.issuer, audience: props.identity.audiences.chat }),
      customDomain: config.domain ? { domainName: config.domain.chat, hostedZone } : undefined,
    });
  }
}
