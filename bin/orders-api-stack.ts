import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ApiAuth, ApiKind, PrivateBackend, PrivateEcsApi } from '../lib';
import { stageProfileFor } from './shared-stack';
import type { PlatformIdentity, PlatformStageConfig, PlatformZone } from './stage-config';

/** Props of {@link OrdersApiStack}. */
export interface OrdersApiStackProps extends StackProps {
  readonly config: PlatformStageConfig;
  /** Topic of the stage's alarm notifications, if it has one. */
  readonly alarmTopic?: ITopic;
  readonly identity: PlatformIdentity;
  /** The zone the load balancer's certificate is validated in. */
  readonly zone: PlatformZone;
}

/**
 * The demo orders API: a containerized Node.js service (bin/services/orders) on ECS Fargate in
 * private subnets, behind an internal ALB that only API Gateway's VPC link reaches, with TLS from
 * API Gateway to the ALB. One task in dev and test, two (scaling to six) in prod.
 */
export class OrdersApiStack extends Stack {
  public readonly api: PrivateEcsApi;

  constructor(scope: Construct, id: string, props: OrdersApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    // API Gateway verifies the ALB's certificate against this name; it needs no DNS record of its own.
    const serverName = `orders-internal.${config.name}.${props.zone.zoneName}`;
    const certificate = new Certificate(this, 'LoadBalancerCertificate', {
      domainName: serverName,
      validation: CertificateValidation.fromDns(HostedZone.fromHostedZoneAttributes(this, 'Zone', props.zone)),
    });
    const production = config.name === 'prod';
    this.api = new PrivateEcsApi(this, 'OrdersApi', {
      profile: stageProfileFor(this, config, props.alarmTopic),
      apiName: `orders-${config.name}`,
      description: `Demo orders API on ECS Fargate (${config.name})`,
      kind: ApiKind.REST,
      backend: PrivateBackend.APPLICATION_LOAD_BALANCER,
      defaultAuth: ApiAuth.jwt({ issuer: props.identity.issuer, audience: props.identity.audiences.orders, resultsCacheTtl: config.authorizerCacheTtl }),
      tls: { certificate, serverName },
      services: [
        {
          name: 'orders',
          // Built for the task's architecture whatever machine builds it (X86_64, the construct's default).
          image: ContainerImage.fromAsset(path.join(__dirname, 'services', 'orders'), { platform: Platform.LINUX_AMD64 }),
          cpu: 256,
          memoryMiB: 512,
          containerPort: 8080,
          healthCheck: { path: '/health' },
          environment: { STAGE: config.name },
          autoScaling: production ? { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 60, requestsPerTarget: 1000 } : undefined,
        },
      ],
    });
  }
}
