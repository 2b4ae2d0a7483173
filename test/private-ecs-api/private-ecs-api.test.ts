import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { ApiAuth, ApiKind, PrivateBackend, StageProfile, VpcEgress } from '../../lib';
import type { PrivateEcsApiProps } from '../../lib';
import { expectApiError } from '../support/core-stacks';
import { onlyResource, operationOf, resourcesOf, restBodyOf } from '../support/metered-public-api-fixtures';
import type { FoundProperties } from '../support/metered-public-api-fixtures';
import {
  certificate,
  CERTIFICATE_ARN,
  groupIdOf,
  HTTP_ALB,
  HTTP_CLOUD_MAP,
  HTTP_NLB,
  IMAGE,
  IMAGE_NAME,
  joinedText,
  logicalIdOf,
  once,
  ordersApi,
  ordersService,
  REST_ALB,
  REST_NLB,
  rulesOf,
  SERVER_NAME,
  TLS13_POLICY,
  worldOpenIngress,
} from '../support/private-ecs-api-fixtures';
import type { PrivateEcsPath } from '../support/private-ecs-api-fixtures';

type Built = ReturnType<typeof ordersApi>;

/*
 * The configurations most tests read, each synthesized once.
 */

/** REST + ALB, dev: 'orders' with every service option (auto scaling too), 'users' with the defaults, 'billing' under a nested prefix with 0 tasks. */
const restAlb = once(() =>
  ordersApi(REST_ALB, {}, (stack) => ({
    services: [
      ordersService({
        cpu: 512,
        memoryMiB: 1024,
        containerPort: 3000,
        environment: { LOG_LEVEL: 'debug', REGION_NAME: 'eu-west-1' },
        secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'DbSecret')) },
        command: ['node', 'server.js'],
        healthCheck: { path: '/ready', interval: Duration.seconds(30), healthyThresholdCount: 3, unhealthyThresholdCount: 4, gracePeriod: Duration.seconds(90) },
        autoScaling: { minCapacity: 1, maxCapacity: 4, requestsPerTarget: 200 },
      }),
      { name: 'users', image: IMAGE },
      { name: 'billing', image: IMAGE, pathPrefix: '/api/billing', user: '2000', readonlyRootFilesystem: false, desiredCount: 0 },
    ],
  })),
);

/** REST + NLB, dev: 'orders' on the default listener port, 'users' on 8081 with container port 9000 and CPU scaling at 45 %. */
const restNlb = once(() =>
  ordersApi(REST_NLB, { services: [ordersService(), { name: 'users', image: IMAGE, listenerPort: 8081, containerPort: 9000, autoScaling: { maxCapacity: 3, cpuTargetPercent: 45 } }] }),
);

/** HTTP + ALB, dev, the minimal API. */
const httpAlb = once(() => ordersApi(HTTP_ALB));

/** HTTP + NLB, dev, the minimal API. */
const httpNlb = once(() => ordersApi(HTTP_NLB));

/** HTTP + Cloud Map, dev: 'orders' with the default routes, 'catalog' with routes of its own (one public, one throttled). */
const httpCloudMap = once(() =>
  ordersApi(HTTP_CLOUD_MAP, {
    services: [
      ordersService(),
      {
        name: 'catalog',
        image: IMAGE,
        containerPort: 8081,
        routes: { 'GET /v1/catalog': { auth: ApiAuth.none() }, 'GET /v1/catalog/{id}': { throttle: { rateLimit: 5, burstLimit: 10 } } },
      },
    ],
  }),
);

/** REST + ALB on a production profile with TLS, NAT egress and a private endpoint. */
const restAlbProdTls = once(() =>
  ordersApi(REST_ALB, { profile: StageProfile.prod(), vpcOptions: { egress: VpcEgress.NAT_GATEWAY } }, (stack) => {
    const clientVpc = new ec2.Vpc(stack, 'ClientVpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const endpoint = new ec2.InterfaceVpcEndpoint(stack, 'ExecuteApiEndpoint', { vpc: clientVpc, service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY });
    return { tls: { certificate: certificate(stack), serverName: SERVER_NAME }, privateEndpoint: { vpcEndpoints: [endpoint] } };
  }),
);

/** HTTP + ALB on the dev profile with TLS and deletion protection asked for. */
const httpAlbTls = once(() => ordersApi(HTTP_ALB, { deletionProtection: true }, (stack) => ({ tls: { certificate: certificate(stack), serverName: SERVER_NAME } })));

/** HTTP + NLB on a production profile with TLS, two services, and deletion protection turned off. */
const httpNlbProdTls = once(() =>
  ordersApi(HTTP_NLB, { profile: StageProfile.prod(), deletionProtection: false, services: [ordersService(), { name: 'users', image: IMAGE, listenerPort: 8443 }] }, (stack) => ({
    tls: { certificate: certificate(stack), serverName: SERVER_NAME },
  })),
);

/** The builds of the five paths, by path. */
const BY_PATH: ReadonlyArray<[PrivateEcsPath, () => Built]> = [
  [REST_ALB, restAlb],
  [REST_NLB, restNlb],
  [HTTP_ALB, httpAlb],
  [HTTP_NLB, httpNlb],
  [HTTP_CLOUD_MAP, httpCloudMap],
];

/** The properties of the resource of a construct. */
const propsOf = (template: Template, type: string, construct: IConstruct): FoundProperties => {
  const resource = resourcesOf(template, type)[logicalIdOf(construct)];
  expect(resource).toBeDefined();
  return resource.Properties;
};

/** The `x-amazon-apigateway-integration` of an operation of the REST API. */
const restIntegration = (template: Template, path: string, method = 'x-amazon-apigateway-any-method') => operationOf(restBodyOf(template), path, method)['x-amazon-apigateway-integration'];

/** The HTTP API integrations, by logical id. */
const httpIntegrations = (template: Template) => resourcesOf(template, 'AWS::ApiGatewayV2::Integration');

/** The HTTP API routes as route key -> integration logical id. */
function httpRouteTargets(template: Template): Record<string, string> {
  return Object.fromEntries(
    Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, joinedText(r.Properties.Target).replace(/^integrations\/<Ref:(.*)>$/, '$1')]),
  );
}

