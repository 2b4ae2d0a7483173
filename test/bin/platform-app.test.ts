import { App } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApiCompliance } from '../../lib';
import { PlatformStage } from '../../bin/platform-stage';
import { PLATFORM } from '../../bin/stage-config';
import { validateTemplates } from '../support/template-validation';

// The demo app synthesizes as `npm run synth` does: with CloudFormation's own schema checks.
validateTemplates();

/** GIVEN the demo platform as bin/platform-app.ts builds it: each stage in the account and Region of its config. */
function platform(): { app: App; stages: Record<string, Stage> } {
  const app = new App();
  const stages: Record<string, Stage> = {};
  for (const config of PLATFORM.stages) stages[config.name] = new PlatformStage(app, config.name, { platform: PLATFORM, config });
  return { app, stages };
}

/** The OpenAPI body the REST API of a stack is imported from (the first one, or the one named `name`). */
function restApiBody(t: Template, name?: string): Record<string, unknown> {
  const apis = Object.values(t.findResources('AWS::ApiGateway::RestApi')) as Array<{ Properties: { Name: string; Body: Record<string, unknown> } }>;
  return (name ? apis.find((a) => a.Properties.Name === name)! : apis[0]).Properties.Body;
}

/** One platform, built once, for the tests that only read its templates (each build costs seconds here). */
let built: { app: App; stages: Record<string, Stage> } | undefined;
function shared(): { app: App; stages: Record<string, Stage> } {
  built ??= platform();
  return built;
}

function template(stage: Stage, stackId: string): Template {
  return Template.fromStack(stage.node.findChild(stackId) as never);
}

