import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { StageProfile, VpcEgress } from '../../lib';
import type { PrivateEcsApiProps } from '../../lib';
import { expectApiError } from '../support/core-stacks';
import { onlyResource, resourcesOf } from '../support/metered-public-api-fixtures';
import { HTTP_CLOUD_MAP, IMAGE, logicalIdOf, once, ordersApi, ordersService, PUBLIC_IMAGE, REST_ALB, rulesOf, vpcEndpointsOf } from '../support/private-ecs-api-fixtures';

/** The interface endpoints every VPC the construct creates has, and its S3 gateway endpoint. */
const BASE_ENDPOINTS = ['Gateway com.amazonaws.eu-west-1.s3', 'Interface com.amazonaws.eu-west-1.ecr.api', 'Interface com.amazonaws.eu-west-1.ecr.dkr', 'Interface com.amazonaws.eu-west-1.logs'];

/** The default network: a new VPC with VPC endpoints, no secrets. */
const endpoints = once(() => ordersApi(REST_ALB));

/** A service with a secret: the Secrets Manager and SSM endpoints join. */
const withSecrets = once(() =>
  ordersApi(HTTP_CLOUD_MAP, { vpcOptions: { cidr: '10.20.0.0/16' } }, (stack) => ({
    services: [ordersService({ secrets: { API_KEY: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'ApiKey')) } })],
  })),
);

/** NAT egress on the dev profile, with an image from a public registry. */
const natDev = once(() => ordersApi(REST_ALB, { vpcOptions: { egress: VpcEgress.NAT_GATEWAY }, services: [ordersService({ image: PUBLIC_IMAGE })] }));

/** The routes of the template as `<route table id> <destination> -> NAT|IGW`. */
function defaultRoutes(template: Template): Array<{ table: string; via: string }> {
  return Object.values(resourcesOf(template, 'AWS::EC2::Route'))
    .filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0')
    .map((r) => ({ table: r.Properties.RouteTableId.Ref, via: r.Properties.NatGatewayId ? 'NAT' : r.Properties.GatewayId ? 'IGW' : 'other' }));
}

/** The logical ids of a list of subnets, as `Ref`s. */
const refs = (subnets: ec2.ISubnet[]) => subnets.map((s) => ({ Ref: logicalIdOf(s) }));

