import { App, Stack, SecretValue, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { MeteredPublicApi, RouteIntegration, StageProfile } from '../lib';
process.env.CDK_VALIDATION = 'false';
function build(extra: any = {}) {
  const app = new App();
  const stack = new Stack(app, 'S');
  const api = new MeteredPublicApi(stack, 'Api', {
    profile: StageProfile.dev(),
    apiName: 'catalog',
    tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10 }],
    routes: { 'GET /items/{id}': { integration: RouteIntegration.mock({ body: '{}' }) } },
    ...extra,
  });
  return { stack, api };
}
function tryIt(name: string, f: () => any) { try { f(); console.log(name, 'OK'); } catch (e: any) { console.log(name, 'ERR', e.constructor.name, e.message); } }
tryIt('collision', () => Template.fromStack(build({ customers: [{ name: 'acme-corp', tier: 'free' }, { name: 'acme_corp', tier: 'free' }] }).stack));
tryIt('case', () => Template.fromStack(build({ customers: [{ name: 'acme', tier: 'free' }, { name: 'Acme', tier: 'free' }] }).stack));
tryIt('tiercoll', () => Template.fromStack(build({ tiers: [{ name: 'free-tier', rateLimit: 5, burstLimit: 10 }, { name: 'free_tier', rateLimit: 5, burstLimit: 10 }] }).stack));
tryIt('plain30', () => build({ customers: [{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.unsafePlainText('a'.repeat(30)) }] }] }));
tryIt('plain5', () => build({ customers: [{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.unsafePlainText('abcde') }] }] }));
tryIt('keyttlfrac', () => build({ tenantAuthorizer: { issuer: 'https://id.example.com/', audience: ['a'], keyCacheTtl: Duration.millis(1500) } }));
tryIt('unknownroute', () => Template.fromStack(build({ tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10, routeThrottles: { 'GET /nope': { rateLimit: 1, burstLimit: 1 } } }] }).stack));
tryIt('issuer', () => build({ tenantAuthorizer: { issuer: 'http://id.example.com/', audience: ['a'] } }));
const { stack, api } = build({ tenantAuthorizer: { issuer: 'https://id.example.com/', audience: ['a', 'b'] }, customers: [{ name: 'acme', tier: 'free' }] });
const t = Template.fromStack(stack).toJSON();
for (const [id, r] of Object.entries<any>(t.Resources)) console.log(id, r.Type, /Function|Policy|Role|Permission/.test(r.Type) ? JSON.stringify(r.Properties) : '');
const body = Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::ApiGateway::RestApi').Properties.Body;
console.log(JSON.stringify(body.paths, null, 1), JSON.stringify(body.components), body['x-amazon-apigateway-api-key-source']);
const role = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
api.grantReadUsage(role);
console.log(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy')));
console.log(Object.keys(api.keys), Object.keys(api.plans), api.alarms.map(a => a.node.id), stack.resolve(api.metricThrottledRequests()), JSON.stringify(stack.resolve(api.metricAuthorizerErrors())));