describe('demo platform app', () => {
  test('has dev, test and prod as separate Stages, each with shared, items, chat, catalog and orders stacks', () => {
    const { stages } = shared();
    expect(Object.keys(stages)).toEqual(['dev', 'test', 'prod']);
    for (const stage of Object.values(stages)) {
      expect(stage.node.children.map((c) => c.node.id).sort()).toEqual(['CatalogApi', 'ChatApi', 'ItemsApi', 'OrdersApi', 'Shared']);
    }
  });

  test('each stage deploys to its own account, so each account has exactly one API Gateway CloudWatch setting', () => {
    const { stages } = shared();
    const accounts = Object.values(stages).map((stage) => stage.account);
    expect(new Set(accounts).size).toBe(accounts.length);
    for (const [name, stage] of Object.entries(stages)) {
      expect(stage.region).toBe(PLATFORM.stages.find((c) => c.name === name)!.region);
      const shared = template(stage, 'Shared');
      shared.resourceCountIs('AWS::ApiGateway::Account', 1);
      // The role the setting names lives exactly as long as the setting.
      shared.hasResource('AWS::IAM::Role', { DeletionPolicy: 'Retain', Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }) } });
    }
  });

  test('the items handler sets CORS headers from the same settings as the API, which a Lambda proxy answer needs', () => {
    const { stages } = shared();
    const items = template(stages.prod, 'ItemsApi');
    items.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CORS_ALLOW_ORIGINS: 'https://app.example.com', CORS_ALLOW_CREDENTIALS: 'true' }) },
    });
    expect(restApiBody(items)['x-amazon-apigateway-gateway-responses']).toMatchObject({
      DEFAULT_4XX: { responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'" } },
      DEFAULT_5XX: { responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'" } },
    });
  });

  test('custom domains only in test and prod, one subdomain per stage', () => {
    const { stages } = shared();
    template(stages.dev, 'ItemsApi').resourceCountIs('AWS::ApiGateway::DomainName', 0);
    template(stages.test, 'ItemsApi').hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'items.test.example.com' });
    template(stages.prod, 'ItemsApi').hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'items.example.com' });
    template(stages.prod, 'ChatApi').hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'chat.example.com' });
  });

  test('prod alarms notify the encrypted topic; dev alarms have no action', () => {
    const { stages } = shared();
    template(stages.prod, 'Shared').hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template(stages.prod, 'ItemsApi').hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [Match.anyValue()] });
    template(stages.dev, 'Shared').resourceCountIs('AWS::SNS::Topic', 0);
    template(stages.dev, 'ItemsApi').hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });

  test('the items API: JWT on every route but the public mock health check, body validation on create', () => {
    const { stages } = shared();
    const items = template(stages.test, 'ItemsApi');
    const body = restApiBody(items, 'items-test');
    const paths = body.paths as Record<string, Record<string, { security: unknown[]; requestBody?: unknown; 'x-amazon-apigateway-integration': { type: string } }>>;
    expect(paths['/health'].get.security).toEqual([]);
    expect(paths['/health'].get['x-amazon-apigateway-integration'].type).toBe('mock');
    for (const [path, method] of [['/items', 'get'], ['/items', 'post'], ['/items/{id}', 'get'], ['/events', 'post']]) {
      expect(paths[path][method].security).toEqual([{ Authorizer1: [] }]);
    }
    expect(paths['/items'].post.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PostItemsRequest' } } } });
    expect(Object.keys((body.components as { securitySchemes: object }).securitySchemes)).toEqual(['Authorizer1']);
    // Per version, one handler for its items routes and the JWT authorizer.
    items.resourceCountIs('AWS::Lambda::Function', 4);
  });

  test('the items API in two versions side by side: /v1 and /v2 of one domain, each with its own stage and release policy', () => {
    const { stages } = shared();
    const prod = template(stages.prod, 'ItemsApi');
    prod.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    prod.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'v1' });
    prod.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'v2' });
    prod.resourceCountIs('AWS::ApiGateway::Stage', 2);
    expect(Object.keys(restApiBody(prod, 'items-v2-prod').paths as object).sort()).toEqual(['/items', '/items/{id}']);
    // v1 releases with the prod default (10 % for 5 minutes); v2 with its own, slower canary.
    prod.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' });
    prod.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent15Minutes' });
    template(stages.dev, 'ItemsApi').resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
  });

  test('the items API sends item events straight to an encrypted queue with a dead-letter queue, through a role allowed only SendMessage', () => {
    const { stages } = shared();
    const items = template(stages.prod, 'ItemsApi');
    const post = (restApiBody(items).paths as Record<string, Record<string, { 'x-amazon-apigateway-integration': Record<string, unknown> }>>)['/events'].post;
    expect(post['x-amazon-apigateway-integration']).toMatchObject({ type: 'aws', httpMethod: 'POST', passthroughBehavior: 'never' });
    items.resourceCountIs('AWS::SQS::Queue', 2);
    items.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    items.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Effect: 'Allow' })]) },
      Roles: [Match.objectLike({ Ref: Match.stringLikeRegexp('SQSSendMessageRole') })],
    });
  });

  test('the catalog API: two tiers, a sample customer with a key in the free plan, WAF in front, the stage cache in prod only', () => {
    const { stages } = shared();
    for (const name of ['dev', 'test', 'prod']) {
      const catalog = template(stages[name], 'CatalogApi');
      catalog.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
      catalog.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: `catalog-${name}-sample-customer-v1`, Value: Match.absent() });
      catalog.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      catalog.hasResourceProperties('AWS::ApiGateway::Stage', { CacheClusterEnabled: name === 'prod' });
      const paths = restApiBody(catalog).paths as Record<string, Record<string, { security: unknown[] }>>;
      expect(paths['/products'].get.security).toEqual([{ api_key: [] }]);
      expect(paths['/health'].get.security).toEqual([]);
    }
  });

  test('the orders API: REST -> VPC link v2 -> internal ALB over TLS -> Fargate, one task in dev, two (scaling to six) in prod', () => {
    const { stages } = shared();
    for (const name of ['dev', 'prod']) {
      const orders = template(stages[name], 'OrdersApi');
      orders.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal', Type: 'application' });
      orders.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443 });
      orders.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
      // In prod auto scaling owns the count (two to six tasks): the template leaves DesiredCount out, so deploys never reset it.
      orders.hasResourceProperties('AWS::ECS::Service', { DesiredCount: name === 'prod' ? Match.absent() : 1, NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) } });
      if (name === 'prod') orders.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
      else orders.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
      const paths = restApiBody(orders).paths as Record<string, Record<string, { security: unknown[]; 'x-amazon-apigateway-integration': Record<string, unknown> }>>;
      const proxy = paths['/orders/{proxy+}']['x-amazon-apigateway-any-method'];
      expect(proxy.security).toEqual([{ Authorizer1: [] }]);
      expect(proxy['x-amazon-apigateway-integration']).toMatchObject({ type: 'http_proxy', connectionType: 'VPC_LINK', uri: `https://orders-internal.${name}.example.com:443/orders/{proxy}` });
    }
  });

  test('synthesizes with zero findings under the six compliance packs and template validation', () => {
    const { app } = platform();
    ApiCompliance.apply(app);
    const assembly = app.synth();

    // Every acknowledgment is auditable from the templates of the nested Stages alone, including
    // those made by aspects at synthesis (Lambda permissions, the @connections wildcard).
    const prod = assembly.getNestedAssembly('assembly-prod');
    const items = prod.stacks.find((s) => s.stackName.includes('ItemsApi'))!.template as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
    const permission = Object.values(items.Resources).find((r) => r.Type === 'AWS::Lambda::Permission')!;
    expect(JSON.stringify(permission.Metadata)).toContain('cdk-validator-cfnguard::lambda_function_public_access_prohibited_check');
    const suppressed = Object.values(items.Resources).filter((r) => r.Metadata?.cdk_nag);
    expect(suppressed.length).toBeGreaterThan(10);
  });
});
