import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import type * as OpenApiTypeScript from 'openapi-typescript';
import type * as TypeScript from 'typescript';
import { createHandler, InMemoryItemStore } from '../../bin/lambda/items/handler';
import type { ItemsApiStack } from '../../bin/items-api-stack';
import { PlatformStage } from '../../bin/platform-stage';
import { PLATFORM } from '../../bin/stage-config';
import { startLocalRestApi } from '../fixtures/items-client/local-rest-api';
import type { LocalRestApi, RestApiDefinition } from '../fixtures/items-client/local-rest-api';

// The docs' client story for the demo items API: `cdk synth` writes items-<stage>.client.openapi.json,
// openapi-typescript turns it into types, and openapi-fetch calls the API through them.

// openapi-typescript's CommonJS build requires ES-only packages (change-case, parse-json), which
// Jest's module system cannot load: it is loaded with Node's own `require` (Node >= 20.19 loads ES
// modules without top-level await). The compiler is that same Node-loaded `typescript`, loaded once.
const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const { default: openapiTS, astToString, COMMENT_HEADER } = nodeRequire('openapi-typescript') as typeof OpenApiTypeScript;
const ts = nodeRequire('typescript') as typeof TypeScript;

const ROOT = resolve(__dirname, '..', '..');
const STAGE = PLATFORM.stages.find((c) => c.name === 'dev')!;

/**
 * The client a consumer of the items API writes: typed by the generated `paths`, calling through
 * openapi-fetch. The document declares no response bodies, so answers are `unknown` to the types.
 * The calls under `@ts-expect-error` must not compile: the directive itself is an error when they do.
 */
const CLIENT_SOURCE = `import createClient from 'openapi-fetch';
import type { components, paths } from './items-api';

/** The body of POST /items, as the API's request model declares it. */
export type NewItem = components['schemas']['PostItemsRequest'];

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

type Call = Promise<{ data?: unknown; error?: unknown; response: Response }>;

async function answer(call: Call): Promise<Answer> {
  const { data, error, response } = await call;
  return { status: response.status, body: data ?? error };
}

export function itemsClient(baseUrl: string, token?: string) {
  const client = createClient<paths>({ baseUrl, headers: token === undefined ? {} : { Authorization: \`Bearer \${token}\` } });
  return {
    client,
    create: (item: NewItem) => answer(client.POST('/items', { body: item })),
    get: (id: string) => answer(client.GET('/items/{id}', { params: { path: { id } } })),
    list: () => answer(client.GET('/items')),
    health: () => answer(client.GET('/health')),
  };
}

export type ItemsClient = ReturnType<typeof itemsClient>;

/** Calls the items API does not offer: each is a compile error. */
export async function callsTheItemsApiRefuses(client: ItemsClient['client']): Promise<void> {
  // @ts-expect-error -- no such path in the items API
  await client.GET('/orders', {});
  // @ts-expect-error -- /items/{id} has no DELETE operation
  await client.DELETE('/items/{id}', { params: { path: { id: 'x' } } });
  // @ts-expect-error -- PostItemsRequest requires price
  await client.POST('/items', { body: { name: 'no price' } });
  // @ts-expect-error -- price is a number
  await client.POST('/items', { body: { name: 'x', price: '1' } });
  // @ts-expect-error -- GET /items/{id} needs the id path parameter
  await client.GET('/items/{id}', {});
}
`;

/** What the compiled client module exports, as the test sees it. */
interface ClientModule {
  itemsClient(baseUrl: string, token?: string): {
    create(item: { name: string; price: number; tags?: string[] }): Promise<{ status: number; body: unknown }>;
    get(id: string): Promise<{ status: number; body: unknown }>;
    list(): Promise<{ status: number; body: unknown }>;
    health(): Promise<{ status: number; body: unknown }>;
  };
}

/** Strict, as a consumer's project would be, plus what openapi-fetch recommends (noUncheckedIndexedAccess). */
const COMPILER_OPTIONS: TypeScript.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitReturns: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  exactOptionalPropertyTypes: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  esModuleInterop: true,
  // Only the packages' own declarations are skipped; the generated types are a .ts file, so they are checked.
  skipLibCheck: true,
  types: [],
};

/** Diagnostics as `file:line: message`, for readable failures. */
function format(diagnostics: readonly TypeScript.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

let work: string;
let generated: string;
let program: TypeScript.Program;
let api: LocalRestApi;
let client: ReturnType<ClientModule['itemsClient']>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'items-client-'));

  // GIVEN the dev stage of the demo platform, synthesized: the documents land in its assembly folder.
  // (Bundling is skipped: the documents do not depend on the handler's bundle.)
  const app = new App({ outdir: join(work, 'cdk.out'), context: { 'aws:cdk:bundling-stacks': [] } });
  const stage = new PlatformStage(app, STAGE.name, { platform: PLATFORM, config: STAGE });
  const assembly = join(app.synth().directory, `assembly-${STAGE.name}`);
  const clientDocument = JSON.parse(readFileSync(join(assembly, `items-${STAGE.name}.client.openapi.json`), 'utf8')) as OpenApiTypeScript.OpenAPI3;
  const definition = JSON.parse(readFileSync(join(assembly, `items-${STAGE.name}.openapi.json`), 'utf8')) as RestApiDefinition;

  // WHEN types are generated from the client document, as `npx openapi-typescript <file>` would.
  generated = COMMENT_HEADER + astToString(await openapiTS(clientDocument));
  const src = join(work, 'client');
  mkdirSync(src);
  writeFileSync(join(src, 'items-api.ts'), generated);
  writeFileSync(join(src, 'client.ts'), CLIENT_SOURCE);
  // The client resolves openapi-fetch as in a consumer's project (removing the folder removes only the link).
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');

  // AND the client is type-checked and compiled.
  program = ts.createProgram([join(src, 'items-api.ts'), join(src, 'client.ts')], { ...COMPILER_OPTIONS, outDir: join(work, 'dist') });
  program.emit();

  // AND the demo handler serves the API's definition on a loopback REST API stand-in.
  api = await startLocalRestApi({
    definition,
    stageName: (stage.node.findChild('ItemsApi') as ItemsApiStack).api.stageName,
    handler: createHandler(new InMemoryItemStore(), { cors: { allowOrigins: [], allowCredentials: false } }),
    authorize: (authorization) => (authorization === 'Bearer token-of-user-1' ? { principalId: 'user-1', sub: 'user-1' } : undefined),
  });
  const compiled = (await import(join(work, 'dist', 'client.js'))) as ClientModule;
  client = compiled.itemsClient(api.url, 'token-of-user-1');
});

