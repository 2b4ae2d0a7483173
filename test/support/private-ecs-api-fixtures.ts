import { App, Duration, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { AlarmTopic, ApiAuth, ApiKind, LogEncryptionKey, PrivateBackend, PrivateEcsApi, StageProfile, VpcEgress } from '../../lib';
import type { PrivateEcsApiProps, PrivateEcsServiceProps } from '../../lib';
import { EcsNetwork } from '../../lib/private-ecs-api/ecs-network';
import { resourcesOf } from './metered-public-api-fixtures';
import type { FoundProperties } from './metered-public-api-fixtures';
import { templateOf } from './stacks';

/*
 * What the PrivateEcsApi suites share: the five paths a request can take to the containers, a
 * stack in a fixed account and Region (ALB access logs need a Region), the smallest and the
 * fullest API, and readers of what a synthesized template says about security groups, URIs and
 * VPC endpoints.
 */

/** The account and Region of every stack: load balancer access-log bucket policies need a Region. */
export const ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * An image in an ECR repository (imported, in a stack of its own): no Docker build, so the tests
 * stay fast, and tasks in isolated subnets can pull it through the ECR endpoints.
 */
export const IMAGE = ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(new Stack(new App(), 'Images', { env: ENV }), 'Orders', 'orders'), '1.0.0');

/** What {@link IMAGE} names in a task definition, with `<Ref:AWS::URLSuffix>` for the URL suffix. */
export const IMAGE_NAME = '111111111111.dkr.ecr.eu-west-1.<Ref:AWS::URLSuffix>/orders:1.0.0';

/** A public image by name: tasks reach it only through NAT gateways (or a given VPC's own way out). */
export const PUBLIC_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/nginx:1.27');

/** An ACM certificate (imported by ARN) and the name API Gateway verifies it against. */
export const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555';
export const SERVER_NAME = 'orders.internal.example.com';

/** The TLS 1.3 policy CDK calls `SslPolicy.RECOMMENDED_TLS`. */
export const TLS13_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** One way from API Gateway to the tasks: an API kind and a backend. */
export interface PrivateEcsPath {
  /** How the tests name the path. */
  readonly name: string;
  readonly kind: ApiKind;
  readonly backend: PrivateBackend;
}

export const REST_ALB: PrivateEcsPath = { name: 'REST + ALB (VPC link v2)', kind: ApiKind.REST, backend: PrivateBackend.APPLICATION_LOAD_BALANCER };
export const REST_NLB: PrivateEcsPath = { name: 'REST + NLB (VPC link v1)', kind: ApiKind.REST, backend: PrivateBackend.NETWORK_LOAD_BALANCER };
export const HTTP_ALB: PrivateEcsPath = { name: 'HTTP + ALB (VPC link v2)', kind: ApiKind.HTTP, backend: PrivateBackend.APPLICATION_LOAD_BALANCER };
export const HTTP_NLB: PrivateEcsPath = { name: 'HTTP + NLB (VPC link v2)', kind: ApiKind.HTTP, backend: PrivateBackend.NETWORK_LOAD_BALANCER };
export const HTTP_CLOUD_MAP: PrivateEcsPath = { name: 'HTTP + Cloud Map (VPC link v2)', kind: ApiKind.HTTP, backend: PrivateBackend.CLOUD_MAP };

/** The five paths, in the order the suites list them. */
export const PRIVATE_ECS_PATHS: readonly PrivateEcsPath[] = [REST_ALB, REST_NLB, HTTP_ALB, HTTP_NLB, HTTP_CLOUD_MAP];

/** A fresh App and a Stack in {@link ENV}. */
export function privateEcsStack(id = 'TestStack'): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, id, { env: ENV });
  return { app, stack };
}

/** The certificate of the TLS tests, imported into `stack`. */
export function certificate(stack: Stack): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
}

/** A service named `orders` with the public image and the defaults, merged with `props`. */
export function ordersService(props: Partial<PrivateEcsServiceProps> = {}): PrivateEcsServiceProps {
  return { name: 'orders', image: IMAGE, ...props };
}

/**
 * The smallest PrivateEcsApi on `path`: API 'orders' on the dev profile, IAM auth on every route,
 * one service 'orders' with the defaults (routes `ANY /orders` and `ANY /orders/{proxy+}`).
 */
export function minimalPrivateEcsApi(stack: Stack, path: PrivateEcsPath, props: Partial<PrivateEcsApiProps> = {}): PrivateEcsApi {
  return new PrivateEcsApi(stack, 'Api', {
    profile: StageProfile.dev(),
    apiName: 'orders',
    kind: path.kind,
    backend: path.backend,
    defaultAuth: ApiAuth.iam(),
    services: [ordersService()],
    ...props,
  });
}

/**
 * A production PrivateEcsApi with every feature of the REST + ALB path: an alarm topic and encrypted
 * logs, TLS to the ALB, NAT egress, two services (one with environment, a Secrets Manager secret,
 * CPU and request-count auto scaling), and a private endpoint reachable through an `execute-api`
 * interface endpoint. The endpoint sits in a client VPC built like the API's own (EcsNetwork), and
 * the secret is imported by its complete ARN: nothing here but the API is under test.
 */
