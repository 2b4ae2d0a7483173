import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct } from 'constructs';
import { ApiBase } from '../core/api-base/api-base';
import type { ApiBaseProps } from '../core/api-base/api-base';
import { ApiKind } from '../core/api-base/api-kind';
import { pascalCase } from '../core/api-base/construct-ids';
import type { RouteApi } from '../core/api-base/route-api';
import type { Authorization } from '../core/auth/authorization';
import { acknowledgeDeployTimeHandler, acknowledgeGuardRule, acknowledgeRule, acknowledgeRuleInPacks } from '../core/compliance/acknowledgments';
import type { ApiFunctionOptions } from '../core/functions/api-function';
import { PrivateIntegration, validateTlsServerName } from '../core/integrations/private-integration';
import { clientFacingDocument } from '../core/openapi/openapi-document';
import { resolveCors } from '../core/routing/cors';
import type { CorsOptions } from '../core/routing/cors';
import { ApiFeature, requireFeature } from '../core/routing/protocol-features';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { validateIntegerRange } from '../core/validation/validation';
import { ReleaseStyle } from '../core/release/release-policy';
import { EcsNetwork, VpcEgress } from './ecs-network';
import type { PrivateEcsVpcOptions } from './ecs-network';
import { validateFargateSize } from './fargate-size';
import { PrivateEcsService } from './private-ecs-service';
import type { EcsTrafficShift, PrivateEcsServiceProps } from './private-ecs-service';
import type { RouteSettings } from '../core/routing/route-options';

/** What carries requests from the VPC link to the tasks. */
export enum PrivateBackend {
  /** An internal ALB with a listener rule per service path prefix; VPC link v2 on REST and HTTP APIs. */
  APPLICATION_LOAD_BALANCER = 'APPLICATION_LOAD_BALANCER',
  /** An internal NLB with a listener per service port; VPC link v1 on REST, v2 on HTTP APIs. */
  NETWORK_LOAD_BALANCER = 'NETWORK_LOAD_BALANCER',
  /** No load balancer: tasks register in Cloud Map (SRV records) and the HTTP API reaches them through a VPC link v2. HTTP APIs only. */
  CLOUD_MAP = 'CLOUD_MAP',
}

/** TLS from API Gateway to the load balancer. */
export interface PrivateEcsTlsOptions {
  /** An ACM certificate for `serverName` (API Gateway verifies it; the name needs no DNS record). */
  readonly certificate: ICertificate;
  /** The name API Gateway verifies the load balancer's certificate against. */
  readonly serverName: string;
}

/** A private REST endpoint, reachable only through the given `execute-api` interface VPC endpoints. */
export interface PrivateEcsEndpointOptions {
  /** The `execute-api` interface endpoints that may call the API; at least one. */
  readonly vpcEndpoints: ec2.IInterfaceVpcEndpoint[];
}

/** Props of {@link PrivateEcsApi}. */
export interface PrivateEcsApiProps extends ApiBaseProps {
  /**
   * `ApiKind.REST` or `ApiKind.HTTP`. Asking an HTTP API for a REST-only feature fails at synth.
   * @default ApiKind.REST
   */
  readonly kind?: ApiKind;
  /**
   * What the VPC link reaches: an ALB, an NLB, or Cloud Map (HTTP APIs only).
   * @default PrivateBackend.APPLICATION_LOAD_BALANCER
   */
  readonly backend?: PrivateBackend;
  /** The services, at least one. */
  readonly services: PrivateEcsServiceProps[];
  /**
   * The VPC: its private (or isolated) subnets hold the load balancer, the VPC link and the tasks.
   * @default - a new VPC (see vpcOptions)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The VPC the construct creates when `vpc` is not given.
   * @default - two AZs, isolated subnets, VPC endpoints, flow logs
   */
  readonly vpcOptions?: PrivateEcsVpcOptions;
  /**
   * Description of the API.
   * @default - none
   */
  readonly description?: string;
  /**
   * Authorization of every route that does not set its own.
   * @default - none: each route needs `auth` (`ApiAuth.none()` for an explicitly public route)
   */
  readonly defaultAuth?: Authorization;
  /**
   * CORS for browser clients.
   * @default - no CORS
   */
  readonly cors?: CorsOptions;
  /**
   * Options for functions the construct creates (the bundled JWT authorizer).
   * @default - see ApiFunctionOptions
   */
  readonly functionOptions?: ApiFunctionOptions;
  /**
   * X-Ray tracing on the stage. REST only.
   * @default - the profile's `tracing` on REST
   */
  readonly tracing?: boolean;
  /**
   * A REGIONAL web ACL to associate with the stage. REST only.
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * TLS from API Gateway to the load balancer.
   * @default - HTTP inside the VPC
   */
  readonly tls?: PrivateEcsTlsOptions;
  /**
   * Make the REST API private: reachable only through these `execute-api` VPC endpoints, with a
   * resource policy that denies every other caller. REST only.
   * @default - a Regional endpoint
   */
  readonly privateEndpoint?: PrivateEcsEndpointOptions;
  /**
   * Write load-balancer access logs to an encrypted bucket the construct creates (NLBs log TLS listeners only).
   * @default true
   */
  readonly loadBalancerAccessLogs?: boolean;
  /**
   * Protect the load balancer from deletion.
   * @default - true on a production profile
   */
  readonly deletionProtection?: boolean;
  /**
   * CloudWatch Container Insights on the cluster.
   * @default ecs.ContainerInsights.ENABLED
   */
  readonly containerInsights?: ecs.ContainerInsights;
  /**
   * Write the API's OpenAPI documents into the cloud assembly at synth.
   * @default true
   */
  readonly openApiFiles?: boolean;
}

/** The CloudWatch namespace of the bundled JWT authorizer's `AuthorizerErrors`. */
const METRICS_NAMESPACE = 'PrivateEcsApi';
/** Service names: lowercase DNS labels (they name Cloud Map records, containers and log streams). */
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** A path prefix: one or more segments of unreserved characters. */
const PATH_PREFIX = /^(\/[A-Za-z0-9._-]+)+$/;

