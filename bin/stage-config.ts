import { Duration } from 'aws-cdk-lib';
import type { Environment } from 'aws-cdk-lib';

/** Everything that differs between the demo platform's stages, in one typed place. */
export interface PlatformStageConfig {
  /** Stage name: the CDK Stage id (`cdk deploy 'prod/*'`) and the API stage name. */
  readonly name: 'dev' | 'test' | 'prod';
  /** Custom domain of the stage's APIs; one subdomain per stage. */
  readonly domain?: {
    readonly items: string;
    readonly chat: string;
  };
  /**
   * Place the account-level API Gateway CloudWatch role (one per account and Region) in this
   * stage's shared stack. In the reference layout each stage is its own account; turn it off
   * where the platform already owns that setting.
   */
  readonly manageApiGatewayAccount: boolean;
  /** Notify on-call through an SNS topic. */
  readonly alarmNotifications: boolean;
  /** How long the JWT authorizer's decisions are cached. */
  readonly authorizerCacheTtl: Duration;
}

/** The hosted zone the test and prod domains live in (no lookups: synth stays offline). */
export interface PlatformZone {
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

/** The identity provider whose JWTs the demo APIs accept. */
export interface PlatformIdentity {
  readonly issuer: string;
  /** Accepted audiences per API: a token for one API does not open the other. */
  readonly audiences: { readonly items: string[]; readonly chat: string[] };
}

/** Settings of the demo platform: the zone, the identity provider and each stage. */
export interface PlatformConfig {
  readonly zone: PlatformZone;
  readonly identity: PlatformIdentity;
  readonly stages: PlatformStageConfig[];
}

export const PLATFORM: PlatformConfig = {
  zone: { hostedZoneId: 'Z0EXAMPLE00000000001', zoneName: 'example.com' },
  identity: { issuer: 'https://id.example.com/', audiences: { items: ['items-api'], chat: ['chat-api'] } },
  stages: [
    { name: 'dev', manageApiGatewayAccount: true, alarmNotifications: false, authorizerCacheTtl: Duration.minutes(1) },
    {
      name: 'test',
      manageApiGatewayAccount: true,
      domain: { items: 'items.test.example.com', chat: 'chat.test.example.com' },
      alarmNotifications: false,
      authorizerCacheTtl: Duration.minutes(5),
    },
    {
      name: 'prod',
      manageApiGatewayAccount: true,
      domain: { items: 'items.example.com', chat: 'chat.example.com' },
      alarmNotifications: true,
      authorizerCacheTtl: Duration.minutes(5),
    },
  ],
};

/**
 * Account and Region of the stages: from context (`-c account=… -c region=…`) or the CLI's
 * environment (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION). Neither is needed to synthesize.
 */
export function platformEnvironment(context: (key: string) => unknown): Environment {
  return {
    account: (context('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: (context('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION,
  };
}
