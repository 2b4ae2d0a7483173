import { Duration } from 'aws-cdk-lib';
import type { Environment } from 'aws-cdk-lib';

/** Everything that differs between the demo platform's stages, in one typed place. */
export interface PlatformStageConfig {
  /** Stage name: the CDK Stage id (`cdk deploy 'prod/*'`) and the API stage name. */
  readonly name: 'dev' | 'test' | 'prod';
  /**
   * The AWS account the stage deploys to. Each stage has its own account (AWS's multi-account
   * guidance), so account-wide settings such as API Gateway's CloudWatch role have one owner each.
   * The demo values are placeholders: put your accounts here.
   */
  readonly account: string;
  /** The Region the stage deploys to. */
  readonly region: string;
  /** Custom domain of the stage's APIs; one subdomain per stage. */
  readonly domain?: {
    readonly items: string;
    readonly chat: string;
  };
  /**
   * Place the account-level API Gateway CloudWatch role (one per account and Region) in this
   * stage's shared stack. Each stage is its own account here; turn it off where the platform
   * already owns that setting. Two stages of one account and Region cannot both place it: the
   * synth fails (`ApiGatewayAccountDuplicate`).
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
  readonly audiences: { readonly items: string[]; readonly chat: string[]; readonly orders: string[] };
}

/**
 * Where the demo platform's CDK Pipelines pipeline runs and what it builds (`npx cdk synth -c
 * pipeline=true`; see bin/pipeline-stack.ts). The values are placeholders: put yours here.
 */
export interface PlatformPipelineConfig {
  /**
   * The tooling account the pipeline runs in. It deploys into each stage's account, which must be
   * bootstrapped with `--trust` for this account.
   */
  readonly account: string;
  /** The Region the pipeline runs in. */
  readonly region: string;
  /** The repository the pipeline builds, `owner/name` as the connection's provider spells it. */
  readonly repository: string;
  /** The branch whose pushes start the pipeline. */
  readonly branch: string;
  /**
   * ARN of the AWS CodeConnections (formerly CodeStar Connections) connection to the repository's
   * host, created once in the tooling account and confirmed in the console.
   */
  readonly connectionArn: string;
}

/** Settings of the demo platform: the zone, the identity provider, each stage and the pipeline. */
export interface PlatformConfig {
  readonly zone: PlatformZone;
  readonly identity: PlatformIdentity;
  readonly stages: PlatformStageConfig[];
  readonly pipeline: PlatformPipelineConfig;
}

export const PLATFORM: PlatformConfig = {
  zone: { hostedZoneId: 'Z0EXAMPLE00000000001', zoneName: 'example.com' },
  identity: { issuer: 'https://id.example.com/', audiences: { items: ['items-api'], chat: ['chat-api'], orders: ['orders-api'] } },
  stages: [
    {
      name: 'dev',
      account: '111111111111',
      region: 'eu-west-1',
      manageApiGatewayAccount: true,
      alarmNotifications: false,
      authorizerCacheTtl: Duration.minutes(1),
    },
    {
      name: 'test',
      account: '222222222222',
      region: 'eu-west-1',
      manageApiGatewayAccount: true,
      domain: { items: 'items.test.example.com', chat: 'chat.test.example.com' },
      alarmNotifications: false,
      authorizerCacheTtl: Duration.minutes(5),
    },
    {
      name: 'prod',
      account: '333333333333',
      region: 'eu-west-1',
      manageApiGatewayAccount: true,
      domain: { items: 'items.example.com', chat: 'chat.example.com' },
      alarmNotifications: true,
      authorizerCacheTtl: Duration.minutes(5),
    },
  ],
  pipeline: {
    account: '444444444444',
    region: 'eu-west-1',
    repository: 'example-org/cdk-api-gateway-patterns',
    branch: 'main',
    connectionArn: 'arn:aws:codestar-connections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
  },
};

/** Where a stage deploys: its own account and Region, from the typed config (no context, no CLI profile). */
export function stageEnvironment(config: PlatformStageConfig): Environment {
  return { account: config.account, region: config.region };
}
