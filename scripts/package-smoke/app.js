// A user's CDK app in plain JavaScript: it installs the packed tarball and synthesizes with node alone
// (no ts-node, no esbuild, no Docker, none of this repo's dev dependencies). Run by scripts/verify-package.sh.
const { App, Stack } = require('aws-cdk-lib');
const { ApiAuth, ServerlessApi, RealtimeWebSocketApi, RouteIntegration, StageProfile, ApiKind, MeteredPublicApi } = require('cdk-api-gateway-patterns');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'UserStack');
const auth = ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['orders'] });
new ServerlessApi(stack, 'Orders', {
  profile: StageProfile.prod(),
  defaultAuth: auth,
  routes: {
    'GET /health': { integration: RouteIntegration.mock({ body: '{"ok":true}' }), auth: ApiAuth.none() },
    'GET /orders': { integration: RouteIntegration.httpProxy('https://backend.example.com/orders') },
  },
});
new ServerlessApi(stack, 'OrdersHttp', { profile: StageProfile.dev(), kind: ApiKind.HTTP, defaultAuth: auth,
  routes: { 'GET /orders': { integration: RouteIntegration.httpProxy('https://backend.example.com/orders') } } });
new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.prod(), connectAuth: auth });
// The metered API with the bundled tenant-key authorizer: its asset ships in the tarball.
new MeteredPublicApi(stack, 'Catalog', {
  profile: StageProfile.prod(),
  tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10 }],
  customers: [{ name: 'acme', tier: 'free' }],
  tenantAuthorizer: { issuer: 'https://id.example.com/', audience: ['catalog'] },
  routes: { 'GET /products': { integration: RouteIntegration.mock({ body: '[]' }) } },
});
const asm = app.synth();
const t = asm.getStackByName('UserStack').template;
console.log('resources', Object.keys(t.Resources).length, 'functions', Object.values(t.Resources).filter(r => r.Type === 'AWS::Lambda::Function').length);
