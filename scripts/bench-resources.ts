// Counts the CloudFormation resources and the template size of a ServerlessApi with N routes of the
// shape `GET /rN/{id}` on one function, REST and HTTP, for `npm run bench`. Prints one JSON line:
// BENCH_RESOURCES {"rest":{"10":{"resources":..,"templateBytes":..},...},"http":{...}}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../lib';
import { createApiFunction } from '../lib/core/functions/api-function';

const ROUTE_COUNTS = [10, 50, 300];

function measure(kind: ApiKind, routes: number): { resources: number; templateBytes: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-resources-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench');
    const profile = StageProfile.prod();
    const fn = createApiFunction(stack, 'Backend', { profile, source: { code: Code.fromInline('exports.handler=async()=>({statusCode:200})') } });
    const backend = RouteIntegration.fromFunction(fn);
    const api = new ServerlessApi(stack, 'Api', { profile, kind, defaultAuth: ApiAuth.iam(), openApiFiles: false });
    for (let i = 0; i < routes; i++) api.addRoute(`GET /r${i}/{id}`, { integration: backend });
    const template = app.synth().getStackByName('Bench').template as { Resources: Record<string, unknown> };
    return { resources: Object.keys(template.Resources).length, templateBytes: Buffer.byteLength(JSON.stringify(template)) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const result: Record<string, Record<number, { resources: number; templateBytes: number }>> = {};
for (const kind of [ApiKind.REST, ApiKind.HTTP]) {
  result[kind.toLowerCase()] = Object.fromEntries(ROUTE_COUNTS.map((n) => [n, measure(kind, n)]));
}
console.log(`BENCH_RESOURCES ${JSON.stringify(result)}`);
