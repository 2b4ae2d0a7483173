import { App, Stack, SecretValue, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import { MeteredPublicApi, RouteIntegration, StageProfile } from '../lib';
process.env.CDK_VALIDATION = 'false';
const app = new App();
const stack = new Stack(app, 'S');
const t0 = Date.now();
const api = new MeteredPublicApi(stack, 'Api', {
  profile: StageProfile.dev(),
  apiName: 'catalog',
  tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: Period.WEEK, offset: 2 }, routeThrottles: { 'GET /items/{id}': { rateLimit: 1, burstLimit: 2 } } }],
  customers: [{ name: 'acme', tier: 'free', keys: [{ version: 1, value: SecretValue.secretsManager('catalog/acme-key') }] }],
  routes: { 'GET /items/{id}': { integration: RouteIntegration.mock({ body: '{}' }) } },
});
const t = Template.fromStack(stack).toJSON();
console.log(Date.now() - t0);
for (const [id, r] of Object.entries<any>(t.Resources)) console.log(id, r.Type, r.Type.includes('Usage') || r.Type.includes('ApiKey') || r.Type.includes('Metric') ? JSON.stringify(r) : '');
console.log(JSON.stringify(t.Resources[Object.keys(t.Resources).find(k=>t.Resources[k].Type==='AWS::ApiGateway::RestApi')!].Properties.Body, null, 1));
