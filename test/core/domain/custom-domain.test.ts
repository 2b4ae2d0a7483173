import { Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiCustomDomain, ApiKind } from '../../../lib';
import { resolveCustomDomain } from '../../../lib/core/domain/custom-domain';
import { expectApiError, newStack } from '../../support/core-stacks';

const CERT_ARN = 'arn:aws:acm:eu-west-1:111111111111:certificate/abcd-1234';

let stack: Stack;
let zone: IHostedZone;
beforeEach(() => {
  ({ stack } = newStack());
  zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'example.com' });
});

function restApi(id = 'Api'): apigw.RestApi {
  const api = new apigw.RestApi(stack, id);
  api.root.addMethod('GET', new apigw.MockIntegration());
  return api;
}

describe('ApiCustomDomain: REST', () => {
  test('creates a Regional REST domain with TLS 1.2 and dual-stack endpoint', () => {
    // WHEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
      SecurityPolicy: 'TLS_1_2',
      RegionalCertificateArn: { Ref: Match.stringLikeRegexp('^DomainCertificate') },
    });
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(domain.restDomain).toBeDefined();
    expect(domain.v2Domain).toBeUndefined();
    expect(domain.kind).toBe(ApiKind.REST);
    expect(domain.domainName).toBe('api.example.com');
  });

  test('creates a certificate validated through DNS in the hosted zone', () => {
    // WHEN
    new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0123456789' }],
    });
  });

  test('creates A and AAAA alias records pointing at the regional domain', () => {
    // WHEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Type: type,
        Name: 'api.example.com.',
        HostedZoneId: 'Z0123456789',
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Domain'), 'RegionalDomainName'] },
          HostedZoneId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Domain'), 'RegionalHostedZoneId'] },
        },
      });
    }
    expect(domain.records).toHaveLength(2);
  });

  test('uses a given certificate and creates none', () => {
    // GIVEN
    const certificate = Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN);

    // WHEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone, certificate });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', { RegionalCertificateArn: CERT_ARN });
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    expect(domain.certificate).toBe(certificate);
  });

  test('with a certificate and no zone, creates no records', () => {
    // WHEN
    const domain = new ApiCustomDomain(stack, 'Domain', {
      domainName: 'api.example.com',
      kind: ApiKind.REST,
      certificate: Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(domain.records).toEqual([]);
  });

  test('maps a REST stage under a base path', () => {
    // GIVEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();

    // WHEN
    domain.mapRestStage(stack, 'Items', api, api.deploymentStage, 'items');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      BasePath: 'items',
      DomainName: { Ref: Match.stringLikeRegexp('^Domain') },
      RestApiId: { Ref: Match.stringLikeRegexp('^Api') },
      Stage: { Ref: Match.stringLikeRegexp('^ApiDeploymentStage') },
    });
  });

  test('maps a REST stage at the root without a BasePath', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();
    domain.mapRestStage(stack, 'Root', api, api.deploymentStage);
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: Match.absent() });
  });

  test('maps a multi-segment REST base path with an API mapping, after the stage exists', () => {
    // GIVEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();

    // WHEN
    domain.mapRestStage(stack, 'Items', api, api.deploymentStage, 'v1/items');

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
    template.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: {
        ApiMappingKey: 'v1/items',
        ApiId: { Ref: Match.stringLikeRegexp('^Api') },
        DomainName: { Ref: Match.stringLikeRegexp('^Domain') },
        Stage: { Ref: Match.stringLikeRegexp('^ApiDeploymentStage') },
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ApiDeploymentStage')]),
    });
  });

  test('maps an HTTP API on a REST domain: API Gateway serves REST and HTTP APIs on one Regional domain', () => {
    // GIVEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();
    const http = new apigwv2.HttpApi(stack, 'Http', { createDefaultStage: false });
    const stage = new apigwv2.HttpStage(stack, 'HttpStage', { httpApi: http, stageName: 'prod' });

    // WHEN
    domain.mapRestStage(stack, 'Rest', api, api.deploymentStage, 'orders');
    domain.mapV2Stage(stack, 'HttpMapping', http, stage, ApiKind.HTTP, 'v2/orders');

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'orders' });
    template.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: { ApiMappingKey: 'v2/orders', ApiId: { Ref: Match.stringLikeRegexp('^Http') }, DomainName: { Ref: Match.stringLikeRegexp('^Domain') }, Stage: 'prod' },
      DependsOn: [Match.stringLikeRegexp('^HttpStage')],
    });
  });

  test.each(['/items', 'items/', 'a//b', 'v1~beta', 'café', 'a b', 'x'.repeat(301)])('rejects the base path %j, which API Gateway would refuse', (basePath) => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();
    expectApiError(() => domain.mapRestStage(stack, 'Items', api, api.deploymentStage, basePath), 'BasePathInvalid', /customDomain\.basePath must be at most 300 characters/, /Got: "/);
  });

  test.each(["$v1", "orders/v1/items", "a.b_c-d+e!f*g'h(i)", 'x'.repeat(300)])('accepts the base path %j', (basePath) => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const api = restApi();
    expect(() => domain.mapRestStage(stack, 'Items', api, api.deploymentStage, basePath)).not.toThrow();
  });

  test('rejects the same base path twice', () => {
    // GIVEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const a = restApi('A');
    const b = restApi('B');
    domain.mapRestStage(stack, 'MapA', a, a.deploymentStage, 'items');

    // THEN
    expectApiError(
      () => domain.mapRestStage(stack, 'MapB', b, b.deploymentStage, 'items'),
      'BasePathDuplicate',
      /customDomain\.basePath "items" is already mapped/,
      /on "api\.example\.com" by TestStack/,
    );
  });

  test('rejects two APIs at the root', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const a = restApi('A');
    const b = restApi('B');
    domain.mapRestStage(stack, 'MapA', a, a.deploymentStage);
    expectApiError(() => domain.mapRestStage(stack, 'MapB', b, b.deploymentStage), 'BasePathDuplicate', /customDomain\.basePath "" is already mapped/, /"api\.example\.com"/);
  });

  test('urlFor builds https URLs', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    expect(domain.urlFor()).toBe('https://api.example.com/');
    expect(domain.urlFor('items')).toBe('https://api.example.com/items');
  });
});

