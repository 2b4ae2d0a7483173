import { Duration, Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { ApiAuth, ApiKind, PrivateIntegration, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import type { RouteOptions } from '../../../lib';
import { expectApiError } from '../../support/core-stacks';
import { operationOf, resourcesOf, restBodyOf } from '../../support/metered-public-api-fixtures';
import { joinedText, logicalIdOf, privateEcsStack } from '../../support/private-ecs-api-fixtures';
import { templateOf } from '../../support/stacks';

const SERVER_NAME = 'api.internal.example.com';

/** A VPC with an internal ALB (listener on 8080), an internal NLB (listeners on 9000 and 9001), VPC links v1 and v2, and a Cloud Map service. */
interface PrivateTargets {
  readonly stack: Stack;
  readonly albListener: elbv2.ApplicationListener;
  readonly nlbListener: elbv2.NetworkListener;
  readonly otherNlbListener: elbv2.NetworkListener;
  readonly vpcLink: apigw.VpcLink;
  readonly vpcLinkV2: apigwv2.VpcLink;
  readonly cloudMapService: servicediscovery.Service;
}

/** GIVEN the private targets in a fresh stack in 111111111111 / eu-west-1. */
function privateTargets(): PrivateTargets {
  const { stack } = privateEcsStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: false });
  const albListener = alb.addListener('Http', { port: 8080, open: false, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc, internetFacing: false });
  const nlbListener = (port: number) =>
    nlb.addListener(`Tcp${port}`, { port, defaultTargetGroups: [new elbv2.NetworkTargetGroup(stack, `Targets${port}`, { vpc, port, targetType: elbv2.TargetType.IP })] });
  const namespace = new servicediscovery.PrivateDnsNamespace(stack, 'Namespace', { name: 'svc.internal', vpc });
  return {
    stack,
    albListener,
    nlbListener: nlbListener(9000),
    otherNlbListener: nlbListener(9001),
    vpcLink: new apigw.VpcLink(stack, 'VpcLinkV1', { targets: [nlb] }),
    vpcLinkV2: new apigwv2.VpcLink(stack, 'VpcLinkV2', { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
    cloudMapService: namespace.createService('Orders', { dnsRecordType: servicediscovery.DnsRecordType.SRV }),
  };
}

/** WHEN a ServerlessApi of `kind` with these routes (public unless they say otherwise) is built in the stack; THEN its template. */
function apiWith(stack: Stack, kind: ApiKind, routes: Record<string, RouteOptions>): Template {
  new ServerlessApi(stack, 'Api', {
    profile: StageProfile.dev(),
    kind,
    apiName: 'orders',
    alarms: false,
    dashboard: false,
    routes: Object.fromEntries(Object.entries(routes).map(([key, options]) => [key, { auth: ApiAuth.none(), ...options }])),
  });
  return templateOf(stack);
}

/** The REST integration of an operation. */
const restIntegration = (template: Template, path: string, method: string) => operationOf(restBodyOf(template), path, method)['x-amazon-apigateway-integration'];

/** The HTTP API integrations' properties. */
const httpIntegrations = (template: Template) => Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Integration')).map((i) => i.Properties);

let t: PrivateTargets;
beforeEach(() => {
  t = privateTargets();
});

describe('private integrations on a REST API', () => {
  test('privateAlb: an HTTP proxy through the VPC link v2 that names the ALB as its target; the URI is the ALB, its listener port and the route path', () => {
    const template = apiWith(t.stack, ApiKind.REST, { 'GET /orders/{id}': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }) } });
    const albId = logicalIdOf(t.albListener.loadBalancer);

    const integration = restIntegration(template, '/orders/{id}', 'get');
    expect({ ...integration, uri: joinedText(integration.uri) }).toEqual({
      type: 'http_proxy',
      connectionType: 'VPC_LINK',
      connectionId: { Ref: logicalIdOf(t.vpcLinkV2) },
      integrationTarget: { Ref: albId },
      httpMethod: 'GET',
      uri: `http://<GetAtt:${albId}.DNSName>:8080/orders/{id}`,
      passthroughBehavior: 'when_no_match',
      requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
    });
  });

  test('a greedy path parameter reaches the backend as the rest of the path; a route without parameters maps none', () => {
    const integration = RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 });
    const template = apiWith(t.stack, ApiKind.REST, { 'ANY /orders/{proxy+}': { integration }, 'POST /orders': { integration } });

    const proxy = restIntegration(template, '/orders/{proxy+}', 'x-amazon-apigateway-any-method');
    expect(joinedText(proxy.uri)).toMatch(/:8080\/orders\/\{proxy\}$/);
    expect(proxy).toMatchObject({ httpMethod: 'ANY', requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' } });
    const post = restIntegration(template, '/orders', 'post');
    expect(joinedText(post.uri)).toMatch(/:8080\/orders$/);
    expect(post.requestParameters).toBeUndefined();
  });

  test('privateAlb with tlsServerName: the URI is https:// on the server name, and the route timeout is set', () => {
    const template = apiWith(t.stack, ApiKind.REST, {
      'GET /orders/{id}': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: SERVER_NAME }), timeout: Duration.seconds(10) },
    });

    expect(restIntegration(template, '/orders/{id}', 'get')).toMatchObject({ uri: `https://${SERVER_NAME}:8080/orders/{id}`, timeoutInMillis: 10000 });
  });

  test('privateNlb: an HTTP proxy through the VPC link v1, with no integration target; the URI is the NLB and the given port', () => {
    const template = apiWith(t.stack, ApiKind.REST, { 'PUT /orders/{id}': { integration: RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLink: t.vpcLink }) } });
    const nlbId = logicalIdOf(t.nlbListener.loadBalancer);

    const integration = restIntegration(template, '/orders/{id}', 'put');
    expect(integration).toMatchObject({ type: 'http_proxy', connectionType: 'VPC_LINK', connectionId: { Ref: logicalIdOf(t.vpcLink) }, httpMethod: 'PUT', passthroughBehavior: 'when_no_match' });
    expect(integration.integrationTarget).toBeUndefined();
    expect(joinedText(integration.uri)).toBe(`http://<GetAtt:${nlbId}.DNSName>:9000/orders/{id}`);
  });

  test('PrivateVpcLinkMissing: privateNlb without a VPC link v1', () => {
    expectApiError(
      () => apiWith(t.stack, ApiKind.REST, { 'GET /orders': { integration: RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLinkV2: t.vpcLinkV2 }) } }),
      'PrivateVpcLinkMissing',
      /routes\["GET \/orders"\]\.integration: RouteIntegration\.privateNlb on a REST API needs options\.vpcLink/,
      /Got: none/,
    );
  });

  test('IntegrationUnsupported: cloudMap on a REST API', () => {
    expectApiError(
      () => apiWith(t.stack, ApiKind.REST, { 'GET /orders': { integration: RouteIntegration.cloudMap(t.cloudMapService, { vpcLink: t.vpcLinkV2 }) } }),
      'IntegrationUnsupported',
      /routes\["GET \/orders"\]\.integration: RouteIntegration\.cloudMap is offered on HTTP APIs only/,
      /Got: kind REST/,
    );
  });
});