/** The load balancer attributes as key -> value. */
function attributesOf(template: Template, lb: IConstruct): Record<string, unknown> {
  return Object.fromEntries((propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', lb).LoadBalancerAttributes as Array<{ Key: string; Value: unknown }>).map((a) => [a.Key, a.Value]));
}

/** The one container of a service's task definition. */
function containerOf(built: Built, service: string): FoundProperties {
  const td = propsOf(built.template, 'AWS::ECS::TaskDefinition', built.api.services[service].taskDefinition);
  expect(td.ContainerDefinitions).toHaveLength(1);
  return td.ContainerDefinitions[0];
}

/** The listener rules as path patterns -> priority. */
function rulePriorities(template: Template): Record<string, number> {
  return Object.fromEntries(
    Object.values(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => [r.Properties.Conditions[0].PathPatternConfig.Values.join(' '), r.Properties.Priority]),
  );
}

/** The scalable targets of an ECS service (by logical id and properties). */
function scalableTargetsOf(template: Template, service: IConstruct): Array<{ id: string; props: FoundProperties }> {
  return Object.entries(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget'))
    .filter(([, t]) => JSON.stringify(t.Properties.ResourceId).includes(logicalIdOf(service)))
    .map(([id, t]) => ({ id, props: t.Properties }));
}

/** The target tracking configurations of the scaling policies of a scalable target. */
function scalingPoliciesOf(template: Template, targetId: string): FoundProperties[] {
  return Object.values(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
    .filter((p) => p.Properties.ScalingTargetId.Ref === targetId)
    .map((p) => p.Properties.TargetTrackingScalingPolicyConfiguration);
}

/** The alarm whose construct id (under the API's Alarms) is `id`. */
function alarmOf(built: Built, id: string): FoundProperties {
  const alarm = built.api.alarms.find((a) => a.node.id === id);
  expect(alarm).toBeDefined();
  return propsOf(built.template, 'AWS::CloudWatch::Alarm', alarm!);
}

/** The ids of the backend alarms of a service (those named after it). */
const serviceAlarmIds = (built: Built, prefix: string) =>
  built.api.alarms
    .map((a) => a.node.id)
    .filter((id) => id.startsWith(prefix))
    .sort();

describe('PrivateEcsApi: the five paths to the containers', () => {
  test('REST + ALB: a VPC link v2 whose integrations name the ALB as their target; the URI carries the route path and no stage', () => {
    const built = restAlb();
    const { template, api } = built;

    template.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
    template.resourceCountIs('AWS::ApiGateway::VpcLink', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.applicationLoadBalancer!).Type).toBe('application');
    const albId = logicalIdOf(api.applicationLoadBalancer!);
    const proxy = restIntegration(template, '/orders/{proxy+}');
    expect(proxy).toMatchObject({
      type: 'http_proxy',
      connectionType: 'VPC_LINK',
      connectionId: { Ref: logicalIdOf(api.vpcLinkV2!) },
      integrationTarget: { Ref: albId },
      httpMethod: 'ANY',
      requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
    });
    expect(joinedText(proxy.uri)).toBe(`http://<GetAtt:${albId}.DNSName>:80/orders/{proxy}`);
    expect(joinedText(restIntegration(template, '/orders').uri)).toBe(`http://<GetAtt:${albId}.DNSName>:80/orders`);
    expect(joinedText(restIntegration(template, '/api/billing/{proxy+}').uri)).toBe(`http://<GetAtt:${albId}.DNSName>:80/api/billing/{proxy}`);
  });

  test('REST + ALB: the rule also takes the stage-prefixed form AWS documents for VPC link v2 and rewrites it to the route path', () => {
    const { template } = restAlb();
    type RuleProps = { Conditions: Array<{ PathPatternConfig: { Values: string[] } }>; Transforms?: unknown };
    const rules = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')) as Array<{ Properties: RuleProps }>;
    const orders = rules.find((r) => JSON.stringify(r.Properties.Conditions).includes('"/orders"'))!;
    expect(orders.Properties.Conditions[0].PathPatternConfig.Values).toEqual(['/orders', '/orders/*', '/dev/orders', '/dev/orders/*']);
    expect(orders.Properties.Transforms).toEqual([{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/dev(/.*)$', Replace: '$1' }] } }]);
  });

  test('HTTP + ALB: no stage form on the rules (the integration overwrites the path)', () => {
    const { template } = httpAlb();
    for (const rule of Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')) as Array<{ Properties: { Conditions: unknown; Transforms?: unknown } }>) {
      expect(rule.Properties.Transforms).toBeUndefined();
      expect(JSON.stringify(rule.Properties.Conditions)).not.toContain('/dev/');
    }
  });

  test('REST + NLB: a VPC link v1 that targets the NLB; each service is reached on its own listener port', () => {
    const { template, api } = restNlb();

    template.resourceCountIs('AWS::ApiGateway::VpcLink', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 0);
    const nlbId = logicalIdOf(api.networkLoadBalancer!);
    expect(propsOf(template, 'AWS::ApiGateway::VpcLink', api.vpcLink!).TargetArns).toEqual([{ Ref: nlbId }]);
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.networkLoadBalancer!).Type).toBe('network');
    const orders = restIntegration(template, '/orders/{proxy+}');
    expect(orders).toMatchObject({ type: 'http_proxy', connectionType: 'VPC_LINK', connectionId: { Ref: logicalIdOf(api.vpcLink!) }, httpMethod: 'ANY' });
    expect(orders.integrationTarget).toBeUndefined();
    expect(joinedText(orders.uri)).toBe(`http://<GetAtt:${nlbId}.DNSName>:80/orders/{proxy}`);
    expect(joinedText(restIntegration(template, '/users/{proxy+}').uri)).toBe(`http://<GetAtt:${nlbId}.DNSName>:8081/users/{proxy}`);
  });

  test('HTTP + ALB: one integration with the ALB listener through the VPC link v2, shared by both routes, overwriting the path with $request.path', () => {
    const { template, api } = httpAlb();

    template.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
    const integrations = Object.values(httpIntegrations(template));
    expect(integrations).toHaveLength(1);
    expect(integrations[0].Properties).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: logicalIdOf(api.vpcLinkV2!) },
      IntegrationUri: { Ref: logicalIdOf(api.applicationListener!) },
      IntegrationMethod: 'ANY',
      RequestParameters: { 'overwrite:path': '$request.path' },
    });
    expect(integrations[0].Properties.TlsConfig).toBeUndefined();
    const targets = httpRouteTargets(template);
    expect(Object.keys(targets).sort()).toEqual(['ANY /orders', 'ANY /orders/{proxy+}']);
    expect(new Set(Object.values(targets))).toEqual(new Set(Object.keys(httpIntegrations(template))));
  });

  test('HTTP + NLB: an integration with the service listener through the VPC link v2, overwriting the path with $request.path', () => {
    const { template, api } = httpNlb();

    template.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
    template.resourceCountIs('AWS::ApiGateway::VpcLink', 0);
    const integrations = Object.values(httpIntegrations(template));
    expect(integrations).toHaveLength(1);
    expect(integrations[0].Properties).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: logicalIdOf(api.vpcLinkV2!) },
      IntegrationUri: { Ref: logicalIdOf(api.networkListeners.orders) },
      RequestParameters: { 'overwrite:path': '$request.path' },
    });
  });

  test('HTTP + Cloud Map: no load balancer; SRV records in a private DNS namespace; integrations with the Cloud Map services', () => {
    const { template, api } = httpCloudMap();

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 0);
    const namespace = onlyResource(template, 'AWS::ServiceDiscovery::PrivateDnsNamespace').resource.Properties;
    expect(namespace).toMatchObject({ Name: 'orders.internal', Vpc: { Ref: logicalIdOf(api.vpc) } });
    const services = Object.values(resourcesOf(template, 'AWS::ServiceDiscovery::Service')).map((s) => s.Properties);
    expect(services.map((s) => s.Name).sort()).toEqual(['catalog', 'orders']);
    for (const s of services) expect(s.DnsConfig.DnsRecords).toEqual([{ TTL: 10, Type: 'SRV' }]);
    // Each ECS service registers its container's port.
    expect(propsOf(template, 'AWS::ECS::Service', api.services.catalog.service).ServiceRegistries).toEqual([
      { ContainerName: 'catalog', ContainerPort: 8081, RegistryArn: { 'Fn::GetAtt': [logicalIdOf(api.services.catalog.cloudMapService!), 'Arn'] } },
    ]);
    const byUri = Object.fromEntries(Object.values(httpIntegrations(template)).map((i) => [i.Properties.IntegrationUri['Fn::GetAtt'][0], i.Properties]));
    for (const name of ['orders', 'catalog']) {
      expect(byUri[logicalIdOf(api.services[name].cloudMapService!)]).toMatchObject({
        IntegrationType: 'HTTP_PROXY',
        ConnectionType: 'VPC_LINK',
        ConnectionId: { Ref: logicalIdOf(api.vpcLinkV2!) },
        RequestParameters: { 'overwrite:path': '$request.path' },
      });
    }
  });

  test.each(BY_PATH)('%s: the backend receives the route path, never the stage name', (path, build) => {
    const { template } = build();
    if (path.kind === ApiKind.REST) {
      for (const [routePath, operations] of Object.entries(restBodyOf(template).paths)) {
        const uri = joinedText(operations['x-amazon-apigateway-any-method']['x-amazon-apigateway-integration'].uri);
        expect(uri.endsWith(routePath.replace('{proxy+}', '{proxy}'))).toBe(true);
        expect(uri).not.toMatch(/\/dev\//);
      }
    } else {
      for (const integration of Object.values(httpIntegrations(template))) expect(integration.Properties.RequestParameters).toEqual({ 'overwrite:path': '$request.path' });
    }
  });

  test.each(BY_PATH)('%s: each service gets ANY /<prefix> and ANY /<prefix>/{proxy+} unless it lists its own routes', (path, build) => {
    const { template, api } = build();
    const expected = Object.values(api.services).flatMap((s) =>
      s.serviceName === 'catalog' ? ['GET /v1/catalog', 'GET /v1/catalog/{id}'] : s.serviceName === 'billing' ? ['ANY /api/billing', 'ANY /api/billing/{proxy+}'] : [`ANY /${s.serviceName}`, `ANY /${s.serviceName}/{proxy+}`],
    );
    const routes =
      path.kind === ApiKind.REST
        ? Object.entries(restBodyOf(template).paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m === 'x-amazon-apigateway-any-method' ? 'ANY' : m.toUpperCase()} ${p}`))
        : Object.keys(httpRouteTargets(template));
    expect(routes.sort()).toEqual(expected.sort());
  });
});

describe('PrivateEcsApi: network access', () => {
  test.each(BY_PATH)('%s: no security group admits the world', (_path, build) => {
    expect(worldOpenIngress(build().template)).toEqual([]);
  });

  test.each([
    [REST_ALB, restAlb],
    [HTTP_ALB, httpAlb],
  ] as const)('%s: the ALB admits only the VPC link security group, on the listener port', (_path, build) => {
    const { template, api } = build();
    const vpcLinkSg = logicalIdOf(api.vpcLinkSecurityGroup!);

    expect(rulesOf(template, logicalIdOf(api.loadBalancerSecurityGroup!), 'ingress')).toEqual([{ peer: `sg:${vpcLinkSg}`, protocol: 'tcp', from: 80, to: 80 }]);
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.applicationListener!)).toMatchObject({ Port: 80, Protocol: 'HTTP' });
  });

  test.each(BY_PATH)('%s: the tasks admit only the load balancer (Cloud Map: the VPC link), on the container port', (path, build) => {
    const { template, api } = build();
    const source = path.backend === PrivateBackend.CLOUD_MAP ? api.vpcLinkSecurityGroup! : api.loadBalancerSecurityGroup!;
    for (const service of Object.values(api.services)) {
      expect(rulesOf(template, logicalIdOf(service.securityGroup), 'ingress')).toEqual([
        { peer: `sg:${logicalIdOf(source)}`, protocol: 'tcp', from: service.containerPort, to: service.containerPort },
      ]);
    }
  });

  test.each(BY_PATH.filter(([p]) => p !== REST_NLB))('%s: the VPC link security group admits nothing and reaches only its target, with no allow-all egress', (path, build) => {
    const { template, api } = build();
    const vpcLinkSg = logicalIdOf(api.vpcLinkSecurityGroup!);

    expect(rulesOf(template, vpcLinkSg, 'ingress')).toEqual([]);
    const egress = rulesOf(template, vpcLinkSg, 'egress');
    expect(egress.length).toBeGreaterThan(0);
    expect(egress.filter((r) => !r.peer.startsWith('sg:') && r.peer !== '255.255.255.255/32')).toEqual([]);
    const targets =
      path.backend === PrivateBackend.CLOUD_MAP ? Object.values(api.services).map((s) => `sg:${logicalIdOf(s.securityGroup)}`) : [`sg:${logicalIdOf(api.loadBalancerSecurityGroup!)}`];
    expect([...new Set(egress.map((r) => r.peer))].sort()).toEqual(targets.sort());
    expect(propsOf(template, 'AWS::ApiGatewayV2::VpcLink', api.vpcLinkV2!).SecurityGroupIds).toEqual([groupIdOf(api.vpcLinkSecurityGroup!)]);
  });

  test('REST + NLB: PrivateLink traffic from the VPC link v1 is not held to the inbound rules (it would be dropped); the NLB has no other ingress', () => {
    const { template, api } = restNlb();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.networkLoadBalancer!).EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic).toBe('off');
    expect(rulesOf(template, logicalIdOf(api.loadBalancerSecurityGroup!), 'ingress')).toEqual([]);
    expect(api.vpcLinkSecurityGroup).toBeUndefined();
  });

  test('HTTP + NLB: inbound rules are enforced, and the NLB admits only the VPC link v2 security group on the listener port', () => {
    const { template, api } = httpNlb();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.networkLoadBalancer!).EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic).toBe('on');
    expect(rulesOf(template, logicalIdOf(api.loadBalancerSecurityGroup!), 'ingress')).toEqual([{ peer: `sg:${logicalIdOf(api.vpcLinkSecurityGroup!)}`, protocol: 'tcp', from: 80, to: 80 }]);
  });

  test('the ALB is internal and drops invalid header fields', () => {
    const { template, api } = restAlb();
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.applicationLoadBalancer!).Scheme).toBe('internal');
    expect(attributesOf(template, api.applicationLoadBalancer!)['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
  });

  test.each([
    ['dev profile: off', restAlb, 'false'],
    ['prod profile: on', restAlbProdTls, 'true'],
    ['deletionProtection: true on dev: on', httpAlbTls, 'true'],
  ] as const)('ALB deletion protection, %s', (_name, build, expected) => {
    const { template, api } = build();
    expect(attributesOf(template, api.applicationLoadBalancer!)['deletion_protection.enabled']).toBe(expected);
  });

  test('NLB deletion protection: deletionProtection: false wins over a prod profile', () => {
    const { template, api } = httpNlbProdTls();
    expect(attributesOf(template, api.networkLoadBalancer!)['deletion_protection.enabled']).toBe('false');
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', api.networkLoadBalancer!).Scheme).toBe('internal');
  });

  test('the load balancer logs to a bucket with SSE-S3, public access blocked, SSL enforced and expiry after the log retention', () => {
    const { template, api } = restAlb();
    const bucketId = logicalIdOf(api.accessLogsBucket!);

    const attributes = attributesOf(template, api.applicationLoadBalancer!);
    expect(attributes['access_logs.s3.enabled']).toBe('true');
    expect(attributes['access_logs.s3.bucket']).toEqual({ Ref: bucketId });
    const bucket = propsOf(template, 'AWS::S3::Bucket', api.accessLogsBucket!);
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 7, Status: 'Enabled' })]);
    const policy = onlyResource(template, 'AWS::S3::BucketPolicy', (p) => JSON.stringify(p.Bucket) === JSON.stringify({ Ref: bucketId })).resource.Properties;
    expect(policy.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  test('the access-log bucket expires logs after the production retention on a prod profile', () => {
    const { template, api } = restAlbProdTls();
    expect(propsOf(template, 'AWS::S3::Bucket', api.accessLogsBucket!).LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 365 })]);
  });

  test('loadBalancerAccessLogs: false creates no bucket and turns access logs off', () => {
    const { template, api } = ordersApi(REST_ALB, { loadBalancerAccessLogs: false, alarms: false });

    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(api.accessLogsBucket).toBeUndefined();
    expect(attributesOf(template, api.applicationLoadBalancer!)['access_logs.s3.enabled']).not.toBe('true');
  });
  test('a dev bucket empties itself when the stage is deleted; a prod bucket is retained', () => {
    const dev = restAlb();
    const prod = restAlbProdTls();

    const autoDelete = Object.values(resourcesOf(dev.template, 'Custom::S3AutoDeleteObjects')).map((r) => r.Properties.BucketName);
    expect(autoDelete).toEqual([{ Ref: logicalIdOf(dev.api.accessLogsBucket!) }]);
    expect(resourcesOf(dev.template, 'AWS::S3::Bucket')[logicalIdOf(dev.api.accessLogsBucket!)].DeletionPolicy).toBe('Delete');
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(resourcesOf(prod.template, 'AWS::S3::Bucket')[logicalIdOf(prod.api.accessLogsBucket!)].DeletionPolicy).toBe('Retain');
  });

  test('an NLB writes access logs for TLS listeners only: a bucket with TLS, none without', () => {
    const plain = restNlb();
    plain.template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(attributesOf(plain.template, plain.api.networkLoadBalancer!)['access_logs.s3.enabled']).not.toBe('true');

    const tls = httpNlbProdTls();
    expect(attributesOf(tls.template, tls.api.networkLoadBalancer!)).toMatchObject({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': { Ref: logicalIdOf(tls.api.accessLogsBucket!) } });
  });

  test.each(BY_PATH)('%s: the tasks reach out on HTTPS only', (_path, build) => {
    const { template, api } = build();
    for (const service of Object.values(api.services)) {
      expect(rulesOf(template, logicalIdOf(service.securityGroup), 'egress')).toEqual([{ peer: '0.0.0.0/0', protocol: 'tcp', from: 443, to: 443 }]);
    }
  });
});

describe('PrivateEcsApi: TLS from API Gateway to the load balancer', () => {
  test('REST + ALB: an HTTPS listener on 443 with the certificate and a TLS 1.3 policy; the URI names the server name', () => {
    const { template, api } = restAlbProdTls();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.applicationListener!)).toMatchObject({
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: TLS13_POLICY,
    });
    expect(restIntegration(template, '/orders/{proxy+}').uri).toBe(`https://${SERVER_NAME}:443/orders/{proxy}`);
    expect(restIntegration(template, '/orders').uri).toBe(`https://${SERVER_NAME}:443/orders`);
    expect(rulesOf(template, logicalIdOf(api.loadBalancerSecurityGroup!), 'ingress')).toEqual([{ peer: `sg:${logicalIdOf(api.vpcLinkSecurityGroup!)}`, protocol: 'tcp', from: 443, to: 443 }]);
  });

  test('HTTP + ALB: an HTTPS listener, and the integration verifies the server name', () => {
    const { template, api } = httpAlbTls();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.applicationListener!)).toMatchObject({ Port: 443, Protocol: 'HTTPS', SslPolicy: TLS13_POLICY });
    const integrations = Object.values(httpIntegrations(template));
    expect(integrations).toHaveLength(1);
    expect(integrations[0].Properties.TlsConfig).toEqual({ ServerNameToVerify: SERVER_NAME });
  });

  test('HTTP + NLB: every service listener is TLS with the certificate and a TLS 1.3 policy; the integrations verify the server name', () => {
    const { template, api } = httpNlbProdTls();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.networkListeners.orders)).toMatchObject({
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: TLS13_POLICY,
    });
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.networkListeners.users)).toMatchObject({ Port: 8443, Protocol: 'TLS' });
    const integrations = Object.values(httpIntegrations(template));
    expect(integrations).toHaveLength(2);
    for (const i of integrations) expect(i.Properties.TlsConfig).toEqual({ ServerNameToVerify: SERVER_NAME });
  });

  test('REST + NLB: the listeners are TLS and the URI names the server name', () => {
    const { template, api } = ordersApi(REST_NLB, { alarms: false, dashboard: false }, (stack) => ({ tls: { certificate: certificate(stack), serverName: SERVER_NAME } }));

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.networkListeners.orders)).toMatchObject({ Port: 443, Protocol: 'TLS', SslPolicy: TLS13_POLICY });
    expect(restIntegration(template, '/orders/{proxy+}').uri).toBe(`https://${SERVER_NAME}:443/orders/{proxy}`);
  });
});