describe('ApiCustomDomain: HTTP and WebSocket', () => {
  test.each([ApiKind.HTTP, ApiKind.WEBSOCKET])('%s creates a v2 Regional domain with TLS 1.2 and dual stack', (kind) => {
    // WHEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind, hostedZone: zone });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.example.com',
      DomainNameConfigurations: [
        {
          CertificateArn: { Ref: Match.stringLikeRegexp('^DomainCertificate') },
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
          IpAddressType: 'dualstack',
        },
      ],
    });
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Type: type,
        Name: 'api.example.com.',
        AliasTarget: { DNSName: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] } },
      });
    }
    expect(domain.v2Domain).toBeDefined();
    expect(domain.restDomain).toBeUndefined();
  });

  test('HTTP maps several stages, multi-segment base paths allowed', () => {
    // GIVEN
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.HTTP, hostedZone: zone });
    const http = new apigwv2.HttpApi(stack, 'Http');

    // WHEN
    domain.mapV2Stage(stack, 'V1', http, http.defaultStage!, ApiKind.HTTP, 'v1/items');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiMappingKey: 'v1/items',
      ApiId: { Ref: Match.stringLikeRegexp('^Http') },
      DomainName: { Ref: Match.stringLikeRegexp('^Domain') },
      Stage: '$default',
    });
  });

  test('HTTP rejects a duplicate base path', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.HTTP, hostedZone: zone });
    const http = new apigwv2.HttpApi(stack, 'Http');
    domain.mapV2Stage(stack, 'A', http, http.defaultStage!, ApiKind.HTTP, 'v1');
    expectApiError(() => domain.mapV2Stage(stack, 'B', http, http.defaultStage!, ApiKind.HTTP, 'v1'), 'BasePathDuplicate', /customDomain\.basePath "v1" is already mapped/, /"api\.example\.com"/);
  });

  test('rejects mapping a WebSocket API on an HTTP domain', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.HTTP, hostedZone: zone });
    const ws = new apigwv2.WebSocketApi(stack, 'Ws');
    const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: ws, stageName: 'dev', autoDeploy: true });
    expectApiError(
      () => domain.mapV2Stage(stack, 'Ws', ws, stage, ApiKind.WEBSOCKET),
      'CustomDomainKindMismatch',
      /serves REST and HTTP APIs and cannot map a WEBSOCKET API: API Gateway does not map WebSocket APIs on the same domain/,
      /Got: WEBSOCKET/,
    );
  });

  test('rejects mapping a REST API on a WebSocket domain', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'ws.example.com', kind: ApiKind.WEBSOCKET, hostedZone: zone });
    const api = restApi();
    expectApiError(() => domain.mapRestStage(stack, 'Rest', api, api.deploymentStage), 'CustomDomainKindMismatch', /serves WebSocket APIs and cannot map a REST API/, /Got: REST/);
  });

  test('urlFor builds wss URLs for WebSocket domains', () => {
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'ws.example.com', kind: ApiKind.WEBSOCKET, hostedZone: zone });
    expect(domain.urlFor('chat')).toBe('wss://ws.example.com/chat');
  });
});