/** A stable ALB rule priority (1 to 50000) from a service's name, so adding or reordering services never swaps priorities. */
function rulePriority(name: string): number {
  let hash = 2166136261;
  for (const ch of name) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 1 + (hash % 50000);
}

/** A service's checked settings. */
interface ResolvedService {
  readonly props: PrivateEcsServiceProps;
  readonly prop: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly containerPort: number;
  readonly desiredCount: number;
  readonly healthCheckPath: string;
  readonly pathPrefix: string;
  readonly listenerPort?: number;
}

/**
 * Containers behind API Gateway with nothing public but the API: API Gateway (REST or HTTP) -> VPC
 * link -> internal ALB or NLB (or Cloud Map) -> ECS Fargate services in private subnets. The ALB
 * admits only the VPC link's security group and the tasks only the load balancer's; the backend
 * receives each route's own path, never the stage name. Routes, authorization, CORS, throttling,
 * caching, custom domains, logs and alarms come from the library's core, as for the other constructs.
 *
 * @example
 * new PrivateEcsApi(this, 'Orders', {
 *   profile: StageProfile.prod(),
 *   defaultAuth: ApiAuth.iam(),
 *   services: [{ name: 'orders', image: ecs.ContainerImage.fromAsset('services/orders') }],
 * });
 */
export class PrivateEcsApi extends ApiBase {
  /** The CloudWatch namespace of the bundled JWT authorizer's `AuthorizerErrors`. */
  public static readonly METRICS_NAMESPACE = METRICS_NAMESPACE;

  /** What the VPC link reaches. */
  public readonly backend: PrivateBackend;
  /** The REST API (kind REST). */
  public readonly restApi?: apigw.SpecRestApi;
  /** The REST stage (kind REST). */
  public readonly restStage?: apigw.Stage;
  /** The HTTP API (kind HTTP). */
  public readonly httpApi?: apigwv2.HttpApi;
  /** The HTTP stage (kind HTTP). */
  public readonly httpStage?: apigwv2.HttpStage;
  /** The REST stage's execution-log group, when the profile logs execution. */
  public readonly executionLogGroup?: ILogGroup;
  /** The API's OpenAPI 3.0 definition. */
  public readonly openApiDocument: Record<string, unknown>;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The ECS cluster. */
  public readonly cluster: ecs.Cluster;
  /** The services, by name. */
  public readonly services: Record<string, PrivateEcsService> = {};
  /** The VPC link (v1) of a REST API in front of an NLB. */
  public readonly vpcLink?: apigw.VpcLink;
  /** The VPC link (v2) of every other path. */
  public readonly vpcLinkV2?: apigwv2.VpcLink;
  /** The VPC link (v2)'s security group: the only source the load balancer (or, with Cloud Map, the tasks) admit. */
  public readonly vpcLinkSecurityGroup?: ec2.SecurityGroup;
  /** The internal ALB. */
  public readonly applicationLoadBalancer?: elbv2.ApplicationLoadBalancer;
  /** The internal NLB. */
  public readonly networkLoadBalancer?: elbv2.NetworkLoadBalancer;
  /** The load balancer's security group. */
  public readonly loadBalancerSecurityGroup?: ec2.SecurityGroup;
  /** The ALB's listener. */
  public readonly applicationListener?: elbv2.ApplicationListener;
  /** The NLB's listeners, by service name. */
  public readonly networkListeners: Record<string, elbv2.NetworkListener> = {};
  /** The bucket of the load balancer's access logs. */
  public readonly accessLogsBucket?: s3.Bucket;
  /** The Cloud Map namespace (Cloud Map backend). */
  public readonly cloudMapNamespace?: servicediscovery.PrivateDnsNamespace;

  private readonly routes: RouteApi;
  private readonly props: PrivateEcsApiProps;
  private readonly listenerPorts: Record<string, number> = {};
  private readonly rulePriorities = new Set<number>();
  private shift?: EcsTrafficShift;

