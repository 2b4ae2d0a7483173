import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledgeDeployTimeHandler, acknowledgeRuleInPacks, REASONS } from '../core/compliance/acknowledgments';
import { createStageLogGroup } from '../core/stage/stage-log-group';
import type { StageProfile } from '../core/stage/stage-profile';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { validateIntegerRange } from '../core/validation/validation';

/** How tasks in a VPC the construct creates reach AWS services (ECR, CloudWatch Logs, Secrets Manager) and the internet. */
export enum VpcEgress {
  /**
   * Interface endpoints for ECR, CloudWatch Logs (and Secrets Manager and SSM when a service has
   * secrets) plus an S3 gateway endpoint, in isolated subnets: no route to the internet at all.
   * Images must come from ECR (an asset, or a registry mirrored to ECR).
   */
  VPC_ENDPOINTS = 'VPC_ENDPOINTS',
  /**
   * NAT gateways in public subnets (which hold nothing else): tasks reach any registry and the
   * internet, and pay per NAT hour and per GB.
   */
  NAT_GATEWAY = 'NAT_GATEWAY',
}

/** The VPC a PrivateEcsApi creates when none is given. */
export interface PrivateEcsVpcOptions {
  /**
   * How tasks reach AWS services and the internet.
   * @default VpcEgress.VPC_ENDPOINTS
   */
  readonly egress?: VpcEgress;
  /**
   * The VPC's IPv4 CIDR block.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * NAT gateways with `VpcEgress.NAT_GATEWAY`: one per AZ survives an AZ outage, one is cheaper.
   * @default - 2 on a production profile, 1 otherwise
   */
  readonly natGateways?: number;
}

/** What {@link EcsNetwork} needs. Internal. */
export interface EcsNetworkProps {
  readonly profile: StageProfile;
  /** An existing VPC; must have private (or isolated) subnets. */
  readonly vpc?: ec2.IVpc;
  readonly options?: PrivateEcsVpcOptions;
  /** Add Secrets Manager and SSM endpoints (a service reads secrets). */
  readonly secrets: boolean;
}

/**
 * The network of a PrivateEcsApi: the given VPC, or a new one over two AZs with private subnets,
 * flow logs to a log group of the profile, and egress through VPC endpoints or NAT gateways.
 */
export class EcsNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** The subnets load balancers, VPC links and tasks use. */
  public readonly subnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: EcsNetworkProps) {
    super(scope, id);
    if (props.vpc) {
      if (props.options) {
        throw new ApiPatternsError('VpcOptionsIgnored', `vpcOptions only shape a VPC the construct creates; vpc is given. Got: ${describeValue(Object.keys(props.options))}`, scope);
      }
      this.vpc = props.vpc;
      const type = props.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
      const count = props.vpc.privateSubnets.length + props.vpc.isolatedSubnets.length;
      if (count === 0) {
        throw new ApiPatternsError(
          'VpcPrivateSubnetsMissing',
          `vpc must have private or isolated subnets: the load balancer, the VPC link and the tasks never sit in public subnets. Got: ${props.vpc.publicSubnets.length} public subnets only`,
          scope,
        );
      }
      this.subnets = { subnetType: type };
      return;
    }
    const options = props.options ?? {};
    const egress = options.egress ?? VpcEgress.VPC_ENDPOINTS;
    const natGateways = egress === VpcEgress.NAT_GATEWAY ? (options.natGateways ?? (props.profile.production ? 2 : 1)) : 0;
    if (egress === VpcEgress.NAT_GATEWAY) validateIntegerRange(scope, 'NatGatewaysInvalid', 'vpcOptions.natGateways', natGateways, 1, 2);
    else if (options.natGateways !== undefined) {
      throw new ApiPatternsError('NatGatewaysIgnored', `vpcOptions.natGateways needs egress VpcEgress.NAT_GATEWAY. Got: ${describeValue(options.natGateways)}`, scope);
    }
    const cidr = options.cidr ?? '10.0.0.0/16';
    const privateType = egress === VpcEgress.NAT_GATEWAY ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs: 2,
      natGateways,
      subnetConfiguration: [
        ...(egress === VpcEgress.NAT_GATEWAY ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }] : []),
        { name: 'Private', subnetType: privateType, cidrMask: 20 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    acknowledgeDeployTimeHandler(this, 'Custom::VpcRestrictDefaultSGCustomResourceProvider', "removes the rules of the VPC's default security group (EC2 API)");
    const flowLog = vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(createStageLogGroup(this, 'FlowLogs', props.profile)),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const flowLogPolicy = flowLog.node.tryFindChild('IAMRole')?.node.tryFindChild('DefaultPolicy');
    if (flowLogPolicy) acknowledgeRuleInPacks(flowLogPolicy, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'IAMNoInlinePolicy', REASONS.inlinePolicy);
    this.vpc = vpc;
    this.subnets = { subnetType: privateType };
    if (egress === VpcEgress.VPC_ENDPOINTS) {
      vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.subnets] });
      const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
        ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
        ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
        ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
        ...(props.secrets
          ? ([
              ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
              ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
            ] as Array<[string, ec2.InterfaceVpcEndpointAwsService]>)
          : []),
      ];
      // One security group for the endpoints, open on 443 to the VPC's own CIDR (a literal, so the compliance rules can read it).
      const endpointsSecurityGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
        vpc,
        allowAllOutbound: false,
        description: 'Interface VPC endpoints: HTTPS from inside the VPC only',
      });
      endpointsSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const [name, service] of services) {
        vpc.addInterfaceEndpoint(name, { service, subnets: this.subnets, privateDnsEnabled: true, open: false, securityGroups: [endpointsSecurityGroup] });
      }
    } else {
      for (const subnet of vpc.publicSubnets) {
        // On the subnet's route to the internet gateway, the one resource the rule is about.
        acknowledgeRuleInPacks(
          subnet.node.tryFindChild('DefaultRoute') ?? subnet,
          ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'],
          'VPCNoUnrestrictedRouteToIGW',
          'Public subnets hold only the NAT gateways (egress: VpcEgress.NAT_GATEWAY); load balancers and tasks sit in private subnets without public IPs.',
        );
      }
    }
  }
}