describe('the VPC PrivateEcsApi creates', () => {
  test('spans two AZs with one isolated subnet each: no internet gateway, no NAT gateway, no route out', () => {
    const { template, api } = endpoints();

    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(onlyResource(template, 'AWS::EC2::VPC').resource.Properties.CidrBlock).toBe('10.0.0.0/16');
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    expect(new Set(Object.values(resourcesOf(template, 'AWS::EC2::Subnet')).map((s) => JSON.stringify(s.Properties.AvailabilityZone))).size).toBe(2);
    expect(api.vpc.isolatedSubnets).toHaveLength(2);
    expect(api.vpc.publicSubnets).toHaveLength(0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(defaultRoutes(template)).toEqual([]);
  });

  test('the load balancer, the VPC link and the tasks sit in the isolated subnets', () => {
    const { template, api } = endpoints();
    const isolated = refs(api.vpc.isolatedSubnets);

    expect(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[logicalIdOf(api.applicationLoadBalancer!)].Properties.Subnets).toEqual(isolated);
    expect(resourcesOf(template, 'AWS::ApiGatewayV2::VpcLink')[logicalIdOf(api.vpcLinkV2!)].Properties.SubnetIds).toEqual(isolated);
    expect(resourcesOf(template, 'AWS::ECS::Service')[logicalIdOf(api.services.orders.service)].Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(isolated);
  });

  test('logs all traffic with a flow log, to a log group with the profile retention', () => {
    const { template, api } = endpoints();

    const flowLog = onlyResource(template, 'AWS::EC2::FlowLog').resource.Properties;
    expect(flowLog).toMatchObject({ ResourceId: { Ref: logicalIdOf(api.vpc) }, ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    const logGroupId = flowLog.LogGroupName.Ref;
    expect(resourcesOf(template, 'AWS::Logs::LogGroup')[logGroupId].Properties.RetentionInDays).toBe(7);
  });

  test('reaches ECR, CloudWatch Logs and S3 through VPC endpoints, open on 443 to the VPC only', () => {
    const { template } = endpoints();

    expect(vpcEndpointsOf(template)).toEqual(BASE_ENDPOINTS);
    const interfaces = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    const groups = new Set(interfaces.flatMap((e) => e.Properties.SecurityGroupIds.map((g: { 'Fn::GetAtt': string[] }) => g['Fn::GetAtt'][0])));
    expect(groups.size).toBe(1);
    for (const e of interfaces) expect(e.Properties.PrivateDnsEnabled).toBe(true);
    expect(rulesOf(template, [...groups][0], 'ingress')).toEqual([{ peer: '10.0.0.0/16', protocol: 'tcp', from: 443, to: 443 }]);
  });

  test('adds Secrets Manager and SSM endpoints when a service has secrets; cidr sets the VPC block and the endpoints rule', () => {
    const { template } = withSecrets();

    expect(vpcEndpointsOf(template)).toEqual(
      [...BASE_ENDPOINTS, 'Interface com.amazonaws.eu-west-1.secretsmanager', 'Interface com.amazonaws.eu-west-1.ssm'].sort(),
    );
    expect(onlyResource(template, 'AWS::EC2::VPC').resource.Properties.CidrBlock).toBe('10.20.0.0/16');
    const endpointGroup = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).find((e) => e.Properties.VpcEndpointType === 'Interface')!.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
    expect(rulesOf(template, endpointGroup, 'ingress')).toEqual([{ peer: '10.20.0.0/16', protocol: 'tcp', from: 443, to: 443 }]);
  });
});

describe('VpcEgress.NAT_GATEWAY', () => {
  test('dev: one NAT gateway in public subnets that hold nothing else; no VPC endpoints; the private subnets route out through NAT', () => {
    const { template, api, stack } = natDev();

    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(api.vpc.publicSubnets).toHaveLength(2);
    expect(api.vpc.privateSubnets).toHaveLength(2);
    for (const subnet of api.vpc.publicSubnets) expect(resourcesOf(template, 'AWS::EC2::Subnet')[logicalIdOf(subnet)].Properties.MapPublicIpOnLaunch).toBe(false);
    const privateTables = api.vpc.privateSubnets.map((s) => stack.resolve(s.routeTable.routeTableId).Ref);
    expect(defaultRoutes(template).filter((r) => r.via === 'NAT').map((r) => r.table).sort()).toEqual(privateTables.sort());
    // Nothing the API runs sits in a public subnet.
    const privateRefs = refs(api.vpc.privateSubnets);
    expect(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[logicalIdOf(api.applicationLoadBalancer!)].Properties.Subnets).toEqual(privateRefs);
    expect(resourcesOf(template, 'AWS::ECS::Service')[logicalIdOf(api.services.orders.service)].Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(privateRefs);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('prod: two NAT gateways, one per AZ', () => {
    const { template } = ordersApi(REST_ALB, { profile: StageProfile.prod(), vpcOptions: { egress: VpcEgress.NAT_GATEWAY }, alarms: false, dashboard: false });
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('natGateways overrides the profile default', () => {
    const { template } = ordersApi(REST_ALB, { profile: StageProfile.prod(), vpcOptions: { egress: VpcEgress.NAT_GATEWAY, natGateways: 1 }, alarms: false, dashboard: false });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
});

describe('a VPC given to PrivateEcsApi', () => {
  /** GIVEN a VPC in the stack with these subnets; WHEN the API uses it. */
  const givenVpc = (subnetConfiguration: ec2.SubnetConfiguration[], props: Partial<PrivateEcsApiProps> = {}) => {
    let vpc: ec2.Vpc | undefined;
    const built = ordersApi(REST_ALB, { alarms: false, dashboard: false, services: [ordersService({ image: PUBLIC_IMAGE })], ...props }, (stack: Stack) => {
      const natGateways = subnetConfiguration.some((c) => c.subnetType === ec2.SubnetType.PUBLIC) ? 1 : 0;
      vpc = new ec2.Vpc(stack, 'Shared', { maxAzs: 2, natGateways, subnetConfiguration });
      return { vpc };
    });
    return { ...built, vpc: vpc! };
  };

  test('is used as it is: no VPC, flow log or endpoint of the construct; its private subnets hold the load balancer and the tasks', () => {
    const { template, api, vpc } = givenVpc([
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ]);

    expect(api.vpc).toBe(vpc);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    const privateRefs = refs(vpc.privateSubnets);
    expect(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[logicalIdOf(api.applicationLoadBalancer!)].Properties.Subnets).toEqual(privateRefs);
    expect(resourcesOf(template, 'AWS::ECS::Service')[logicalIdOf(api.services.orders.service)].Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(privateRefs);
  });

  test('with isolated subnets only: used, with a warning that the tasks need the VPC endpoints', () => {
    const { stack, api, vpc } = givenVpc([{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], { services: [ordersService({ image: IMAGE })] });

    expect(api.vpc).toBe(vpc);
    Annotations.fromStack(stack).hasWarning('/TestStack/Api', Match.stringLikeRegexp('isolated subnets only'));
  });

  test('VpcPrivateSubnetsMissing: only public subnets', () => {
    expectApiError(
      () => givenVpc([{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }]),
      'VpcPrivateSubnetsMissing',
      /vpc must have private or isolated subnets/,
      /Got: 2 public subnets only/,
    );
  });

  test('VpcOptionsIgnored: vpcOptions with a given vpc', () => {
    expectApiError(
      () => givenVpc([{ name: 'App', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], { vpcOptions: { egress: VpcEgress.NAT_GATEWAY } }),
      'VpcOptionsIgnored',
      /vpcOptions only shape a VPC the construct creates; vpc is given/,
      /Got: \["egress"\]/,
    );
  });
});

describe('network validation', () => {
  test('NatGatewaysIgnored: natGateways without NAT egress', () => {
    expectApiError(() => ordersApi(REST_ALB, { vpcOptions: { natGateways: 1 } }), 'NatGatewaysIgnored', /vpcOptions\.natGateways needs egress VpcEgress\.NAT_GATEWAY/, /Got: 1/);
    expectApiError(() => ordersApi(REST_ALB, { vpcOptions: { egress: VpcEgress.VPC_ENDPOINTS, natGateways: 2 } }), 'NatGatewaysIgnored', /vpcOptions\.natGateways/, /Got: 2/);
  });

  test.each([0, 3, 1.5])('NatGatewaysInvalid: %s', (natGateways) => {
    expectApiError(
      () => ordersApi(REST_ALB, { vpcOptions: { egress: VpcEgress.NAT_GATEWAY, natGateways } }),
      'NatGatewaysInvalid',
      /vpcOptions\.natGateways must be a whole number from 1 to 2/,
      new RegExp(`Got: ${natGateways}`),
    );
  });

  test('ImageUnreachable: an image from a public registry behind VPC endpoints only', () => {
    expectApiError(
      () => ordersApi(REST_ALB, { services: [ordersService(), { name: 'users', image: PUBLIC_IMAGE }] }),
      'ImageUnreachable',
      /services\[1\]\.image comes from a public registry/,
      /Got: ContainerImage\.fromRegistry/,
    );
  });

  test('an image from a public registry is fine with NAT egress or a VPC of your own', () => {
    expect(() => ordersApi(REST_ALB, { vpcOptions: { egress: VpcEgress.NAT_GATEWAY }, services: [ordersService({ image: PUBLIC_IMAGE })] })).not.toThrow();
  });
});