describe('private integrations on an HTTP API', () => {
  test('privateAlb: an HTTP proxy with the ALB listener through the VPC link v2, overwriting the path with $request.path', () => {
    const template = apiWith(t.stack, ApiKind.HTTP, { 'GET /orders/{id}': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }) } });

    const [integration, ...others] = httpIntegrations(template);
    expect(others).toEqual([]);
    expect(integration).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: logicalIdOf(t.vpcLinkV2) },
      IntegrationUri: { Ref: logicalIdOf(t.albListener) },
      IntegrationMethod: 'GET',
      PayloadFormatVersion: '1.0',
      RequestParameters: { 'overwrite:path': '$request.path' },
    });
    expect(integration.TlsConfig).toBeUndefined();
  });

  test('privateAlb with tlsServerName: API Gateway verifies the server name', () => {
    const template = apiWith(t.stack, ApiKind.HTTP, { 'GET /orders': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: SERVER_NAME }) } });
    expect(httpIntegrations(template)[0].TlsConfig).toEqual({ ServerNameToVerify: SERVER_NAME });
  });

  test('privateNlb: the NLB listener through the VPC link v2', () => {
    const template = apiWith(t.stack, ApiKind.HTTP, {
      'POST /orders': { integration: RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLink: t.vpcLink, vpcLinkV2: t.vpcLinkV2, tlsServerName: SERVER_NAME }) },
    });

    expect(httpIntegrations(template)).toEqual([
      expect.objectContaining({
        IntegrationType: 'HTTP_PROXY',
        ConnectionType: 'VPC_LINK',
        ConnectionId: { Ref: logicalIdOf(t.vpcLinkV2) },
        IntegrationUri: { Ref: logicalIdOf(t.nlbListener) },
        IntegrationMethod: 'POST',
        RequestParameters: { 'overwrite:path': '$request.path' },
        TlsConfig: { ServerNameToVerify: SERVER_NAME },
      }),
    ]);
  });

  test('cloudMap: the Cloud Map service through the VPC link v2', () => {
    const template = apiWith(t.stack, ApiKind.HTTP, { 'GET /orders/{id}': { integration: RouteIntegration.cloudMap(t.cloudMapService, { vpcLink: t.vpcLinkV2 }) } });

    expect(httpIntegrations(template)).toEqual([
      expect.objectContaining({
        IntegrationType: 'HTTP_PROXY',
        ConnectionType: 'VPC_LINK',
        ConnectionId: { Ref: logicalIdOf(t.vpcLinkV2) },
        IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(t.cloudMapService), 'Arn'] },
        IntegrationMethod: 'GET',
        RequestParameters: { 'overwrite:path': '$request.path' },
      }),
    ]);
  });

  test('PrivateVpcLinkMissing: privateNlb without a VPC link v2', () => {
    expectApiError(
      () => apiWith(t.stack, ApiKind.HTTP, { 'GET /orders': { integration: RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLink: t.vpcLink }) } }),
      'PrivateVpcLinkMissing',
      /routes\["GET \/orders"\]\.integration: RouteIntegration\.privateNlb on an HTTP API needs options\.vpcLinkV2/,
      /Got: none/,
    );
  });
});