describe('ApiCustomDomain: validation', () => {
  test('rejects an uppercase domain name', () => {
    expectApiError(
      () => new ApiCustomDomain(stack, 'Domain', { domainName: 'API.example.com', kind: ApiKind.REST, hostedZone: zone }),
      'DomainNameInvalid',
      /customDomain\.domainName must not contain uppercase letters/,
      /Got: "API\.example\.com"/,
    );
  });

  test('rejects an invalid label', () => {
    expectApiError(
      () => new ApiCustomDomain(stack, 'Domain', { domainName: 'my_api.example.com', kind: ApiKind.HTTP, hostedZone: zone }),
      'DomainNameInvalid',
      /customDomain\.domainName has an invalid label "my_api"/,
      /Got: "my_api\.example\.com"/,
    );
  });

  test('rejects a name with a single label', () => {
    expectApiError(
      () => new ApiCustomDomain(stack, 'Domain', { domainName: 'api', kind: ApiKind.HTTP, hostedZone: zone }),
      'DomainNameInvalid',
      /customDomain\.domainName must have at least two labels/,
      /Got: "api"/,
    );
  });

  test('rejects neither a certificate nor a hosted zone', () => {
    const error = expectApiError(
      () => new ApiCustomDomain(stack, 'Domain', { domainName: 'api.example.com', kind: ApiKind.REST }),
      'CustomDomainNeedsCertificateOrZone',
      /customDomain for "api\.example\.com" needs a certificate or a hostedZone/,
      /Got: neither/,
    );
    expect(error.constructPath).toBe('TestStack/Domain');
  });

  test('skips the name checks for an unresolved domain name', () => {
    // GIVEN
    const domainName = Lazy.string({ produce: () => 'api.example.com' });

    // WHEN
    new ApiCustomDomain(stack, 'Domain', { domainName, kind: ApiKind.HTTP, certificate: Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN) });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'api.example.com' });
  });
});

describe('resolveCustomDomain', () => {
  test('creates a domain of the given kind from domainName', () => {
    // WHEN
    const domain = resolveCustomDomain(stack, 'Domain', { domainName: 'api.example.com', hostedZone: zone }, ApiKind.HTTP);

    // THEN
    expect(domain).toBeInstanceOf(ApiCustomDomain);
    expect(domain.kind).toBe(ApiKind.HTTP);
    expect(domain.node.path).toBe('TestStack/Domain');
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
  });

  test('returns a shared domain as is, so two APIs share it by base path', () => {
    // GIVEN
    const shared = new ApiCustomDomain(stack, 'Shared', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const a = restApi('A');
    const b = restApi('B');

    // WHEN
    const forA = resolveCustomDomain(stack, 'DomainA', { domain: shared, basePath: 'a' }, ApiKind.REST);
    const forB = resolveCustomDomain(stack, 'DomainB', { domain: shared, basePath: 'b' }, ApiKind.REST);
    forA.mapRestStage(stack, 'MapA', a, a.deploymentStage, 'a');
    forB.mapRestStage(stack, 'MapB', b, b.deploymentStage, 'b');

    // THEN
    expect(forA).toBe(shared);
    expect(forB).toBe(shared);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 2);
  });

  test('a shared WebSocket domain fails when an HTTP API is mapped on it', () => {
    const shared = new ApiCustomDomain(stack, 'Shared', { domainName: 'ws.example.com', kind: ApiKind.WEBSOCKET, hostedZone: zone });
    const http = new apigwv2.HttpApi(stack, 'Http');
    const domain = resolveCustomDomain(stack, 'Domain', { domain: shared }, ApiKind.HTTP);
    expectApiError(() => domain.mapV2Stage(stack, 'M', http, http.defaultStage!, ApiKind.HTTP), 'CustomDomainKindMismatch', /serves WebSocket APIs/, /Got: HTTP/);
  });

  test('rejects domain together with domainName', () => {
    const shared = new ApiCustomDomain(stack, 'Shared', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    expectApiError(
      () => resolveCustomDomain(stack, 'Domain', { domain: shared, domainName: 'other.example.com' }, ApiKind.REST),
      'CustomDomainAmbiguous',
      /customDomain takes either domain \(to share one\) or domainName\/hostedZone\/certificate \(to create one\), not both/,
      /Got: domain and "other\.example\.com"/,
    );
  });

  test('rejects domain together with a certificate', () => {
    const shared = new ApiCustomDomain(stack, 'Shared', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    const certificate = Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN);
    expectApiError(() => resolveCustomDomain(stack, 'Domain', { domain: shared, certificate }, ApiKind.REST), 'CustomDomainAmbiguous', /not both/, /Got: domain and/);
  });

  test('BUG: the ambiguity message names the prop given with domain (hostedZone), not "undefined"', () => {
    const shared = new ApiCustomDomain(stack, 'Shared', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
    expectApiError(
      () => resolveCustomDomain(stack, 'Domain', { domain: shared, hostedZone: zone }, ApiKind.REST),
      'CustomDomainAmbiguous',
      /Got: domain and hostedZone/,
    );
  });

  test('rejects neither domain nor domainName', () => {
    expectApiError(
      () => resolveCustomDomain(stack, 'Domain', { hostedZone: zone, basePath: 'v1' }, ApiKind.HTTP),
      'CustomDomainNameMissing',
      /customDomain\.domainName is required when customDomain\.domain is not given/,
      /Got: undefined/,
    );
  });
});
