import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiAuth, ApiCustomDomain, ApiKind, RealtimeWebSocketApi, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import { inlineFunction } from '../../support/stacks';
import { validateTemplates } from '../../support/template-validation';

// A whole multi-stack app: CloudFormation's own schema checks its templates too.
validateTemplates();

/**
 * A platform's usual layout: the custom domains live in a shared stack that the API stacks depend
 * on, and several APIs are mapped onto each domain by base path.
 */
function platform(): { app: App; shared: Stack; apis: Stack[] } {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const env = { account: '111111111111', region: 'eu-west-1' };
  const shared = new Stack(app, 'Shared', { env });
  const zone = HostedZone.fromHostedZoneAttributes(shared, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const httpDomain = new ApiCustomDomain(shared, 'ApiDomain', { domainName: 'api.example.com', kind: ApiKind.REST, hostedZone: zone });
  const wsDomain = new ApiCustomDomain(shared, 'WsDomain', { domainName: 'ws.example.com', kind: ApiKind.WEBSOCKET, hostedZone: zone });

  const apis: Stack[] = [];
  const apiStack = (id: string) => {
    const stack = new Stack(app, id, { env });
    stack.addDependency(shared);
    apis.push(stack);
    return stack;
  };
  const profile = StageProfile.dev();
  const orders = apiStack('Orders');
  new ServerlessApi(orders, 'Api', {
    profile,
    customDomain: { domain: httpDomain, basePath: 'orders' },
    routes: { 'GET /': { integration: RouteIntegration.fromFunction(inlineFunction(orders)), auth: ApiAuth.none() } },
  });
  const ordersV2 = apiStack('OrdersV2');
  new ServerlessApi(ordersV2, 'Api', {
    profile,
    kind: ApiKind.HTTP,
    customDomain: { domain: httpDomain, basePath: 'v2/orders' },
    routes: { 'GET /': { integration: RouteIntegration.fromFunction(inlineFunction(ordersV2)), auth: ApiAuth.none() } },
  });
  const reports = apiStack('Reports');
  new ServerlessApi(reports, 'Api', {
    profile,
    customDomain: { domain: httpDomain, basePath: 'reports/daily' },
    routes: { 'GET /': { integration: RouteIntegration.fromFunction(inlineFunction(reports)), auth: ApiAuth.none() } },
  });
  for (const id of ['Chat', 'Feed']) {
    new RealtimeWebSocketApi(apiStack(id), 'Ws', { profile, connectAuth: ApiAuth.none(), customDomain: { domain: wsDomain, basePath: id.toLowerCase() } });
  }
  return { app, shared, apis };
}

describe('a custom domain shared from another stack', () => {
  test('GIVEN domains in a shared stack that API stacks depend on WHEN the app synthesizes THEN there is no dependency cycle', () => {
    const { app } = platform();
    expect(() => app.synth()).not.toThrow();
  });

  test('each mapping lives in its API stack; the shared stack holds only the domains and records', () => {
    const { shared, apis } = platform();
    const sharedTemplate = Template.fromStack(shared);
    sharedTemplate.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
    sharedTemplate.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
    const [orders, ordersV2, reports, chat, feed] = apis.map((s) => Template.fromStack(s));
    orders.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'orders' });
    ordersV2.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'v2/orders' });
    reports.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'reports/daily' });
    chat.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'chat' });
    feed.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'feed' });
  });

  test('two RealtimeWebSocketApis share one domain under their own base paths', () => {
    const app = new App();
    const stack = new Stack(app, 'Ws');
    const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    const domain = new ApiCustomDomain(stack, 'Domain', { domainName: 'ws.example.com', kind: ApiKind.WEBSOCKET, hostedZone: zone });
    const chat = new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.dev(), connectAuth: ApiAuth.none(), customDomain: { domain, basePath: 'chat' } });
    const feed = new RealtimeWebSocketApi(stack, 'Feed', { profile: StageProfile.dev(), connectAuth: ApiAuth.none(), customDomain: { domain, basePath: 'feed' } });
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 2);
    expect([chat.url, feed.url]).toEqual(['wss://ws.example.com/chat', 'wss://ws.example.com/feed']);
  });
});