describe('sharing HTTP API integrations', () => {
  /** The number of integrations, and the one each route targets. */
  function sharing(routes: Record<string, RouteOptions>): { integrations: number; targets: Record<string, string> } {
    const template = apiWith(t.stack, ApiKind.HTTP, routes);
    const targets = Object.fromEntries(Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, joinedText(r.Properties.Target)]));
    return { integrations: httpIntegrations(template).length, targets };
  }

  test('routes with the same target and method share one integration, even from separate factory calls', () => {
    const { integrations, targets } = sharing({
      'GET /orders': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }) },
      'GET /orders/{id}': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }) },
    });
    expect(integrations).toBe(1);
    expect(targets['GET /orders']).toBe(targets['GET /orders/{id}']);
  });

  test('another method, another integration', () => {
    const integration = RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 });
    expect(sharing({ 'GET /orders': { integration }, 'POST /orders': { integration } }).integrations).toBe(2);
  });

  test('another listener, another integration', () => {
    expect(
      sharing({
        'GET /a': { integration: RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLinkV2: t.vpcLinkV2 }) },
        'GET /b': { integration: RouteIntegration.privateNlb(t.otherNlbListener, { port: 9001, vpcLinkV2: t.vpcLinkV2 }) },
      }).integrations,
    ).toBe(2);
  });

  test('routes to the same Cloud Map service and method share one integration', () => {
    const integration = RouteIntegration.cloudMap(t.cloudMapService, { vpcLink: t.vpcLinkV2 });
    expect(sharing({ 'GET /a': { integration }, 'GET /b': { integration } }).integrations).toBe(1);
  });

  test('another timeout, another integration', () => {
    const integration = RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 });
    expect(sharing({ 'GET /a': { integration }, 'GET /b': { integration, timeout: Duration.seconds(5) } }).integrations).toBe(2);
  });

  test('integrations to the same listener with another tlsServerName are not shared', () => {
    const template = apiWith(t.stack, ApiKind.HTTP, {
      'GET /plain': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }) },
      'GET /verified': { integration: RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: SERVER_NAME }) },
    });
    const tls = httpIntegrations(template).map((i) => i.TlsConfig);
    expect(tls).toHaveLength(2);
    expect(tls).toContainEqual({ ServerNameToVerify: SERVER_NAME });
  });
});

describe('PrivateIntegration options', () => {
  test.each([
    ['privateAlb', () => RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: 'https://api.example.com' }), 'https://api.example.com'],
    ['privateAlb', () => RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: 'localhost' }), 'localhost'],
    ['privateNlb', () => RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLink: t.vpcLink, tlsServerName: 'api.example.com.' }), 'api.example.com.'],
    ['privateNlb', () => RouteIntegration.privateNlb(t.nlbListener, { port: 9000, vpcLink: t.vpcLink, tlsServerName: 'bad_name.example.com' }), 'bad_name.example.com'],
  ])('PrivateTlsServerNameInvalid: %s with %#', (factory, create, name) => {
    expectApiError(create, 'PrivateTlsServerNameInvalid', new RegExp(`RouteIntegration\\.${factory} options\\.tlsServerName must be a DNS name`), new RegExp(`Got: "${name.replace(/\./g, '\\.')}"`));
  });

  test('a DNS name, or a token, is a fine tlsServerName', () => {
    expect(() => RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: 'orders-1.internal.example.com' })).not.toThrow();
    expect(() => RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2, tlsServerName: Lazy.string({ produce: () => 'x' }) })).not.toThrow();
  });

  test('the factories build PrivateIntegrations named for messages', () => {
    expect(RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 })).toBeInstanceOf(PrivateIntegration);
    expect(RouteIntegration.privateAlb(t.albListener, { vpcLink: t.vpcLinkV2 }).kindName).toBe('RouteIntegration.privateAlb');
    expect(RouteIntegration.privateNlb(t.nlbListener, { port: 9000 }).kindName).toBe('RouteIntegration.privateNlb');
    expect(RouteIntegration.cloudMap(t.cloudMapService, { vpcLink: t.vpcLinkV2 }).kindName).toBe('RouteIntegration.cloudMap');
  });
});