  constructor(scope: Construct, id: string, props: PrivateEcsApiProps) {
    const kind = props.kind ?? ApiKind.REST;
    super(scope, id, kind, props);
    this.props = props;
    this.backend = props.backend ?? PrivateBackend.APPLICATION_LOAD_BALANCER;
    this.rejectMissingFeatures(kind);
    const services = this.resolveServices(props.services);
    this.checkImagesReachable(props);

    const network = new EcsNetwork(this, 'Network', {
      profile: props.profile,
      vpc: props.vpc,
      options: props.vpcOptions,
      secrets: props.services.some((s) => Object.keys(s.secrets ?? {}).length > 0),
    });
    this.vpc = network.vpc;
    // A load balancer and a VPC link take one subnet per AZ; the tasks may use every private subnet.
    const edgeSubnets: ec2.SubnetSelection = { ...network.subnets, onePerAz: true };
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: props.containerInsights ?? ecs.ContainerInsights.ENABLED });
    if (this.backend === PrivateBackend.CLOUD_MAP) {
      this.cloudMapNamespace = this.cluster.addDefaultCloudMapNamespace({
        name: `${this.apiName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63).replace(/^-+|-+$/g, '') || 'api'}.internal`,
        type: servicediscovery.NamespaceType.DNS_PRIVATE,
        vpc: this.vpc,
        useForServiceConnect: false,
      }) as servicediscovery.PrivateDnsNamespace;
    }

    const usesV1 = kind === ApiKind.REST && this.backend === PrivateBackend.NETWORK_LOAD_BALANCER;
    if (!usesV1) {
      this.vpcLinkSecurityGroup = new ec2.SecurityGroup(this, 'VpcLinkSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: `VPC link of ${this.apiName}: reaches the ${this.backend === PrivateBackend.CLOUD_MAP ? 'tasks' : 'load balancer'} only`,
      });
      this.vpcLinkV2 = new apigwv2.VpcLink(this, 'VpcLinkV2', { vpc: this.vpc, subnets: edgeSubnets, securityGroups: [this.vpcLinkSecurityGroup] });
    }

    const listenerProtocolPort = props.tls ? 443 : 80;
    if (this.backend === PrivateBackend.APPLICATION_LOAD_BALANCER) {
      this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: `Internal ALB of ${this.apiName}: admits the VPC link only`,
      });
      this.applicationLoadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
        vpc: this.vpc,
        vpcSubnets: edgeSubnets,
        internetFacing: false,
        securityGroup: this.loadBalancerSecurityGroup,
        dropInvalidHeaderFields: true,
        deletionProtection: props.deletionProtection ?? props.profile.production,
      });
      this.applicationListener = this.applicationLoadBalancer.addListener('Listener', {
        port: listenerProtocolPort,
        protocol: props.tls ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
        certificates: props.tls ? [props.tls.certificate] : undefined,
        sslPolicy: props.tls ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: '{"message":"Not Found"}' }),
      });
      this.vpcLinkSecurityGroup!.connections.allowTo(this.applicationLoadBalancer, ec2.Port.tcp(listenerProtocolPort), 'VPC link to the ALB listener');
      if (!props.tls) this.acknowledgePlainListener(this.applicationListener, true);
    } else if (this.backend === PrivateBackend.NETWORK_LOAD_BALANCER) {
      this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: usesV1 ? `Internal NLB of ${this.apiName}: reached over PrivateLink by its VPC link only` : `Internal NLB of ${this.apiName}: admits the VPC link only`,
      });
      this.networkLoadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
        vpc: this.vpc,
        vpcSubnets: edgeSubnets,
        internetFacing: false,
        securityGroups: [this.loadBalancerSecurityGroup],
        crossZoneEnabled: true,
        deletionProtection: props.deletionProtection ?? props.profile.production,
        // A VPC link v1 reaches the NLB over PrivateLink; its traffic passes no security group rule, so the rules must not be enforced on it.
        enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: !usesV1,
      });
      if (usesV1) {
        this.vpcLink = new apigw.VpcLink(this, 'VpcLink', { targets: [this.networkLoadBalancer], description: `${this.apiName} to its internal NLB` });
      }
    }
    const loadBalancer = this.applicationLoadBalancer ?? this.networkLoadBalancer;
    if (loadBalancer) this.accessLogsBucket = this.configureLoadBalancer(loadBalancer, props);

    this.shift = this.trafficShift();
    for (const s of services) this.addService(s, network.subnets);

    this.routes = this._setUpRoutes(
      {
        description: props.description,
        defaultAuth: props.defaultAuth,
        cors: props.cors ? resolveCors(this, 'cors', props.cors) : undefined,
        functionOptions: props.functionOptions,
        tracing: props.tracing,
        endpointType: props.privateEndpoint ? apigw.EndpointType.PRIVATE : undefined,
        resourcePolicy: props.privateEndpoint ? this.privateEndpointPolicy(props.privateEndpoint) : undefined,
        webAclArn: props.webAclArn,
        handlerMetricsNamespace: METRICS_NAMESPACE,
        authorizerErrors: this.metricAuthorizerErrors(),
      },
      props.openApiFiles ?? true,
    );
    this.restApi = this.routes.restApi;
    this.restStage = this.routes.restStage;
    this.httpApi = this.routes.httpApi;
    this.httpStage = this.routes.httpStage;
    this.executionLogGroup = this.routes.executionLogGroup;
    this.openApiDocument = this.routes.backend.document;

    for (const s of services) this.addServiceRoutes(s);
    this.watchBackend(services);
  }

  /** The client-facing variant of `openApiDocument`, for client generators. */
  public clientOpenApiDocument(): Record<string, unknown> {
    return clientFacingDocument(this.openApiDocument);
  }

  /** Latency (p90, 1 minute). */
  public metricLatency(props?: MetricOptions): Metric {
    return this.metrics.metricLatency(props);
  }

  /** Failures of the bundled JWT authorizer that are not the token's fault (namespace `PrivateEcsApi`; Sum, 1 minute). */
  public metricAuthorizerErrors(props?: MetricOptions): Metric {
    return this._handlerMetric(METRICS_NAMESPACE, 'AuthorizerErrors', props);
  }

  /** Props only REST APIs (or only some backends) can honour fail, naming the prop. */
  private rejectMissingFeatures(kind: ApiKind): void {
    const p = this.props;
    if (kind === ApiKind.WEBSOCKET) {
      throw new ApiPatternsError('ApiKindInvalid', `kind must be ApiKind.REST or ApiKind.HTTP. Got: ${describeValue(kind)}`, this);
    }
    const asked: Array<[unknown, ApiFeature, string]> = [
      [p.privateEndpoint, ApiFeature.ENDPOINT_TYPE, 'privateEndpoint'],
      [p.webAclArn, ApiFeature.WAF, 'webAclArn'],
      [p.tracing, ApiFeature.STAGE_TRACING, 'tracing'],
      [p.profile.caching, ApiFeature.STAGE_CACHE, 'profile.caching'],
    ];
    for (const [value, feature, prop] of asked) {
      if (value !== undefined && value !== false) requireFeature(this, kind, feature, prop);
    }
    validateTlsServerName('tls.serverName', p.tls?.serverName, this);
    if (this.backend === PrivateBackend.CLOUD_MAP && kind !== ApiKind.HTTP) {
      throw new ApiPatternsError('PrivateBackendUnsupported', `backend PrivateBackend.CLOUD_MAP needs kind ApiKind.HTTP: REST APIs reach a VPC through a load balancer only. Got: kind ${kind}`, this);
    }
    if (this.backend === PrivateBackend.CLOUD_MAP && p.tls) {
      throw new ApiPatternsError('PrivateTlsUnsupported', 'tls needs a load balancer to terminate it; with PrivateBackend.CLOUD_MAP the tasks would have to. Got: tls with CLOUD_MAP', this);
    }
    if (p.privateEndpoint && p.customDomain) {
      throw new ApiPatternsError(
        'PrivateEndpointCustomDomainUnsupported',
        'customDomain creates a Regional custom domain, which cannot map a private REST API (privateEndpoint); private APIs need a private custom domain name. Got: both',
        this,
      );
    }
    if (p.privateEndpoint && p.privateEndpoint.vpcEndpoints.length === 0) {
      throw new ApiPatternsError('PrivateEndpointVpcEndpointsMissing', 'privateEndpoint.vpcEndpoints must name at least one execute-api interface endpoint: nobody could call the API. Got: []', this);
    }
  }

  /**
   * Tasks pull their image through the network the construct gives them: a VPC it creates with
   * VpcEgress.VPC_ENDPOINTS reaches ECR only. A given VPC with isolated subnets only gets a warning,
   * since its endpoints are not the construct's to see.
   */
  private checkImagesReachable(props: PrivateEcsApiProps): void {
    if (props.vpc) {
      if (props.vpc.privateSubnets.length === 0) {
        Annotations.of(this).addWarningV2(
          '@cdk-api-gateway-patterns/private-ecs-api:isolatedVpc',
          'vpc has isolated subnets only: tasks reach ECR, CloudWatch Logs (and Secrets Manager) only if the VPC has interface endpoints for them and an S3 gateway endpoint.',
        );
      }
      return;
    }
    if ((props.vpcOptions?.egress ?? VpcEgress.VPC_ENDPOINTS) !== VpcEgress.VPC_ENDPOINTS) return;
    props.services.forEach((p, i) => {
      if (p.image instanceof ecs.RepositoryImage) {
        throw new ApiPatternsError(
          'ImageUnreachable',
          `services[${i}].image comes from a public registry, which tasks cannot reach with vpcOptions.egress VpcEgress.VPC_ENDPOINTS (no internet route): use ContainerImage.fromAsset or fromEcrRepository (or mirror the image to ECR), or egress VpcEgress.NAT_GATEWAY. Got: ContainerImage.fromRegistry`,
          this,
        );
      }
    });
  }

  /** Checks every service's props; returns them with their defaults. */
  private resolveServices(list: PrivateEcsServiceProps[]): ResolvedService[] {
    if (list.length === 0) throw new ApiPatternsError('ServicesMissing', 'services must name at least one service. Got: []', this);
    const names = new Map<string, string>();
    const prefixes = new Map<string, string>();
    const ports = new Map<number, string>();
    const alb = this.backend === PrivateBackend.APPLICATION_LOAD_BALANCER;
    const nlb = this.backend === PrivateBackend.NETWORK_LOAD_BALANCER;
    return list.map((p, i) => {
      const prop = `services[${i}]`;
      if (!SERVICE_NAME.test(p.name)) {
        throw new ApiPatternsError('ServiceNameInvalid', `${prop}.name must be 1 to 32 lowercase letters, digits or '-', starting with a letter. Got: ${describeValue(p.name)}`, this);
      }
      // Names become construct ids in PascalCase: 'a-b1' and 'a-b-1' would clash there.
      const idName = pascalCase(p.name);
      if (names.has(idName)) throw new ApiPatternsError('ServiceNameDuplicate', `${prop}.name is taken (or spelled alike, apart from '-') by ${names.get(idName)}. Got: ${describeValue(p.name)}`, this);
      names.set(idName, prop);
      const cpu = p.cpu ?? 256;
      const memoryMiB = p.memoryMiB ?? 512;
      validateFargateSize(this, prop, cpu, memoryMiB);
      const containerPort = p.containerPort ?? 8080;
      validateIntegerRange(this, 'ContainerPortInvalid', `${prop}.containerPort`, containerPort, 1, 65535);
      const desiredCount = p.desiredCount ?? (this.profile.production ? 2 : 1);
      validateIntegerRange(this, 'DesiredCountInvalid', `${prop}.desiredCount`, desiredCount, 0, 1000);
      if (desiredCount === 0 && this.profile.production) {
        throw new ApiPatternsError('DesiredCountZeroInProduction', `${prop}.desiredCount must be at least 1 on a production profile (stage ${describeValue(this.stageName)}): every request would fail. Got: 0`, this);
      }
      const healthCheckPath = p.healthCheck?.path ?? '/health';
      if (!/^\/[\x21-\x7e]*$/.test(healthCheckPath) || healthCheckPath.length > 1024) {
        throw new ApiPatternsError('HealthCheckPathInvalid', `${prop}.healthCheck.path must start with '/' and hold visible ASCII only (at most 1024 characters). Got: ${describeValue(healthCheckPath)}`, this);
      }
      this.validateHealthCheck(prop, p);
      if (p.pathPrefix !== undefined && !alb) {
        throw new ApiPatternsError(
          'PathRoutingUnsupported',
          `${prop}.pathPrefix needs PrivateBackend.APPLICATION_LOAD_BALANCER: ${nlb ? 'an NLB routes by port (listenerPort), not by path' : 'Cloud Map has no path rules; the routes choose the service'}. Got: ${describeValue(p.pathPrefix)}`,
          this,
        );
      }
      const pathPrefix = p.pathPrefix ?? `/${p.name}`;
      if (!PATH_PREFIX.test(pathPrefix)) {
        throw new ApiPatternsError('PathPrefixInvalid', `${prop}.pathPrefix must be '/' and one or more segments of letters, digits, '.', '_' or '-', with no trailing '/'. Got: ${describeValue(pathPrefix)}`, this);
      }
      if (alb) {
        for (const [other, otherProp] of prefixes) {
          if (other === pathPrefix || other.startsWith(`${pathPrefix}/`) || pathPrefix.startsWith(`${other}/`)) {
            throw new ApiPatternsError('PathPrefixDuplicate', `${prop}.pathPrefix overlaps ${otherProp}.pathPrefix ${describeValue(other)}: one ALB rule would take the other's requests. Got: ${describeValue(pathPrefix)}`, this);
          }
        }
        prefixes.set(pathPrefix, prop);
      }
      if (p.listenerPort !== undefined && !nlb) {
        throw new ApiPatternsError('ListenerPortUnsupported', `${prop}.listenerPort needs PrivateBackend.NETWORK_LOAD_BALANCER (a listener per service); ${alb ? 'an ALB routes by pathPrefix on one listener' : 'Cloud Map has no listeners'}. Got: ${describeValue(p.listenerPort)}`, this);
      }
      let listenerPort: number | undefined;
      if (nlb) {
        listenerPort = p.listenerPort ?? (this.props.tls ? 443 : 80);
        validateIntegerRange(this, 'ListenerPortInvalid', `${prop}.listenerPort`, listenerPort, 1, 65535);
        if (ports.has(listenerPort)) {
          throw new ApiPatternsError('ListenerPortDuplicate', `${prop}.listenerPort is taken by ${ports.get(listenerPort)}: each service behind an NLB needs its own port. Got: ${listenerPort}`, this);
        }
        ports.set(listenerPort, prop);
      }
      this.validateAutoScaling(prop, p, desiredCount);
      return { props: p, prop, cpu, memoryMiB, containerPort, desiredCount, healthCheckPath, pathPrefix, listenerPort };
    });
  }

  private validateHealthCheck(prop: string, p: PrivateEcsServiceProps): void {
    const hc = p.healthCheck ?? {};
    if (hc.interval) validateIntegerRange(this, 'HealthCheckIntervalInvalid', `${prop}.healthCheck.interval (seconds)`, hc.interval.toSeconds(), 5, 300);
    if (hc.healthyThresholdCount !== undefined) validateIntegerRange(this, 'HealthCheckThresholdInvalid', `${prop}.healthCheck.healthyThresholdCount`, hc.healthyThresholdCount, 2, 10);
    if (hc.unhealthyThresholdCount !== undefined) validateIntegerRange(this, 'HealthCheckThresholdInvalid', `${prop}.healthCheck.unhealthyThresholdCount`, hc.unhealthyThresholdCount, 2, 10);
    // With Cloud Map the grace period is the container health check's start period, which ECS bounds.
    if (hc.gracePeriod && this.backend === PrivateBackend.CLOUD_MAP) {
      validateIntegerRange(this, 'HealthCheckGracePeriodInvalid', `${prop}.healthCheck.gracePeriod (seconds, with PrivateBackend.CLOUD_MAP)`, hc.gracePeriod.toSeconds(), 0, 300);
    }
  }

  private validateAutoScaling(prop: string, p: PrivateEcsServiceProps, desiredCount: number): void {
    const a = p.autoScaling;
    if (!a) return;
    const min = a.minCapacity ?? desiredCount;
    validateIntegerRange(this, 'AutoScalingRangeInvalid', `${prop}.autoScaling.minCapacity`, min, this.profile.production ? 1 : 0, 1000);
    validateIntegerRange(this, 'AutoScalingRangeInvalid', `${prop}.autoScaling.maxCapacity`, a.maxCapacity, Math.max(min, 1), 1000);
    if (a.cpuTargetPercent !== undefined) validateIntegerRange(this, 'AutoScalingCpuTargetInvalid', `${prop}.autoScaling.cpuTargetPercent`, a.cpuTargetPercent, 10, 90);
    if (a.requestsPerTarget !== undefined) {
      if (this.backend !== PrivateBackend.APPLICATION_LOAD_BALANCER) {
        throw new ApiPatternsError('RequestScalingUnsupported', `${prop}.autoScaling.requestsPerTarget needs PrivateBackend.APPLICATION_LOAD_BALANCER, whose target groups count requests. Got: ${describeValue(a.requestsPerTarget)}`, this);
      }
      validateIntegerRange(this, 'AutoScalingRequestsInvalid', `${prop}.autoScaling.requestsPerTarget`, a.requestsPerTarget, 1, 1_000_000);
    }
  }

  /** Access logs, and what the compliance packs ask of an internal load balancer the API alone reaches. */
  private configureLoadBalancer(lb: elbv2.BaseLoadBalancer, props: PrivateEcsApiProps): s3.Bucket | undefined {
    // Load-balancer findings are acknowledged on the load balancer resource, not its listeners or groups.
    const lbResource = lb.node.defaultChild!;
    let bucket: s3.Bucket | undefined;
    // NLBs write access logs for TLS listeners only: without TLS the bucket would stay empty.
    const nlbWithoutTls = lb instanceof elbv2.NetworkLoadBalancer && !props.tls;
    if ((props.loadBalancerAccessLogs ?? true) && !nlbWithoutTls) {
      bucket = new s3.Bucket(this, 'AccessLogsBucket', {
        // ELB writes access logs to SSE-S3 buckets only.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: props.profile.removalPolicy,
        // ELB writes a test object as soon as logging is on: a stage that is deleted must empty the bucket first.
        autoDeleteObjects: props.profile.removalPolicy === RemovalPolicy.DESTROY,
        lifecycleRules: [{ expiration: Duration.days(props.profile.logRetention), noncurrentVersionExpiration: Duration.days(1) }],
      });
      lb.logAccessLogs(bucket);
      // On the bucket resource itself: its policy and the auto-delete resource are checked as they are.
      const bucketResource = bucket.node.defaultChild!;
      acknowledgeDeployTimeHandler(this, 'Custom::S3AutoDeleteObjectsCustomResourceProvider', 'empties the access-log bucket when a non-production stage is deleted (S3 API)');
      const reason = 'This bucket receives the load balancer\'s access logs; logging the log bucket itself would need yet another bucket.';
      acknowledgeRule(bucketResource, 'AwsSolutions', 'S1', reason);
      acknowledgeRuleInPacks(bucketResource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3BucketLoggingEnabled', reason);
      const sse = 'Elastic Load Balancing writes access logs only to buckets encrypted with SSE-S3 (AES-256), not SSE-KMS.';
      acknowledgeRuleInPacks(bucketResource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3DefaultEncryptionKMS', sse);
      acknowledgeGuardRule(bucketResource, 's3_bucket_default_encryption_kms_check', sse);
      acknowledgeGuardRule(bucketResource, 's3_bucket_logging_enabled_check', reason);
      acknowledgeGuardRule(bucketResource, 's3_event_notifications_enabled_check', 'Only Elastic Load Balancing writes to this bucket; nothing acts on new log objects, and a notification target would add a function to the stack for no reader.');
      acknowledgeGuardRule(
        bucket,
        's3_bucket_object_lock_enabled_check',
        'Access logs expire after the profile\'s log retention through a lifecycle rule, and non-production stages delete the bucket with the stage; object lock would block both. Versioning keeps overwritten objects for a day.',
      );
      acknowledgeRuleInPacks(bucketResource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3BucketReplicationEnabled', 'Access logs are kept for the profile\'s retention in one Region; replicate them from your log archive account if policy requires it.');
    } else {
      const reason = nlbWithoutTls
        ? 'Network Load Balancers write access logs for TLS listeners only, and this one has none (no tls); API Gateway\'s access logs record every request.'
        : 'Access logs are turned off by the API owner (loadBalancerAccessLogs: false); API Gateway\'s access logs record every request.';
      acknowledgeRule(lbResource, 'AwsSolutions', 'ELB2', reason);
      acknowledgeRuleInPacks(lbResource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'ELBLoggingEnabled', reason);
      acknowledgeGuardRule(lbResource, 'elbv2_logging_enabled_check', reason);
    }
    if (!(props.deletionProtection ?? props.profile.production)) {
      const reason = 'Non-production stage (or deletionProtection: false): the load balancer holds no data and is recreated by the next deploy; production profiles turn deletion protection on.';
      acknowledgeRuleInPacks(lbResource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'ELBDeletionProtectionEnabled', reason);
      acknowledgeGuardRule(lbResource, 'elbv2_deletion_protection_enabled_check', reason);
    }
    if (lb instanceof elbv2.ApplicationLoadBalancer) {
      acknowledgeRuleInPacks(lbResource, ['NIST.800.53.R5', 'PCI.DSS.321'], 'ALBWAFEnabled', 'Internal ALB reachable only from the API\'s VPC link security group; a web ACL belongs in front of the API stage (webAclArn), where client traffic arrives.');
    }
    return bucket;
  }

  /** A listener without TLS: what the packs ask of it, and why it holds inside the VPC. */
  private acknowledgePlainListener(listener: elbv2.BaseListener, alb: boolean): void {
    const reason =
      'Requests reach this internal listener from API Gateway\'s VPC link only, inside the VPC (its security group admits nothing else); ' +
      'clients connect to API Gateway over TLS. Set tls (an ACM certificate) to encrypt this hop as well, as the demo app does.';
    const resource = listener.node.defaultChild!;
    acknowledgeRuleInPacks(resource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'ELBv2ACMCertificateRequired', reason);
    if (alb) {
      const resource = listener.node.defaultChild!;
    acknowledgeRuleInPacks(resource, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'ALBHttpToHttpsRedirection', reason);
      acknowledgeGuardRule(resource, 'alb_http_to_https_redirection_check', reason);
    }
  }

  /**
   * The stage profile's release policy as ECS's own traffic shifting: canary or linear task-set
   * shifts behind a load balancer. All at once stays a rolling deployment; Cloud Map has no load
   * balancer to shift through, so its services roll (with alarm rollback).
   */
  private trafficShift(): EcsTrafficShift | undefined {
    const policy = this.profile.release;
    if (policy.style === ReleaseStyle.ALL_AT_ONCE) return undefined;
    if (this.backend === PrivateBackend.CLOUD_MAP) {
      Annotations.of(this).addWarningV2(
        '@cdk-api-gateway-patterns/private-ecs-api:cloudMapRolling',
        `profile.release is ${policy.style}, but ECS shifts traffic only behind a load balancer: Cloud Map services use rolling deployments with the circuit breaker and alarm rollback.`,
      );
      return undefined;
    }
    const minutes = policy.interval!.toMinutes();
    if (minutes > 1440) {
      throw new ApiPatternsError('EcsReleaseIntervalInvalid', `profile.release.interval must be at most 1440 minutes for ECS traffic shifting (a step's bake time). Got: ${minutes} minutes`, this);
    }
    if (policy.style === ReleaseStyle.LINEAR && policy.percent! < 3) {
      throw new ApiPatternsError('EcsReleasePercentInvalid', `profile.release.percent must be at least 3 for ECS linear traffic shifting. Got: ${policy.percent}`, this);
    }
    return {
      strategy: policy.style === ReleaseStyle.CANARY ? ecs.DeploymentStrategy.CANARY : ecs.DeploymentStrategy.LINEAR,
      stepPercent: policy.percent!,
      stepBakeTime: policy.interval!,
    };
  }

  /** The service's rule priority: from its name, the next free one when two names hash alike. */
  private freeRulePriority(name: string): number {
    let priority = rulePriority(name);
    while (this.rulePriorities.has(priority)) priority = (priority % 50000) + 1;
    this.rulePriorities.add(priority);
    return priority;
  }

  /** Creates a service and attaches it to the load balancer (or Cloud Map). */
  private addService(s: ResolvedService, subnets: ec2.SubnetSelection): void {
    const service = new PrivateEcsService(this, `${pascalCase(s.props.name)}Service`, {
      props: s.props,
      profile: this.profile,
      cluster: this.cluster,
      subnets,
      // Auto scaling owns the count: a template value would reset it on every deploy.
      desiredCount: s.props.autoScaling ? undefined : s.desiredCount,
      healthCheckPath: s.healthCheckPath,
      cpu: s.cpu,
      memoryMiB: s.memoryMiB,
      containerPort: s.containerPort,
      cloudMap: this.backend === PrivateBackend.CLOUD_MAP,
      shift: this.shift,
    });
    this.services[s.props.name] = service;
    const hc = s.props.healthCheck ?? {};
    const interval = hc.interval ?? Duration.seconds(15);
    const healthCheck: elbv2.HealthCheck = {
      path: s.healthCheckPath,
      interval,
      // ELB requires the timeout to be shorter than the interval (5 s at most, as ALBs default to).
      timeout: Duration.seconds(Math.min(5, interval.toSeconds() - 1)),
      healthyThresholdCount: hc.healthyThresholdCount ?? 2,
      unhealthyThresholdCount: hc.unhealthyThresholdCount ?? 2,
      protocol: elbv2.Protocol.HTTP,
    };
    const targetId = pascalCase(s.props.name);
    if (this.applicationListener) {
      // AWS documents that a REST API's private integration through a VPC link v2 sends the stage in
      // the path (/<stage>/orders/...). The rule also matches that form and rewrites it to the route's
      // own path, so the service sees the same paths whichever form arrives.
      const stagePrefixed = this.kind === ApiKind.REST ? [`/${this.stageName}${s.pathPrefix}`, `/${this.stageName}${s.pathPrefix}/*`] : [];
      const group = {
        port: s.containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        healthCheck,
        deregistrationDelay: Duration.seconds(30),
      };
      service.applicationTargetGroup = this.applicationListener.addTargets(targetId, {
        priority: this.freeRulePriority(s.props.name),
        conditions: [elbv2.ListenerCondition.pathPatterns([s.pathPrefix, `${s.pathPrefix}/*`, ...stagePrefixed])],
        targets: this.shift ? [] : [service.service],
        ...group,
      });
      if (this.shift) {
        // ECS shifts traffic between the production group and an alternate one through the service's listener rule.
        const alternate = new elbv2.ApplicationTargetGroup(this, `${targetId}AlternateGroup`, { vpc: this.vpc, targetType: elbv2.TargetType.IP, ...group });
        const rule = this.applicationListener.node.findChild(`${targetId}Rule`) as elbv2.ApplicationListenerRule;
        service.applicationTargetGroup.addTarget(
          service.service.loadBalancerTarget({
            containerName: service.container.containerName,
            containerPort: s.containerPort,
            alternateTarget: new ecs.AlternateTarget('Alternate', { alternateTargetGroup: alternate, productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(rule) }),
          }),
        );
      }
      if (stagePrefixed.length > 0) {
        const rule = this.applicationListener.node.findChild(`${targetId}Rule`).node.defaultChild as elbv2.CfnListenerRule;
        rule.transforms = [{ type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: `^/${this.stageName}(/.*)$`, replace: '$1' }] } }];
      }
    } else if (this.networkLoadBalancer) {
      const listener = this.networkLoadBalancer.addListener(`${targetId}Listener`, {
        port: s.listenerPort!,
        protocol: this.props.tls ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
        certificates: this.props.tls ? [this.props.tls.certificate] : undefined,
        sslPolicy: this.props.tls ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      });
      this.networkListeners[s.props.name] = listener;
      if (!this.props.tls) this.acknowledgePlainListener(listener, false);
      this.listenerPorts[s.props.name] = s.listenerPort!;
      const group = { port: s.containerPort, protocol: elbv2.Protocol.TCP, healthCheck, deregistrationDelay: Duration.seconds(30) };
      service.networkTargetGroup = listener.addTargets(targetId, { targets: this.shift ? [] : [service.service], ...group });
      if (this.shift) {
        const alternate = new elbv2.NetworkTargetGroup(this, `${targetId}AlternateGroup`, { vpc: this.vpc, targetType: elbv2.TargetType.IP, ...group });
        service.networkTargetGroup.addTarget(
          service.service.loadBalancerTarget({
            containerName: service.container.containerName,
            containerPort: s.containerPort,
            alternateTarget: new ecs.AlternateTarget('Alternate', { alternateTargetGroup: alternate, productionListener: ecs.ListenerRuleConfiguration.networkListener(listener) }),
          }),
        );
      }
      service.service.connections.allowFrom(this.loadBalancerSecurityGroup!, ec2.Port.tcp(s.containerPort), 'NLB to the tasks');
      if (this.vpcLinkSecurityGroup) this.vpcLinkSecurityGroup.connections.allowTo(this.loadBalancerSecurityGroup!, ec2.Port.tcp(s.listenerPort!), 'VPC link to the NLB listener');
      // The NLB forwards to the tasks and runs their health checks.
      this.loadBalancerSecurityGroup!.addEgressRule(service.securityGroup, ec2.Port.tcp(s.containerPort), 'NLB to the tasks');
    } else {
      service.service.connections.allowFrom(this.vpcLinkSecurityGroup!, ec2.Port.tcp(s.containerPort), 'VPC link to the tasks');
    }
    // The role ECS uses to move the listener between the two target groups during a shift.
    const alternateRole = service.service.node.tryFindChild('AlternateRole');
    if (alternateRole) {
      acknowledgeRule(
        alternateRole,
        'AwsSolutions',
        'IAM4',
        'AmazonECSInfrastructureRolePolicyForLoadBalancers is the AWS-maintained policy ECS documents for traffic-shifting deployments: it lets ECS modify the listener rules and target groups of the service, nothing else.',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers',
      );
    }
    const scaling = s.props.autoScaling;
    if (scaling) {
      service.scaling = service.service.autoScaleTaskCount({ minCapacity: scaling.minCapacity ?? s.desiredCount, maxCapacity: scaling.maxCapacity });
      service.scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: scaling.cpuTargetPercent ?? 60 });
      if (scaling.requestsPerTarget !== undefined && service.applicationTargetGroup) {
        service.scaling.scaleOnRequestCount('Requests', { requestsPerTarget: scaling.requestsPerTarget, targetGroup: service.applicationTargetGroup });
      }
    }
  }

  /** The service's routes, each integrated with its load balancer (or Cloud Map service). */
  private addServiceRoutes(s: ResolvedService): void {
    const service = this.services[s.props.name];
    const integration = this.integrationFor(service);
    const routes: Record<string, RouteSettings> = s.props.routes ?? { [`ANY ${s.pathPrefix}`]: {}, [`ANY ${s.pathPrefix}/{proxy+}`]: {} };
    for (const [routeKey, options] of Object.entries(routes)) {
      const prop = `${s.prop}.routes[${JSON.stringify(routeKey)}]`;
      const path = routeKey.trim().split(/\s+/)[1] ?? '';
      if (this.backend === PrivateBackend.APPLICATION_LOAD_BALANCER && path !== s.pathPrefix && !path.startsWith(`${s.pathPrefix}/`)) {
        throw new ApiPatternsError(
          'RouteOutsidePathPrefix',
          `${prop}: the path must lie under the service's pathPrefix ${describeValue(s.pathPrefix)}, or the ALB would answer 404 (the backend receives the route's own path). Got: ${describeValue(path)}`,
          this,
        );
      }
      this.routes.addRoute(prop, routeKey, { ...options, integration });
    }
  }

  private integrationFor(service: PrivateEcsService): PrivateIntegration {
    const tlsServerName = this.props.tls?.serverName;
    if (this.applicationListener) return PrivateIntegration.applicationLoadBalancer(this.applicationListener, { vpcLink: this.vpcLinkV2!, tlsServerName });
    if (this.networkLoadBalancer) {
      return PrivateIntegration.networkLoadBalancer(this.networkListeners[service.serviceName], { port: this.listenerPorts[service.serviceName], vpcLink: this.vpcLink, vpcLinkV2: this.vpcLinkV2, tlsServerName });
    }
    return PrivateIntegration.cloudMap(service.cloudMapService!, { vpcLink: this.vpcLinkV2! });
  }

  /** A resource policy that lets only the given VPC endpoints invoke the API. */
  private privateEndpointPolicy(options: PrivateEcsEndpointOptions): iam.PolicyDocument {
    const endpoints = options.vpcEndpoints.map((e) => e.vpcEndpointId);
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ effect: iam.Effect.ALLOW, principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] }),
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
          conditions: { StringNotEquals: { 'aws:SourceVpce': endpoints } },
        }),
      ],
    });
  }

  /**
   * ECS stops a deployment, and rolls it back when the release policy says so, while the service's
   * target alarms or the API's 5xx alarm are in ALARM.
   */
  private rollBackOn(s: ResolvedService, service: PrivateEcsService, serviceAlarms: Alarm[]): void {
    const policy = this.profile.release;
    const serverErrors = this._serverErrorAlarm;
    const alarms = [...serviceAlarms, ...(serverErrors ? [serverErrors] : [])];
    policy._requireAlarms(this, 'profile.release', this.profile.releaseGiven, alarms.length, s.prop);
    if (alarms.length === 0) return;
    service.service.enableDeploymentAlarms(
      alarms.map((a) => a.alarmName),
      { behavior: policy.rollback ? ecs.AlarmBehavior.ROLLBACK_ON_ALARM : ecs.AlarmBehavior.FAIL_ON_ALARM },
    );
  }

  /** Alarms and graphs of the load balancer and the services, next to the API's. */
  private watchBackend(services: ResolvedService[]): void {
    const label = `${this.apiName} (${this.stageName})`;
    for (const s of services) {
      const service = this.services[s.props.name];
      const id = pascalCase(s.props.name);
      const watched: Array<Alarm | undefined> = [];
      const tg = service.applicationTargetGroup;
      const ntg = service.networkTargetGroup;
      if (tg) {
        watched.push(this._watchThreshold(`${id}UnhealthyHosts`, tg.metrics.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }), 1, 3, `${label} ${s.props.name}: unhealthy targets`));
        watched.push(this._watchThreshold(`${id}Target5xx`, tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum', period: Duration.minutes(1) }), 5, 3, `${label} ${s.props.name}: target 5xx answers`));
        this._watchThreshold(
          `${id}ResponseTime`,
          tg.metrics.targetResponseTime({ statistic: 'p90', period: Duration.minutes(1) }),
          this.profile.alarmThresholds.integrationLatencyP90.toMilliseconds() / 1000,
          5,
          `${label} ${s.props.name}: target response time p90 (s)`,
        );
      } else if (ntg) {
        watched.push(this._watchThreshold(`${id}UnhealthyHosts`, ntg.metrics.unHealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }), 1, 3, `${label} ${s.props.name}: unhealthy targets`));
      }
      this._watchThreshold(`${id}Cpu`, service.service.metricCpuUtilization({ period: Duration.minutes(1) }), 85, 5, `${label} ${s.props.name}: CPU utilization (%)`);
      this._watchThreshold(`${id}Memory`, service.service.metricMemoryUtilization({ period: Duration.minutes(1) }), 85, 5, `${label} ${s.props.name}: memory utilization (%)`);
      this.rollBackOn(s, service, watched.filter((a): a is Alarm => a !== undefined));
      if ((this.props.containerInsights ?? ecs.ContainerInsights.ENABLED) === ecs.ContainerInsights.DISABLED) continue;
      const dims = { ClusterName: this.cluster.clusterName, ServiceName: service.service.serviceName };
      const containerInsights = (name: string): Metric => new Metric({ namespace: 'ECS/ContainerInsights', metricName: name, dimensionsMap: dims, statistic: 'Average', period: Duration.minutes(1) });
      const missing = new MathExpression({
        expression: 'desired - running',
        usingMetrics: { desired: containerInsights('DesiredTaskCount'), running: containerInsights('RunningTaskCount') },
        label: 'Tasks below desired',
        period: Duration.minutes(1),
      });
      this._watchThreshold(`${id}TasksBelowDesired`, missing, 1, 5, `${label} ${s.props.name}: running tasks below desired`);
    }
  }
}
