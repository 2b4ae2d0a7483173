/**
 * The shipped WebSocket handler bundles run with Powertools from the shipped layer alone, laid out as
 * Lambda lays them out: the function's code in one folder, the layer's `nodejs/node_modules` the only
 * place `@aws-lambda-powertools/*` can come from, and the AWS SDK as the runtime provides it. Each
 * bundle is loaded and invoked in a fresh `node` process, so nothing from this repository's
 * node_modules can stand in for a package the layer lacks.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ASSETS = join(ROOT, 'dist', 'assets');
let taskRoot: string;

beforeAll(() => {
  taskRoot = mkdtempSync(join(tmpdir(), 'powertools-layer-'));
  const modules = join(taskRoot, 'node_modules');
  mkdirSync(modules);
  symlinkSync(join(ASSETS, 'powertools-layer', 'nodejs', 'node_modules', '@aws-lambda-powertools'), join(modules, '@aws-lambda-powertools'));
  symlinkSync(join(ROOT, 'node_modules', '@aws-sdk'), join(modules, '@aws-sdk'));
});

afterAll(() => rmSync(taskRoot, { recursive: true, force: true }));

/** Copies the bundle into its own folder under the task root and runs `script` with `handler` in scope. */
function runBundle(name: string, script: string, env: Record<string, string> = {}): string {
  const dir = join(taskRoot, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(ASSETS, name, 'index.mjs'), join(dir, 'index.mjs'));
  const source = `const { handler } = await import(${JSON.stringify(join(dir, 'index.mjs'))});\n${script}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: taskRoot,
    env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', NODE_PATH: '', ...env },
    encoding: 'utf8',
  }).trim();
}

describe('the shipped Powertools layer', () => {
  test.each(['authorizer', 'connect', 'disconnect', 'default', 'subscribe', 'unsubscribe', 'publish'])(
    'websocket-%s loads with it',
    (name) => {
      expect(runBundle(`websocket-${name}`, 'console.log(typeof handler);')).toBe('function');
    },
  );

  test('websocket-default runs with it: logs, metrics and tracing work from the layer', () => {
    const event = {
      requestContext: { routeKey: '$default', eventType: 'MESSAGE', connectionId: 'abc=', requestId: 'r1', stage: 'test', apiId: 'x' },
      body: '{"action":"nope"}',
      isBase64Encoded: false,
    };
    const output = runBundle(
      'websocket-default',
      `console.log(JSON.stringify(await handler(${JSON.stringify(event)}, { functionName: 'f', awsRequestId: 'r1' })));`,
      { AVAILABLE_ROUTES: 'subscribe,publish', POWERTOOLS_SERVICE_NAME: 'layer-test', POWERTOOLS_METRICS_NAMESPACE: 'Test' },
    );
    const result = JSON.parse(output) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ type: 'error', routes: ['subscribe', 'publish'] });
  });

  test('a bundle without the layer fails to load, naming the missing package', () => {
    const bare = mkdtempSync(join(tmpdir(), 'no-layer-'));
    try {
      copyFileSync(join(ASSETS, 'websocket-default', 'index.mjs'), join(bare, 'index.mjs'));
      expect(() =>
        execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(bare, 'index.mjs'))});`], {
          cwd: bare,
          env: { PATH: process.env.PATH },
          stdio: 'pipe',
        }),
      ).toThrow(/Cannot find package '@aws-lambda-powertools\//);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