export function fullPrivateEcsApi(stack: Stack): PrivateEcsApi {
  const topic = new AlarmTopic(stack, 'AlarmTopic');
  const logKey = new LogEncryptionKey(stack, 'LogKey');
  const profile = StageProfile.prod({ alarmTopic: topic.topic, logEncryptionKey: logKey.key });
  const clientVpc = new EcsNetwork(stack, 'ClientNetwork', { profile, secrets: false }).vpc;
  const executeApi = new ec2.InterfaceVpcEndpoint(stack, 'ExecuteApiEndpoint', { vpc: clientVpc, service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY, open: false });
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DbSecret', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders/db-AbCdEf');
  return new PrivateEcsApi(stack, 'Api', {
    profile,
    apiName: 'orders',
    description: 'Every feature of PrivateEcsApi on REST + ALB',
    kind: ApiKind.REST,
    backend: PrivateBackend.APPLICATION_LOAD_BALANCER,
    defaultAuth: ApiAuth.iam(),
    vpcOptions: { egress: VpcEgress.NAT_GATEWAY },
    tls: { certificate: certificate(stack), serverName: SERVER_NAME },
    privateEndpoint: { vpcEndpoints: [executeApi] },
    services: [
      ordersService({
        cpu: 512,
        memoryMiB: 1024,
        containerPort: 3000,
        environment: { LOG_LEVEL: 'info' },
        secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) },
        command: ['node', 'server.js'],
        healthCheck: { path: '/ready', interval: Duration.seconds(30) },
        autoScaling: { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 50, requestsPerTarget: 500 },
      }),
      { name: 'users', image: IMAGE, pathPrefix: '/v1/users' },
    ],
  });
}

/**
 * GIVEN a stack in {@link ENV}; WHEN the minimal API is built on `path` with `props`. The template
 * is synthesized once, on first read.
 */
export function ordersApi(path: PrivateEcsPath, props: Partial<PrivateEcsApiProps> = {}, prepare?: (stack: Stack) => Partial<PrivateEcsApiProps>) {
  const { app, stack } = privateEcsStack();
  const api = minimalPrivateEcsApi(stack, path, { ...props, ...(prepare ? prepare(stack) : {}) });
  let template: Template | undefined;
  return {
    app,
    stack,
    api,
    get template(): Template {
      template ??= templateOf(stack);
      return template;
    },
  };
}

/** Builds on first use and keeps the result, so tests that share a configuration share one synthesized template. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** The logical id of a construct's CloudFormation resource (an L2's default child, or the resource itself). */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(resource);
}

/** `{ "Fn::GetAtt": [id, "GroupId"] }` of a security group, as rules name it. */
export const groupIdOf = (group: IConstruct) => ({ 'Fn::GetAtt': [logicalIdOf(group), 'GroupId'] });

/** A security group rule, with its peer as `sg:<logicalId>` or the CIDR. */
export interface Rule {
  readonly peer: string;
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
}

function peerOf(rule: FoundProperties, direction: 'ingress' | 'egress'): string {
  const group = direction === 'ingress' ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId;
  if (group) return `sg:${group['Fn::GetAtt']?.[0] ?? JSON.stringify(group)}`;
  return rule.CidrIp ?? rule.CidrIpv6 ?? rule.SourcePrefixListId ?? rule.DestinationPrefixListId ?? 'unknown';
}

/** Every ingress (or egress) rule of the security group `groupLogicalId`: inline ones and separate rule resources. */
export function rulesOf(template: Template, groupLogicalId: string, direction: 'ingress' | 'egress'): Rule[] {
  const group = resourcesOf(template, 'AWS::EC2::SecurityGroup')[groupLogicalId];
  expect(group).toBeDefined();
  const inline: FoundProperties[] = group.Properties[direction === 'ingress' ? 'SecurityGroupIngress' : 'SecurityGroupEgress'] ?? [];
  const separate = Object.values(resourcesOf(template, direction === 'ingress' ? 'AWS::EC2::SecurityGroupIngress' : 'AWS::EC2::SecurityGroupEgress'))
    .map((r) => r.Properties)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupLogicalId, 'GroupId'] }));
  return [...inline, ...separate].map((r) => ({ peer: peerOf(r, direction), protocol: String(r.IpProtocol), from: r.FromPort, to: r.ToPort }));
}

/** Every ingress rule in the template that is open to the world (IPv4 or IPv6). */
export function worldOpenIngress(template: Template): FoundProperties[] {
  const inline = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroup')).flatMap((g) => (g.Properties.SecurityGroupIngress ?? []) as FoundProperties[]);
  const separate = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
  return [...inline, ...separate].filter((r) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0');
}

/**
 * A resolved string that may be an `Fn::Join`, as text: literal parts as they are, every token as
 * `<Ref:id>` or `<GetAtt:id.attr>`, so a test can read a URI or a service name whole.
 */
export function joinedText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(joinedText).join(separator);
  }
  if (v?.Ref) return `<Ref:${v.Ref as string}>`;
  if (v?.['Fn::GetAtt']) return `<GetAtt:${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  return `<${JSON.stringify(value)}>`;
}

/** The VPC endpoints of the template as `<type> <service>` (e.g. `Interface com.amazonaws.eu-west-1.ecr.api`), sorted. */
export function vpcEndpointsOf(template: Template): string[] {
  return Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint'))
    .map((r) => `${r.Properties.VpcEndpointType} ${joinedText(r.Properties.ServiceName).replace('<Ref:AWS::Region>', ENV.region)}`)
    .sort();
}
