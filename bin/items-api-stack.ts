import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import { Key } from 'aws-cdk-lib/aws-kms';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ApiAuth, ApiCompliance, ApiCustomDomain, ApiKind, ReleasePolicy, RouteIntegration, ServerlessApi } from '../lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { stageProfileFor } from './shared-stack';
import type { PlatformIdentity, PlatformStageConfig, PlatformZone } from './stage-config';

/** Props of {@link ItemsApiStack}. */
export interface ItemsApiStackProps extends StackProps {
  readonly config: PlatformStageConfig;
  /** Topic of the stage's alarm notifications, if it has one. */
  readonly alarmTopic?: ITopic;
  readonly identity: PlatformIdentity;
  /** The zone of the stage's custom domain (stages with a domain). */
  readonly zone: PlatformZone;
}

/**
 * The demo items API: list, get and create items behind JWT auth, a public health check, and
 * `POST /events`, which API Gateway sends straight to an SQS queue (no Lambda in the path).
 */
export class ItemsApiStack extends Stack {
  /** Version 1 of the items API, under `/v1` of the stage's domain. */
  public readonly api: ServerlessApi;
  /** Version 2 of the items API, next to v1 under `/v2`, with its own stage and release policy. */
  public readonly apiV2: ServerlessApi;
  /** The queue `POST /events` writes to. */
  public readonly events: Queue;

  constructor(scope: Construct, id: string, props: ItemsApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const hostedZone = config.domain ? HostedZone.fromHostedZoneAttributes(this, 'Zone', props.zone) : undefined;
    // One domain, two versions side by side: /v1 and /v2 (see docs/releases.md, "API versions").
    const domain = config.domain && hostedZone ? new ApiCustomDomain(this, 'Domain', { domainName: config.domain.items, kind: ApiKind.REST, hostedZone }) : undefined;
    // Browsers read answers only when they carry CORS headers. API Gateway adds them to preflight
    // and to its own error answers; a Lambda proxy answer carries only what the function returns,
    // so the handler gets the same CORS settings and sets the headers itself.
    const cors = { allowOrigins: ['https://app.example.com'], allowCredentials: true };
    // One function serves every items route: one function, one integration permission.
    const items = RouteIntegration.entry(path.join(__dirname, 'lambda', 'items', 'handler.ts'), {
      description: `Items API handler (${config.name})`,
      environment: { CORS_ALLOW_ORIGINS: cors.allowOrigins.join(','), CORS_ALLOW_CREDENTIALS: String(cors.allowCredentials) },
    });
    // Item events from clients, straight into a queue: encrypted with a key of the stack's own, TLS only,
    // and a dead-letter queue for messages the consumers keep failing on.
    const eventsKey = new Key(this, 'ItemEventsKey', { enableKeyRotation: true, description: `Item events queue key (${config.name})` });
    ApiCompliance.restrictKeyGrantsToAwsServices(eventsKey);
    const queueProps = { encryption: QueueEncryption.KMS, encryptionMasterKey: eventsKey, enforceSSL: true, retentionPeriod: Duration.days(4) };
    const deadLetters = new Queue(this, 'ItemEventsDeadLetters', { ...queueProps, retentionPeriod: Duration.days(14) });
    const dlqReason = 'This queue is the dead-letter queue of ItemEvents; a dead-letter queue of its own would only move the same failed messages again.';
    // On the queue resource itself, not its TLS-only queue policy.
    const deadLetterQueue = deadLetters.node.defaultChild!;
    Validations.of(deadLetterQueue).acknowledge({ id: 'Serverless::Serverless-SQSRedrivePolicy', reason: dlqReason });
    Validations.of(deadLetterQueue).acknowledge({ id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: dlqReason });
    this.events = new Queue(this, 'ItemEvents', { ...queueProps, deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 } });
    const profile = stageProfileFor(this, config, props.alarmTopic);
    this.api = new ServerlessApi(this, 'ItemsApi', {
      profile,
      apiName: `items-${config.name}`,
      description: `Demo items API (${config.name})`,
      defaultAuth: ApiAuth.jwt({
        issuer: props.identity.issuer,
        audience: props.identity.audiences.items,
        resultsCacheTtl: config.authorizerCacheTtl,
      }),
      cors,
      customDomain: domain ? { domain, basePath: 'v1' } : undefined,
      routes: {
        'GET /items': { integration: items },
        'GET /items/{id}': { integration: items },
        'POST /items': {
          integration: items,
          requestSchema: {
            type: JsonSchemaType.OBJECT,
            required: ['name', 'price'],
            additionalProperties: false,
            properties: {
              name: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 100 },
              price: { type: JsonSchemaType.NUMBER, minimum: 0 },
              tags: { type: JsonSchemaType.ARRAY, maxItems: 10, items: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 32 } },
            },
          },
        },
        'POST /events': {
          integration: RouteIntegration.sqs(this.events),
          requestSchema: {
            type: JsonSchemaType.OBJECT,
            required: ['itemId', 'event'],
            properties: {
              itemId: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 64 },
              event: { type: JsonSchemaType.STRING, enum: ['viewed', 'added-to-cart', 'purchased'] },
            },
          },
        },
        'GET /health': { integration: RouteIntegration.mock({ body: JSON.stringify({ status: 'ok' }) }), auth: ApiAuth.none() },
      },
    });

    // v2: the same handler behind a smaller route set; it gets its own stage, alarms and release
    // policy (a slower canary in prod while v2 is new), so each version is released and rolled back alone.
    this.apiV2 = new ServerlessApi(this, 'ItemsApiV2', {
      profile: config.name === 'prod' ? profile.withOverrides({ release: ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(15) }) }) : profile,
      apiName: `items-v2-${config.name}`,
      description: `Demo items API, version 2 (${config.name})`,
      defaultAuth: ApiAuth.jwt({ issuer: props.identity.issuer, audience: props.identity.audiences.items, resultsCacheTtl: config.authorizerCacheTtl }),
      cors,
      customDomain: domain ? { domain, basePath: 'v2' } : undefined,
      routes: {
        'GET /items': { integration: items },
        'GET /items/{id}': { integration: items },
      },
    });
  }
}