describe('PrivateEcsApi: private REST endpoint', () => {
  test('the endpoint is PRIVATE and the resource policy allows Invoke, denying every call not from the given VPC endpoints', () => {
    const { template, stack } = restAlbProdTls();
    const endpointId = logicalIdOf(stack.node.findChild('ExecuteApiEndpoint'));

    const restApi = onlyResource(template, 'AWS::ApiGateway::RestApi').resource.Properties;
    expect(restApi.EndpointConfiguration.Types).toEqual(['PRIVATE']);
    expect(restApi.Policy.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { StringNotEquals: { 'aws:SourceVpce': [{ Ref: endpointId }] } } },
    ]);
  });

  test('without privateEndpoint the REST API is Regional and has no resource policy', () => {
    const restApi = onlyResource(restAlb().template, 'AWS::ApiGateway::RestApi').resource.Properties;
    expect(restApi.EndpointConfiguration.Types).toEqual(['REGIONAL']);
    expect(restApi.Policy).toBeUndefined();
  });
});

describe('PrivateEcsApi: services', () => {
  test('the task definition has the CPU and memory, the container its port, environment, secrets, command and a hard memory limit', () => {
    const built = restAlb();
    const { template, api, stack } = built;
    const secretId = logicalIdOf(stack.node.findChild('DbSecret'));

    const td = propsOf(template, 'AWS::ECS::TaskDefinition', api.services.orders.taskDefinition);
    expect(td).toMatchObject({ Cpu: '512', Memory: '1024', NetworkMode: 'awsvpc', RequiresCompatibilities: ['FARGATE'] });
    expect(joinedText(containerOf(built, 'orders').Image)).toBe(IMAGE_NAME);
    expect(containerOf(built, 'orders')).toMatchObject({
      Name: 'orders',
      Essential: true,
      Memory: 1024,
      PortMappings: [{ ContainerPort: 3000, Protocol: 'tcp' }],
      Environment: [
        { Name: 'LOG_LEVEL', Value: 'debug' },
        { Name: 'REGION_NAME', Value: 'eu-west-1' },
      ],
      Secrets: [{ Name: 'DB_PASSWORD', ValueFrom: { Ref: secretId } }],
      Command: ['node', 'server.js'],
    });
  });

  test('defaults: 256 CPU units, 512 MiB, port 8080, user 1000, a read-only root filesystem, one task on dev', () => {
    const built = restAlb();

    expect(propsOf(built.template, 'AWS::ECS::TaskDefinition', built.api.services.users.taskDefinition)).toMatchObject({ Cpu: '256', Memory: '512' });
    expect(containerOf(built, 'users')).toMatchObject({ Memory: 512, PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }], User: '1000', ReadonlyRootFilesystem: true });
    expect(containerOf(built, 'users').Environment).toBeUndefined();
    expect(containerOf(built, 'users').Secrets).toBeUndefined();
    expect(containerOf(built, 'orders')).toMatchObject({ User: '1000', ReadonlyRootFilesystem: true });
    expect(propsOf(built.template, 'AWS::ECS::Service', built.api.services.users.service).DesiredCount).toBe(1);
  });

  test('user and readonlyRootFilesystem can be changed; desiredCount 0 is allowed on dev', () => {
    const built = restAlb();
    expect(containerOf(built, 'billing')).toMatchObject({ User: '2000', ReadonlyRootFilesystem: false });
    expect(propsOf(built.template, 'AWS::ECS::Service', built.api.services.billing.service).DesiredCount).toBe(0);
  });

  test('two tasks by default on a prod profile', () => {
    const { template, api } = restAlbProdTls();
    expect(propsOf(template, 'AWS::ECS::Service', api.services.orders.service).DesiredCount).toBe(2);
  });

  test('the container logs to a log group with the profile retention (dev: a week, prod: a year)', () => {
    const dev = restAlb();
    const prod = restAlbProdTls();

    for (const [built, days] of [
      [dev, 7],
      [prod, 365],
    ] as const) {
      const logGroupId = logicalIdOf(built.api.services.orders.logGroup);
      expect(propsOf(built.template, 'AWS::Logs::LogGroup', built.api.services.orders.logGroup).RetentionInDays).toBe(days);
      expect(containerOf(built, 'orders').LogConfiguration).toMatchObject({ LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: logGroupId }, 'awslogs-stream-prefix': 'orders' } });
    }
  });

  test('services roll back failed deployments, get no public IP, and run in the private subnets', () => {
    const { template, api } = restAlb();
    const isolated = api.vpc.isolatedSubnets.map((s) => ({ Ref: logicalIdOf(s) }));

    for (const service of Object.values(api.services)) {
      const props = propsOf(template, 'AWS::ECS::Service', service.service);
      expect(props.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
      expect(props.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
      expect(props.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(isolated);
      expect(props.LaunchType).toBe('FARGATE');
    }
  });

  test('the target groups check each service health path and interval', () => {
    const { template, api } = restAlb();

    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', api.services.orders.applicationTargetGroup!)).toMatchObject({
      Port: 3000,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/ready',
      HealthCheckIntervalSeconds: 30,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 4,
    });
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', api.services.users.applicationTargetGroup!)).toMatchObject({
      Port: 8080,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 15,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
    });
    expect(propsOf(template, 'AWS::ECS::Service', api.services.orders.service).HealthCheckGracePeriodSeconds).toBe(90);
    expect(propsOf(template, 'AWS::ECS::Service', api.services.users.service).HealthCheckGracePeriodSeconds).toBe(60);
  });

  test('auto scaling: min and max tasks, CPU tracking at 60 % by default, and request-count tracking on the ALB target group', () => {
    const { template, api } = restAlb();
    const [target] = scalableTargetsOf(template, api.services.orders.service);

    expect(target.props).toMatchObject({ MinCapacity: 1, MaxCapacity: 4, ScalableDimension: 'ecs:service:DesiredCount' });
    const policies = scalingPoliciesOf(template, target.id);
    expect(policies).toHaveLength(2);
    expect(policies).toContainEqual(expect.objectContaining({ PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 60 }));
    const requests = policies.find((p) => p.PredefinedMetricSpecification.PredefinedMetricType === 'ALBRequestCountPerTarget');
    expect(requests.TargetValue).toBe(200);
    expect(JSON.stringify(requests.PredefinedMetricSpecification.ResourceLabel)).toContain(logicalIdOf(api.services.orders.applicationTargetGroup!));
    expect(api.services.users.scaling).toBeUndefined();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
  });

  test('auto scaling: minCapacity defaults to the desired count, and cpuTargetPercent is honoured', () => {
    const { template, api } = restNlb();
    const [target] = scalableTargetsOf(template, api.services.users.service);

    expect(target.props).toMatchObject({ MinCapacity: 1, MaxCapacity: 3 });
    expect(scalingPoliciesOf(template, target.id)).toEqual([expect.objectContaining({ PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 45 })]);
  });

  test('auto scaling owns the task count: the template sets no desired count that each deploy would reset', () => {
    const { template, api } = restAlb();
    expect(propsOf(template, 'AWS::ECS::Service', api.services.orders.service).DesiredCount).toBeUndefined();
    expect(propsOf(template, 'AWS::ECS::Service', api.services.users.service).DesiredCount).toBe(1);
  });

  test('the ALB listener forwards [prefix, prefix/*] of each service to its target group and answers 404 to the rest', () => {
    const { template, api } = restAlb();
    const rules = Object.values(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);
    const forwardTo = (service: string) => rules.find((r) => r.Actions[0].TargetGroupArn.Ref === logicalIdOf(api.services[service].applicationTargetGroup!));

    expect(rules).toHaveLength(3);
    // REST: each rule also takes the stage-prefixed form (see the five paths), rewritten to the route path.
    expect(forwardTo('orders')!.Conditions).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/orders', '/orders/*', '/dev/orders', '/dev/orders/*'] } }]);
    expect(forwardTo('users')!.Conditions).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/users', '/users/*', '/dev/users', '/dev/users/*'] } }]);
    expect(forwardTo('billing')!.Conditions).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/billing', '/api/billing/*', '/dev/api/billing', '/dev/api/billing/*'] } }]);
    for (const r of rules) expect(r.ListenerArn).toEqual({ Ref: logicalIdOf(api.applicationListener!) });
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(3);
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.applicationListener!).DefaultActions).toEqual([
      expect.objectContaining({ Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '404' }) }),
    ]);
  });

  test('a service keeps its listener rule priority when services are reordered or added', () => {
    const services = (names: string[]) => ({ services: names.map((name) => ({ name, image: IMAGE })), alarms: false, dashboard: false });
    const first = rulePriorities(ordersApi(REST_ALB, services(['orders', 'users'])).template);
    const reordered = rulePriorities(ordersApi(REST_ALB, services(['payments', 'users', 'orders'])).template);

    expect(reordered['/orders /orders/*']).toBe(first['/orders /orders/*']);
    expect(reordered['/users /users/*']).toBe(first['/users /users/*']);
  });

  test('two services whose names hash to the same priority still get distinct priorities', () => {
    // 'svc-1782' and 'svc-2800' hash to the same rule priority.
    const { template } = ordersApi(REST_ALB, { services: ['svc-1782', 'svc-2800'].map((name) => ({ name, image: IMAGE })), alarms: false, dashboard: false });
    const priorities = Object.values(rulePriorities(template));
    expect(priorities).toHaveLength(2);
    expect(new Set(priorities).size).toBe(2);
  });

  test('NLB: one listener per service port, forwarding to the service container port', () => {
    const { template, api } = restNlb();

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.networkListeners.orders)).toMatchObject({
      Port: 80,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(api.services.orders.networkTargetGroup!) } }],
    });
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::Listener', api.networkListeners.users)).toMatchObject({
      Port: 8081,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(api.services.users.networkTargetGroup!) } }],
    });
    expect(propsOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', api.services.users.networkTargetGroup!)).toMatchObject({ Port: 9000, Protocol: 'TCP', HealthCheckProtocol: 'HTTP', HealthCheckPath: '/health' });
  });

  test('Cloud Map: ECS checks the container health (no load balancer does), requesting the health path on the container port', () => {
    const built = httpCloudMap();
    expect(containerOf(built, 'catalog').HealthCheck).toMatchObject({
      Command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8081/health || exit 1'],
      Interval: 15,
      Retries: 2,
      StartPeriod: 60,
    });
    expect(containerOf(restAlb(), 'orders').HealthCheck).toBeUndefined();
  });

  test('REST routes of a service: auth, cache (with a caching profile), throttle and request schema reach the operations and the stage', () => {
    const { template } = ordersApi(REST_ALB, {
      profile: StageProfile.dev({ caching: { clusterSize: '0.5' } }),
      alarms: false,
      dashboard: false,
      services: [
        ordersService({
          routes: {
            'GET /orders': { auth: ApiAuth.none(), cache: { ttl: Duration.minutes(1) } },
            'POST /orders': {
              throttle: { rateLimit: 10, burstLimit: 20 },
              requestSchema: { type: JsonSchemaType.OBJECT, required: ['sku'], properties: { sku: { type: JsonSchemaType.STRING } } },
            },
            'GET /orders/{id}': {},
          },
        }),
      ],
    });
    const body = restBodyOf(template);

    expect(Object.keys(body.paths).sort()).toEqual(['/orders', '/orders/{id}']);
    expect(Object.keys(body.paths['/orders']).sort()).toEqual(['get', 'post']);
    expect(operationOf(body, '/orders', 'get').security).toEqual([]);
    expect(operationOf(body, '/orders', 'post').security).toEqual([{ sigv4: [] }]);
    expect(operationOf(body, '/orders/{id}', 'get').security).toEqual([{ sigv4: [] }]);
    const post = operationOf(body, '/orders', 'post');
    const schemaRef = (post.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json'].schema.$ref;
    expect(body.components.schemas[schemaRef.replace('#/components/schemas/', '')]).toMatchObject({ required: ['sku'] });
    expect(joinedText(operationOf(body, '/orders/{id}', 'get')['x-amazon-apigateway-integration'].uri)).toMatch(/:80\/orders\/\{id\}$/);
    const settings = onlyResource(template, 'AWS::ApiGateway::Stage').resource.Properties.MethodSettings as FoundProperties[];
    expect(settings).toContainEqual(expect.objectContaining({ ResourcePath: '/~1orders', HttpMethod: 'GET', CachingEnabled: true, CacheTtlInSeconds: 60 }));
    expect(settings).toContainEqual(expect.objectContaining({ ResourcePath: '/~1orders', HttpMethod: 'POST', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }));
  });

  test('HTTP routes of a service: auth and throttle reach the routes and the stage; with Cloud Map a route may lie anywhere', () => {
    const { template } = httpCloudMap();
    const routes = Object.fromEntries(Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, r.Properties]));

    expect(routes['GET /v1/catalog'].AuthorizationType).toBe('NONE');
    expect(routes['GET /v1/catalog/{id}'].AuthorizationType).toBe('AWS_IAM');
    expect(routes['ANY /orders'].AuthorizationType).toBe('AWS_IAM');
    const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage').resource.Properties;
    expect(stage.RouteSettings['GET /v1/catalog/{id}']).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });
});

describe('PrivateEcsApi: alarms and dashboard', () => {
  test('ALB: per service, unhealthy targets, target 5xx and response time, besides CPU, memory and tasks below desired', () => {
    const built = restAlb();
    const { api } = built;
    const tg = api.services.orders.applicationTargetGroup!;

    expect(serviceAlarmIds(built, 'Orders')).toEqual(['OrdersCpu', 'OrdersMemory', 'OrdersResponseTime', 'OrdersTarget5xx', 'OrdersTasksBelowDesired', 'OrdersUnhealthyHosts']);
    expect(alarmOf(built, 'OrdersUnhealthyHosts')).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(alarmOf(built, 'OrdersUnhealthyHosts').Dimensions)).toContain(logicalIdOf(tg));
    expect(alarmOf(built, 'OrdersTarget5xx')).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Statistic: 'Sum', Threshold: 5 });
    // The profile's integration latency threshold (2000 ms), in seconds as the ALB reports it.
    expect(alarmOf(built, 'OrdersResponseTime')).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', ExtendedStatistic: 'p90', Threshold: 2 });
    expect(alarmOf(built, 'OrdersCpu')).toMatchObject({ Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Threshold: 85 });
    expect(alarmOf(built, 'OrdersMemory')).toMatchObject({ Namespace: 'AWS/ECS', MetricName: 'MemoryUtilization', Threshold: 85 });
    expect(serviceAlarmIds(built, 'Users')).toHaveLength(6);
  });

  test('tasks below desired: desired minus running task count from Container Insights, alarming at 1', () => {
    const built = restAlb();
    const { api } = built;
    const alarm = alarmOf(built, 'OrdersTasksBelowDesired');
    const metrics = alarm.Metrics as FoundProperties[];
    const expression = metrics.find((m) => m.Expression);
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);

    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(expression.Expression).toBe('desired - running');
    expect(stats.map((m) => m.MetricName).sort()).toEqual(['DesiredTaskCount', 'RunningTaskCount']);
    for (const m of stats) {
      expect(m.Namespace).toBe('ECS/ContainerInsights');
      expect(m.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'ClusterName', Value: { Ref: logicalIdOf(api.cluster) } },
          { Name: 'ServiceName', Value: { 'Fn::GetAtt': [logicalIdOf(api.services.orders.service), 'Name'] } },
        ]),
      );
    }
  });

  test('NLB: unhealthy targets from the network target group, and no HTTP target alarms', () => {
    const built = restNlb();
    expect(serviceAlarmIds(built, 'Orders')).toEqual(['OrdersCpu', 'OrdersMemory', 'OrdersTasksBelowDesired', 'OrdersUnhealthyHosts']);
    expect(alarmOf(built, 'OrdersUnhealthyHosts')).toMatchObject({ Namespace: 'AWS/NetworkELB', MetricName: 'UnHealthyHostCount', Threshold: 1 });
  });

  test('Cloud Map: CPU, memory and tasks below desired only', () => {
    const built = httpCloudMap();
    expect(serviceAlarmIds(built, 'Catalog')).toEqual(['CatalogCpu', 'CatalogMemory', 'CatalogTasksBelowDesired']);
  });

  test('the cluster has Container Insights, and the dashboard graphs the services', () => {
    const { template, api } = restAlb();
    expect(propsOf(template, 'AWS::ECS::Cluster', api.cluster).ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard').resource.Properties;
    expect(JSON.stringify(dashboard.DashboardBody)).toContain('orders: running tasks below desired');
    expect(api.dashboard).toBeDefined();
  });

  test('without Container Insights there is no tasks-below-desired alarm (its metrics would never arrive)', () => {
    const { api, template } = ordersApi(HTTP_ALB, { containerInsights: ecs.ContainerInsights.DISABLED });
    expect(api.alarms.map((a) => a.node.id).filter((id) => id.startsWith('Orders')).sort()).toEqual(['OrdersCpu', 'OrdersMemory', 'OrdersResponseTime', 'OrdersTarget5xx', 'OrdersUnhealthyHosts']);
    expect(propsOf(template, 'AWS::ECS::Cluster', api.cluster).ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'disabled' }]);
  });

  test('alarms: false creates no alarm', () => {
    const { template, api } = ordersApi(REST_ALB, { loadBalancerAccessLogs: false, alarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(api.alarms).toEqual([]);
  });
});

describe('PrivateEcsApi: public members', () => {
  test('REST + ALB', () => {
    const { api } = restAlb();
    expect(api.kind).toBe(ApiKind.REST);
    expect(api.backend).toBe(PrivateBackend.APPLICATION_LOAD_BALANCER);
    expect(api.restApi).toBeDefined();
    expect(api.restStage).toBeDefined();
    expect(api.httpApi).toBeUndefined();
    expect(api.vpcLink).toBeUndefined();
    expect(api.vpcLinkV2).toBeDefined();
    expect(api.applicationLoadBalancer).toBeInstanceOf(elbv2.ApplicationLoadBalancer);
    expect(api.applicationListener).toBeInstanceOf(elbv2.ApplicationListener);
    expect(api.networkLoadBalancer).toBeUndefined();
    expect(api.networkListeners).toEqual({});
    expect(api.cluster).toBeInstanceOf(ecs.Cluster);
    expect(api.accessLogsBucket).toBeDefined();
    expect(api.cloudMapNamespace).toBeUndefined();
    expect(Object.keys(api.services)).toEqual(['orders', 'users', 'billing']);
    const orders = api.services.orders;
    expect(orders.serviceName).toBe('orders');
    expect(orders.service).toBeInstanceOf(ecs.FargateService);
    expect(orders.taskDefinition).toBeInstanceOf(ecs.FargateTaskDefinition);
    expect(orders.taskRole).toBeDefined();
    expect(orders.securityGroup).toBeDefined();
    expect(orders.applicationTargetGroup).toBeInstanceOf(elbv2.ApplicationTargetGroup);
    expect(orders.networkTargetGroup).toBeUndefined();
    expect(orders.cloudMapService).toBeUndefined();
    expect(orders.scaling).toBeDefined();
    expect(orders.containerPort).toBe(3000);
  });

  test('REST + NLB', () => {
    const { api } = restNlb();
    expect(api.vpcLink).toBeDefined();
    expect(api.vpcLinkV2).toBeUndefined();
    expect(api.networkLoadBalancer).toBeInstanceOf(elbv2.NetworkLoadBalancer);
    expect(api.applicationLoadBalancer).toBeUndefined();
    expect(api.applicationListener).toBeUndefined();
    expect(Object.keys(api.networkListeners).sort()).toEqual(['orders', 'users']);
    expect(api.networkListeners.orders).toBeInstanceOf(elbv2.NetworkListener);
    expect(api.services.orders.networkTargetGroup).toBeInstanceOf(elbv2.NetworkTargetGroup);
    expect(api.services.orders.applicationTargetGroup).toBeUndefined();
    // An NLB without TLS listeners writes no access logs.
    expect(api.accessLogsBucket).toBeUndefined();
  });

  test.each([
    [HTTP_ALB, httpAlb],
    [HTTP_NLB, httpNlb],
  ] as const)('%s', (path, build) => {
    const { api } = build();
    expect(api.kind).toBe(ApiKind.HTTP);
    expect(api.httpApi).toBeDefined();
    expect(api.httpStage).toBeDefined();
    expect(api.restApi).toBeUndefined();
    expect(api.vpcLinkV2).toBeDefined();
    expect(api.vpcLink).toBeUndefined();
    expect(api.loadBalancerSecurityGroup).toBeDefined();
    expect(api.services.orders.applicationTargetGroup ?? api.services.orders.networkTargetGroup).toBeDefined();
    if (path.backend === PrivateBackend.APPLICATION_LOAD_BALANCER) expect(api.applicationListener).toBeDefined();
    else expect(api.networkListeners.orders).toBeDefined();
  });

  test('HTTP + Cloud Map', () => {
    const { api } = httpCloudMap();
    expect(api.cloudMapNamespace).toBeDefined();
    expect(api.cloudMapNamespace!.namespaceName).toBe('orders.internal');
    expect(api.services.orders.cloudMapService).toBeDefined();
    expect(api.services.orders.applicationTargetGroup).toBeUndefined();
    expect(api.services.orders.networkTargetGroup).toBeUndefined();
    expect(api.applicationLoadBalancer).toBeUndefined();
    expect(api.networkLoadBalancer).toBeUndefined();
    expect(api.loadBalancerSecurityGroup).toBeUndefined();
    expect(api.accessLogsBucket).toBeUndefined();
    expect(api.vpcLinkSecurityGroup).toBeDefined();
  });
});

describe('PrivateEcsApi validation', () => {
  /** Builds the API in a fresh stack (construction alone checks the props; nothing is synthesized). */
  const build = (path: PrivateEcsPath, props: Partial<PrivateEcsApiProps>, prepare?: (stack: Stack) => Partial<PrivateEcsApiProps>) => () => ordersApi(path, props, prepare);
  /** The API with one 'orders' service with these props. */
  const withService = (service: Partial<Parameters<typeof ordersService>[0]>, path: PrivateEcsPath = REST_ALB, props: Partial<PrivateEcsApiProps> = {}) => build(path, { ...props, services: [ordersService(service)] });

  describe('services', () => {
    test('ServicesMissing', () => {
      expectApiError(build(REST_ALB, { services: [] }), 'ServicesMissing', /services must name at least one service/, /Got: \[\]/);
    });

    test.each(['Orders', '1orders', 'orders_v2', 'a'.repeat(33)])('ServiceNameInvalid: %s', (name) => {
      expectApiError(withService({ name }), 'ServiceNameInvalid', /services\[0\]\.name must be 1 to 32 lowercase/, new RegExp(`Got: "${name}"`));
    });

    test('a 32-character name is fine', () => {
      expect(() => withService({ name: `a${'b'.repeat(31)}` })()).not.toThrow();
    });

    test('ServiceNameDuplicate', () => {
      expectApiError(build(REST_ALB, { services: [ordersService(), ordersService({ pathPrefix: '/v2/orders' })] }), 'ServiceNameDuplicate', /services\[1\]\.name is taken .*by services\[0\]/, /Got: "orders"/);
    });

    test('ServiceNameDuplicate: names that differ only in "-" would get the same construct id', () => {
      expectApiError(
        build(REST_ALB, { services: [ordersService({ name: 'a-b1', pathPrefix: '/one' }), ordersService({ name: 'a-b-1', pathPrefix: '/two' })] }),
        'ServiceNameDuplicate',
        /services\[1\]\.name is taken \(or spelled alike, apart from '-'\) by services\[0\]/,
        /Got: "a-b-1"/,
      );
    });

    test('FargateCpuInvalid', () => {
      expectApiError(withService({ cpu: 300 }), 'FargateCpuInvalid', /services\[0\]\.cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384/, /Got: 300/);
    });

    test('FargateMemoryInvalid', () => {
      expectApiError(withService({ cpu: 256, memoryMiB: 4096 }), 'FargateMemoryInvalid', /services\[0\]\.memoryMiB must be a size Fargate offers with 256 CPU units: 512, 1024, 2048 MiB/, /Got: 4096/);
      expectApiError(withService({ cpu: 1024, memoryMiB: 1024 }), 'FargateMemoryInvalid', /services\[0\]\.memoryMiB .* 1024 CPU units: 2048 to 8192 MiB in steps of 1024/, /Got: 1024/);
    });

    test.each([0, 65536, 80.5])('ContainerPortInvalid: %s', (containerPort) => {
      expectApiError(withService({ containerPort }), 'ContainerPortInvalid', /services\[0\]\.containerPort must be a whole number from 1 to 65535/, new RegExp(`Got: ${containerPort}`));
    });

    test.each([-1, 1.5, 1001])('DesiredCountInvalid: %s', (desiredCount) => {
      expectApiError(withService({ desiredCount }), 'DesiredCountInvalid', /services\[0\]\.desiredCount must be a whole number from 0 to 1000/, new RegExp(`Got: ${desiredCount}`));
    });

    test('DesiredCountZeroInProduction (0 is allowed on dev: see the services tests)', () => {
      expectApiError(withService({ desiredCount: 0 }, REST_ALB, { profile: StageProfile.prod() }), 'DesiredCountZeroInProduction', /services\[0\]\.desiredCount must be at least 1 on a production profile \(stage "prod"\)/, /Got: 0/);
      expect(() => withService({ desiredCount: 0 })()).not.toThrow();
    });
  });

  describe('health checks', () => {
    test.each(['health', '/with space', `/${'a'.repeat(1024)}`])('HealthCheckPathInvalid: %s', (path) => {
      expectApiError(withService({ healthCheck: { path } }), 'HealthCheckPathInvalid', /services\[0\]\.healthCheck\.path must start with '\/'/, new RegExp(`Got: "${path.slice(0, 40)}`));
    });

    test.each([4, 301])('HealthCheckIntervalInvalid: %s s', (seconds) => {
      expectApiError(withService({ healthCheck: { interval: Duration.seconds(seconds) } }), 'HealthCheckIntervalInvalid', /services\[0\]\.healthCheck\.interval \(seconds\) must be a whole number from 5 to 300/, new RegExp(`Got: ${seconds}`));
    });

    test('HealthCheckGracePeriodInvalid: a Cloud Map grace period over 300 s (the container start period)', () => {
      expectApiError(withService({ healthCheck: { gracePeriod: Duration.minutes(6) } }, HTTP_CLOUD_MAP), 'HealthCheckGracePeriodInvalid', /services\[0\]\.healthCheck\.gracePeriod/, /Got: 360/);
    });

    test.each([
      ['healthyThresholdCount', 1],
      ['unhealthyThresholdCount', 11],
    ])('HealthCheckThresholdInvalid: %s %s', (prop, value) => {
      expectApiError(withService({ healthCheck: { [prop]: value } }), 'HealthCheckThresholdInvalid', new RegExp(`services\\[0\\]\\.healthCheck\\.${prop} must be a whole number from 2 to 10`), new RegExp(`Got: ${value}`));
    });
  });

  describe('routing', () => {
    test.each([
      [REST_NLB, /an NLB routes by port/],
      [HTTP_CLOUD_MAP, /Cloud Map has no path rules/],
    ])('PathRoutingUnsupported on %s', (path, why) => {
      expectApiError(withService({ pathPrefix: '/v1/orders' }, path), 'PathRoutingUnsupported', /services\[0\]\.pathPrefix needs PrivateBackend\.APPLICATION_LOAD_BALANCER/, why, /Got: "\/v1\/orders"/);
    });

    test.each(['orders', '/', '/orders/', '/orders/{id}', '/or ders'])('PathPrefixInvalid: %s', (pathPrefix) => {
      expectApiError(withService({ pathPrefix }), 'PathPrefixInvalid', /services\[0\]\.pathPrefix must be '\/' and one or more segments/, new RegExp(`Got: ${JSON.stringify(pathPrefix).replace(/[/{}]/g, '\\$&')}`));
    });

    test('PathPrefixDuplicate: the same prefix twice', () => {
      expectApiError(
        build(REST_ALB, { services: [ordersService({ pathPrefix: '/shop' }), { name: 'users', image: IMAGE, pathPrefix: '/shop' }] }),
        'PathPrefixDuplicate',
        /services\[1\]\.pathPrefix overlaps services\[0\]\.pathPrefix "\/shop"/,
        /Got: "\/shop"/,
      );
    });

    test('PathPrefixDuplicate: a prefix nested in another (either order)', () => {
      expectApiError(build(REST_ALB, { services: [ordersService(), { name: 'archive', image: IMAGE, pathPrefix: '/orders/archive' }] }), 'PathPrefixDuplicate', /services\[1\]\.pathPrefix overlaps services\[0\]\.pathPrefix "\/orders"/, /Got: "\/orders\/archive"/);
      expectApiError(build(REST_ALB, { services: [{ name: 'archive', image: IMAGE, pathPrefix: '/orders/archive' }, ordersService()] }), 'PathPrefixDuplicate', /services\[1\]\.pathPrefix overlaps/, /Got: "\/orders"/);
    });

    test('prefixes that only share a start are distinct', () => {
      expect(() => build(REST_ALB, { services: [ordersService(), { name: 'archive', image: IMAGE, pathPrefix: '/orders-archive' }] })()).not.toThrow();
    });

    test.each([
      [REST_ALB, /an ALB routes by pathPrefix on one listener/],
      [HTTP_CLOUD_MAP, /Cloud Map has no listeners/],
    ])('ListenerPortUnsupported on %s', (path, why) => {
      expectApiError(withService({ listenerPort: 8080 }, path), 'ListenerPortUnsupported', /services\[0\]\.listenerPort needs PrivateBackend\.NETWORK_LOAD_BALANCER/, why, /Got: 8080/);
    });

    test.each([0, 70000])('ListenerPortInvalid: %s', (listenerPort) => {
      expectApiError(withService({ listenerPort }, REST_NLB), 'ListenerPortInvalid', /services\[0\]\.listenerPort must be a whole number from 1 to 65535/, new RegExp(`Got: ${listenerPort}`));
    });

    test('ListenerPortDuplicate: two services on the default port', () => {
      expectApiError(build(HTTP_NLB, { services: [ordersService(), { name: 'users', image: IMAGE }] }), 'ListenerPortDuplicate', /services\[1\]\.listenerPort is taken by services\[0\]/, /Got: 80/);
    });

    test('RouteOutsidePathPrefix: an ALB route outside the service prefix', () => {
      expectApiError(
        withService({ routes: { 'GET /orders': {}, 'GET /other/{id}': {} } }),
        'RouteOutsidePathPrefix',
        /services\[0\]\.routes\["GET \/other\/\{id\}"\]: the path must lie under the service's pathPrefix "\/orders"/,
        /Got: "\/other\/\{id\}"/,
      );
    });
  });

  describe('auto scaling', () => {
    test.each([
      [{ maxCapacity: 0 }, /services\[0\]\.autoScaling\.maxCapacity must be a whole number from 1 to 1000/, /Got: 0/],
      [{ minCapacity: 5, maxCapacity: 3 }, /services\[0\]\.autoScaling\.maxCapacity must be a whole number from 5 to 1000/, /Got: 3/],
      [{ minCapacity: -1, maxCapacity: 3 }, /services\[0\]\.autoScaling\.minCapacity must be a whole number from 0 to 1000/, /Got: -1/],
    ])('AutoScalingRangeInvalid: %j', (autoScaling, prop, got) => {
      expectApiError(withService({ autoScaling }), 'AutoScalingRangeInvalid', prop, got);
    });

    test('AutoScalingRangeInvalid: minCapacity 0 on a prod profile', () => {
      expectApiError(withService({ autoScaling: { minCapacity: 0, maxCapacity: 3 } }, REST_ALB, { profile: StageProfile.prod() }), 'AutoScalingRangeInvalid', /services\[0\]\.autoScaling\.minCapacity must be a whole number from 1 to 1000/, /Got: 0/);
    });

    test.each([5, 95])('AutoScalingCpuTargetInvalid: %s', (cpuTargetPercent) => {
      expectApiError(withService({ autoScaling: { maxCapacity: 3, cpuTargetPercent } }), 'AutoScalingCpuTargetInvalid', /services\[0\]\.autoScaling\.cpuTargetPercent must be a whole number from 10 to 90/, new RegExp(`Got: ${cpuTargetPercent}`));
    });

    test('AutoScalingRequestsInvalid', () => {
      expectApiError(withService({ autoScaling: { maxCapacity: 3, requestsPerTarget: 0 } }), 'AutoScalingRequestsInvalid', /services\[0\]\.autoScaling\.requestsPerTarget must be a whole number from 1 to 1000000/, /Got: 0/);
    });

    test.each([REST_NLB, HTTP_CLOUD_MAP])('RequestScalingUnsupported on %s', (path) => {
      expectApiError(withService({ autoScaling: { maxCapacity: 3, requestsPerTarget: 100 } }, path), 'RequestScalingUnsupported', /services\[0\]\.autoScaling\.requestsPerTarget needs PrivateBackend\.APPLICATION_LOAD_BALANCER/, /Got: 100/);
    });
  });

  describe('API kind, backend and REST-only features', () => {
    test('ApiKindInvalid', () => {
      expectApiError(build(REST_ALB, { kind: ApiKind.WEBSOCKET }), 'ApiKindInvalid', /kind must be ApiKind\.REST or ApiKind\.HTTP/, /Got: "WEBSOCKET"/);
    });

    test('PrivateBackendUnsupported: Cloud Map on REST', () => {
      expectApiError(build({ ...HTTP_CLOUD_MAP, kind: ApiKind.REST }, {}), 'PrivateBackendUnsupported', /backend PrivateBackend\.CLOUD_MAP needs kind ApiKind\.HTTP/, /Got: kind REST/);
    });

    test('PrivateTlsUnsupported: TLS with Cloud Map', () => {
      expectApiError(build(HTTP_CLOUD_MAP, {}, (stack) => ({ tls: { certificate: certificate(stack), serverName: SERVER_NAME } })), 'PrivateTlsUnsupported', /tls needs a load balancer/, /Got: tls with CLOUD_MAP/);
    });

    test('PrivateEndpointCustomDomainUnsupported: a Regional custom domain cannot map a private API', () => {
      expectApiError(
        build(REST_ALB, {}, (stack) => ({ ...importedEndpoint(stack), customDomain: { domainName: 'orders.example.com', certificate: certificate(stack) } })),
        'PrivateEndpointCustomDomainUnsupported',
        /customDomain creates a Regional custom domain, which cannot map a private REST API \(privateEndpoint\)/,
        /Got: both/,
      );
    });

    test('PrivateEndpointVpcEndpointsMissing', () => {
      expectApiError(build(REST_ALB, { privateEndpoint: { vpcEndpoints: [] } }), 'PrivateEndpointVpcEndpointsMissing', /privateEndpoint\.vpcEndpoints must name at least one/, /Got: \[\]/);
    });

    test.each([
      ['webAclArn', { webAclArn: 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acl/0a1b2c3d' }, /WAF \(webAclArn\)/],
      ['tracing', { tracing: true }, /X-Ray tracing on the stage \(tracing\)/],
      ['profile caching', { profile: StageProfile.dev({ caching: { clusterSize: '0.5' } }) }, /caching \(profile\.caching\)/],
    ] as Array<[string, Partial<PrivateEcsApiProps>, RegExp]>)('RestOnlyFeature on HTTP: %s', (_name, props, prop) => {
      expectApiError(build(HTTP_ALB, props), 'RestOnlyFeature', prop, /needs kind ApiKind\.REST/, /Got: kind HTTP/);
    });

    test('RestOnlyFeature on HTTP: privateEndpoint, naming privateEndpoint', () => {
      expectApiError(build(HTTP_ALB, {}, importedEndpoint), 'RestOnlyFeature', /privateEndpoint/, /Got: kind HTTP/);
    });

    test('RestOnlyFeature on HTTP: privateEndpoint is refused', () => {
      expectApiError(build(HTTP_ALB, {}, importedEndpoint), 'RestOnlyFeature', /needs kind ApiKind\.REST/, /Got: kind HTTP/);
    });

    test('tracing: false is no REST-only request on HTTP', () => {
      expect(() => build(HTTP_ALB, { tracing: false })()).not.toThrow();
    });

    test('PrivateTlsServerNameInvalid names tls.serverName', () => {
      const error = expectApiError(build(REST_ALB, {}, (stack) => ({ tls: { certificate: certificate(stack), serverName: 'not a host name' } })), 'PrivateTlsServerNameInvalid', /tls\.serverName/, /Got: "not a host name"/);
      expect(error.constructPath).toBe('TestStack/Api');
    });
  });
});

/** privateEndpoint with an `execute-api` endpoint imported into the stack. */
function importedEndpoint(stack: Stack): Partial<PrivateEcsApiProps> {
  return { privateEndpoint: { vpcEndpoints: [ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Endpoint', { vpcEndpointId: 'vpce-0123456789abcdef0', port: 443 })] } };
}
