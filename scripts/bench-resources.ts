// Counts the CloudFormation resources of a ServerlessApi with N routes served by one function,
// for `npm run bench`. Prints one JSON line: BENCH_RESOURCES {"rest":{"10":..,"50":..},"http":{...}}.
import { App, Stack } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../lib';
import { createApiFunction } from '../lib/core/functions/api-function';

function resourceCount(kind: ApiKind, routes: number): number {
  const app = new App();
  const stack = new Stack(app, 'Bench');
  const profile = StageProfile.prod();
  const fn = createApiFunction(stack, 'Backend', { profile, source: { code: Code.fromInline('exports.handler=async()=>({statusCode:200})') } });
  const backend = RouteIntegration.fromFunction(fn);
  const api = new ServerlessApi(stack, 'Api', { profile, kind, defaultAuth: ApiAuth.iam() });
  for (let i = 0; i < routes; i++) api.addRoute(`GET /resource${i}`, { integration: backend });
  const template = app.synth().getStackByName('Bench').template as { Resources: Record<string, unknown> };
  return Object.keys(template.Resources).length;
}

const result: Record<string, Record<number, number>> = {};
for (const kind of [ApiKind.REST, ApiKind.HTTP]) {
  result[kind.toLowerCase()] = { 10: resourceCount(kind, 10), 50: resourceCount(kind, 50) };
}
console.log(`BENCH_RESOURCES ${JSON.stringify(result)}`);