afterAll(async () => {
  await api?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a typed client for the demo items API, generated from items-<stage>.client.openapi.json', () => {
  test('openapi-typescript generates `paths` with the items operations and the request model', () => {
    expect(generated).toContain('export interface paths {');
    for (const [path, method, operation] of [
      ['/items', 'get', 'getItems'],
      ['/items', 'post', 'postItems'],
      ['/items/{id}', 'get', 'getItemsById'],
      ['/health', 'get', 'getHealth'],
    ]) {
      expect(generated).toMatch(new RegExp(`"${path.replace(/[{}]/g, '\\$&')}": \\{[^]*?\\b${method}: operations\\["${operation}"\\]`));
    }
    expect(generated).toMatch(/PostItemsRequest: \{\s+name: string;\s+price: number;\s+tags\?: string\[\];\s+\};/);
    // Client-facing: nothing of API Gateway's integrations reaches the generated code.
    expect(generated).not.toMatch(/x-amazon-apigateway|aws_proxy|invocations/);
  });

  test('the generated types and the openapi-fetch client type-check under strict options with zero diagnostics', () => {
    expect(format(ts.getPreEmitDiagnostics(program))).toEqual([]);
  });

  test('the calls under @ts-expect-error are compile errors of the generated types (the check is real)', () => {
    // GIVEN the same client without the directives.
    const lines = CLIENT_SOURCE.split('\n');
    const isDirective = (line: string) => /^\s*\/\/ @ts-expect-error/.test(line);
    const stripped = lines.filter((line) => !isDirective(line));
    // The line numbers, in the stripped client, of the calls that followed a directive.
    const expected = lines.flatMap((line, i) => (isDirective(line) ? [stripped.indexOf(lines[i + 1]) + 1] : []));
    const options = program.getCompilerOptions();
    const host = ts.createCompilerHost(options);
    // Every other file as the first program parsed it (the libraries' declarations are large).
    host.getSourceFile = (file, target) => (file.endsWith('/client.ts') ? ts.createSourceFile(file, stripped.join('\n'), target) : program.getSourceFile(file));

    // WHEN it is type-checked.
    const refused = ts.createProgram(program.getRootFileNames(), options, host, program);
    const diagnostics = ts.getPreEmitDiagnostics(refused);

    // THEN each call is refused, in the client and nowhere else.
    expect(expected).toHaveLength(5);
    const errorLines = [...new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1))].sort((a, b) => a - b);
    expect({ errorLines, files: [...new Set(diagnostics.map((d) => d.file?.fileName.split('/').pop()))] }).toEqual({ errorLines: expected, files: ['client.ts'] });
    const messages = format(diagnostics).join('\n');
    for (const reason of [/'"\/orders"' is not assignable/, /'"\/items\/\{id\}"' is not assignable to parameter of type 'never'/, /Property 'price' is missing/, /'string' is not assignable to type 'number'/, /Property 'params' is missing/]) {
      expect(messages).toMatch(reason);
    }
  });

  test('POST creates an item that GET /items/{id} reads back and GET /items lists', async () => {
    // WHEN
    const created = await client.create({ name: 'Widget', price: 9.5, tags: ['blue'] });

    // THEN the handler answered through the API, with the caller the authorizer identified.
    expect(created).toEqual({
      status: 201,
      body: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Widget', price: 9.5, tags: ['blue'], createdAt: expect.any(String), createdBy: 'user-1' },
    });
    const item = created.body as { id: string };
    expect(await client.get(item.id)).toEqual({ status: 200, body: item });
    expect(await client.list()).toEqual({ status: 200, body: { items: [item] } });
  });

  test('GET /items/{id} of an unknown id answers 404', async () => {
    expect(await client.get('does-not-exist')).toEqual({ status: 404, body: { message: 'Item not found' } });
  });

  test('the handler refuses an invalid item the types would also refuse', async () => {
    const answer = await client.create({ name: 'x', price: -1 });
    expect(answer).toEqual({ status: 400, body: { message: 'Request body is invalid', errors: [{ field: 'price', problem: 'must be zero or greater' }] } });
  });

  test('the public health check answers from its mock integration; items need a token', async () => {
    const compiled = (await import(join(work, 'dist', 'client.js'))) as ClientModule;
    const anonymous = compiled.itemsClient(api.url);
    expect(await anonymous.health()).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await anonymous.list()).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });
});
