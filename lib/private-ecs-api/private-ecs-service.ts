import { Annotations, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { acknowledgeRule, acknowledgeRuleInPacks } from '../core/compliance/acknowledgments';
import { createStageLogGroup } from '../core/stage/stage-log-group';
import type { StageProfile } from '../core/stage/stage-profile';
import type { RouteSettings } from '../core/routing/route-options';

/** The load balancer (or Cloud Map) health check of a service. */
export interface PrivateEcsHealthCheck {
  /**
   * Path the load balancer requests; a 200 answer counts as healthy. Must start with `/`.
   * @default '/health'
   */
  readonly path?: string;
  /**
   * Time between checks, 5 to 300 s.
   * @default Duration.seconds(15)
   */
  readonly interval?: Duration;
  /**
   * Consecutive successes before a task receives traffic, 2 to 10 (load balancers only).
   * @default 2
   */
  readonly healthyThresholdCount?: number;
  /**
   * Consecutive failures before a task stops receiving traffic, 2 to 10.
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;
  /**
   * How long ECS ignores failing checks of a starting task.
   * @default Duration.seconds(60)
   */
  readonly gracePeriod?: Duration;
  /**
   * The container health check's command, used with `PrivateBackend.CLOUD_MAP` (no load balancer
   * checks the tasks there; ECS does, and Cloud Map routes to healthy tasks only).
   * @default - `wget` (BusyBox, as in Alpine images) requesting `path` on the container port
   */
  readonly command?: string[];
}

/** Auto scaling of a service's task count. */
export interface PrivateEcsAutoScaling {
  /**
   * Fewest tasks.
   * @default - the service's desiredCount
   */
  readonly minCapacity?: number;
  /** Most tasks; at least `minCapacity`. */
  readonly maxCapacity: number;
  /**
   * Average CPU utilization (percent, 10 to 90) the task count tracks.
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * Requests per task per minute the task count tracks (ALB only).
   * @default - no request-count scaling
   */
  readonly requestsPerTarget?: number;
}

/** One containerized service behind a PrivateEcsApi. */
export interface PrivateEcsServiceProps {
  /** The service's name: lowercase letters, digits and '-', 1 to 32 characters, unique in the API. */
  readonly name: string;
  /** The container image: `ContainerImage.fromAsset(dir)` (built and pushed to ECR by `cdk deploy`) or `fromEcrRepository`. */
  readonly image: ecs.ContainerImage;
  /**
   * CPU units of a task: 256, 512, 1024, 2048, 4096, 8192 or 16384.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of a task in MiB; only the sizes Fargate offers with `cpu`.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * CPU architecture of the image.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * The port the container listens on, 1 to 65535.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * Tasks to run, spread over the AZs. Never 0 on a production profile.
   * @default - 2 on a production profile, 1 otherwise
   */
  readonly desiredCount?: number;
  /**
   * The path prefix an ALB routes to this service (listener rules for `prefix` and `prefix/*`);
   * the service receives paths with the prefix. ALB only: an NLB routes by port.
   * @default - `/<name>` with an ALB
   */
  readonly pathPrefix?: string;
  /**
   * The NLB listener port of this service, 1 to 65535, unique in the API. NLB only.
   * @default - 80 (443 with `tls`)
   */
  readonly listenerPort?: number;
  /**
   * The health check.
   * @default - GET /health every 15 s
   */
  readonly healthCheck?: PrivateEcsHealthCheck;
  /**
   * Plain environment variables (never secrets: they show in the task definition).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Secrets from Secrets Manager or SSM Parameter Store, injected as environment variables at start.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;
  /**
   * Command of the container.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The user the container runs as (a non-root user is required by Control Tower's ECS controls).
   * @default '1000'
   */
  readonly user?: string;
  /**
   * Mount the container's root filesystem read-only.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * Auto scaling on CPU (and request count with an ALB).
   * @default - a fixed desiredCount
   */
  readonly autoScaling?: PrivateEcsAutoScaling;
  /**
   * The API routes to this service, by route key. Paths are passed to the service as they are
   * (with an ALB they must lie under `pathPrefix`).
   * @default - `ANY <prefix>` and `ANY <prefix>/{proxy+}`, prefix being `pathPrefix` or `/<name>`
   */
  readonly routes?: Record<string, RouteSettings>;
}

/** ECS-native traffic shifting of a service behind a load balancer (from the stage profile's release policy). */
export interface EcsTrafficShift {
  /** CANARY or LINEAR. */
  readonly strategy: ecs.DeploymentStrategy;
  /** The percentage each step moves. */
  readonly stepPercent: number;
  /** The time between steps. */
  readonly stepBakeTime: Duration;
}

/** What a {@link PrivateEcsService} is built from: a service's props, checked and completed by its PrivateEcsApi. */
export interface PrivateEcsServiceConstructProps {
  /** The service's props as given. */
  readonly props: PrivateEcsServiceProps;
  /** The API's stage profile (log retention, key, removal policy). */
  readonly profile: StageProfile;
  /** The cluster the service runs in. */
  readonly cluster: ecs.ICluster;
  /** The private subnets of the tasks. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Tasks to run; left out of the template when auto scaling owns the count (a template value
   * would reset the count on every deploy).
   * @default - set by auto scaling
   */
  readonly desiredCount?: number;
  /** CPU units of a task. */
  readonly cpu: number;
  /** Memory of a task, MiB. */
  readonly memoryMiB: number;
  /** The port the container listens on. */
  readonly containerPort: number;
  /** Register the tasks in Cloud Map (SRV records) instead of a load balancer. */
  readonly cloudMap: boolean;
  /**
   * ECS's own traffic shifting for new task sets (canary or linear behind a load balancer).
   * @default - rolling deployments with the circuit breaker
   */
  readonly shift?: EcsTrafficShift;
  /** The health-check path (Cloud Map: the container's own health check requests it). */
  readonly healthCheckPath: string;
}

/**
 * One Fargate service of a PrivateEcsApi: its task definition (least-privilege task role, logs to a
 * log group of the profile), its security group (which the API opens to the load balancer only),
 * and its ECS service with the deployment circuit breaker. Public members let platform teams extend it.
 */
export class PrivateEcsService extends Construct {
  /** The service's name. */
  public readonly serviceName: string;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The role the application runs with: no permissions until you grant some. */
  public readonly taskRole: iam.IRole;
  /** The security group of the tasks. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The container's log group. */
  public readonly logGroup: ILogGroup;
  /** The port the container listens on. */
  public readonly containerPort: number;
  /** The service's Cloud Map service (Cloud Map backend). */
  public readonly cloudMapService?: servicediscovery.IService;
  /** The ALB target group (ALB backend); set by the API when it attaches the service. */
  public applicationTargetGroup?: elbv2.ApplicationTargetGroup;
  /** The NLB target group (NLB backend); set by the API when it attaches the service. */
  public networkTargetGroup?: elbv2.NetworkTargetGroup;
  /** The task count's scaling (with `autoScaling`); set by the API. */
  public scaling?: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, c: PrivateEcsServiceConstructProps) {
    super(scope, id);
    const { props, profile } = c;
    this.serviceName = props.name;
    this.containerPort = c.containerPort;
    this.logGroup = createStageLogGroup(this, 'Logs', profile);
    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Task role of ${props.name}: grant it what the application needs`,
    });
    this.taskRole = taskRole;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: c.cpu,
      memoryLimitMiB: c.memoryMiB,
      taskRole,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.container = this.taskDefinition.addContainer('App', {
      containerName: props.name,
      image: props.image,
      // The container may use the whole task (Control Tower asks for a hard limit).
      memoryLimitMiB: c.memoryMiB,
      command: props.command,
      environment: props.environment,
      secrets: props.secrets,
      user: props.user ?? '1000',
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      essential: true,
      healthCheck: c.cloudMap
        ? {
            command: props.healthCheck?.command ?? ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${c.containerPort}${c.healthCheckPath} || exit 1`],
            interval: props.healthCheck?.interval ?? Duration.seconds(15),
            retries: props.healthCheck?.unhealthyThresholdCount ?? 2,
            startPeriod: props.healthCheck?.gracePeriod ?? Duration.seconds(60),
            timeout: Duration.seconds(5),
          }
        : undefined,
      portMappings: [{ containerPort: c.containerPort, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: props.name, logGroup: this.logGroup, mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
    });
    if (props.environment && Object.keys(props.environment).length > 0) {
      acknowledgeRule(
        this.taskDefinition.node.defaultChild!,
        'AwsSolutions',
        'ECS2',
        'The environment holds plain configuration set by the platform team; secrets reach the container only through `secrets` (Secrets Manager or SSM), which ECS injects at start.',
      );
    }
    const executionRole = this.taskDefinition.obtainExecutionRole();
    // ecr:GetAuthorizationToken has no resource-level permissions; every other statement names its resource.
    const executionPolicy = executionRole.node.tryFindChild('DefaultPolicy');
    if (executionPolicy) {
      acknowledgeRule(executionPolicy, 'AwsSolutions', 'IAM5', 'ECS task execution role: ecr:GetAuthorizationToken supports only Resource "*" (AWS documents it so); image pulls and log writes name their repository and log group.', 'Resource::*');
      acknowledgeRuleInPacks(executionPolicy, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'IAMNoInlinePolicy', 'The execution role\'s policy belongs to this one task definition and holds only the statements CDK generates for its image, logs and secrets.');
    }

    // Tasks reach AWS APIs (ECR, logs, secrets, and whatever the application is granted) over HTTPS only;
    // add rules to `securityGroup` for anything else they must reach (a database port, for example).
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: c.cluster.vpc,
      allowAllOutbound: false,
      description: `Tasks of ${props.name}: admit the load balancer (or VPC link) only; HTTPS out`,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (VPC endpoints, S3 gateway, or NAT)');
    this.securityGroup = securityGroup;
    this.service = new ecs.FargateService(this, 'Service', {
      securityGroups: [securityGroup],
      cluster: c.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: c.desiredCount,
      vpcSubnets: c.subnets,
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      // Rolling deployments stop and roll back on tasks that fail to start; traffic-shifting ones on alarms.
      circuitBreaker: c.shift ? undefined : { enable: true, rollback: true },
      deploymentStrategy: c.shift?.strategy,
      canaryConfiguration: c.shift?.strategy === ecs.DeploymentStrategy.CANARY ? { stepPercent: c.shift.stepPercent, stepBakeTime: c.shift.stepBakeTime } : undefined,
      linearConfiguration: c.shift?.strategy === ecs.DeploymentStrategy.LINEAR ? { stepPercent: c.shift.stepPercent, stepBakeTime: c.shift.stepBakeTime } : undefined,
      healthCheckGracePeriod: c.cloudMap ? undefined : (props.healthCheck?.gracePeriod ?? Duration.seconds(60)),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
      cloudMapOptions: c.cloudMap
        ? { name: props.name, dnsRecordType: servicediscovery.DnsRecordType.SRV, container: this.container, containerPort: c.containerPort, dnsTtl: Duration.seconds(10) }
        : undefined,
    });
    this.cloudMapService = this.service.cloudMapService;
    if (c.shift) {
      // A traffic-shifting deployment is stopped and rolled back by its alarms (set by the API), not the circuit breaker.
      Annotations.of(this.service).acknowledgeWarning('@aws-cdk/aws-ecs:shouldUseCircuitBreaker', 'Canary and linear ECS deployments roll back on the service and API alarms the PrivateEcsApi attaches to them.');
    }
  }
}
