import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, CfnResource, Stack, Stage } from 'aws-cdk-lib';
import type { Validator as OpenApiValidator } from '@seriousme/openapi-schema-validator';
import { ApiAuth, ApiKind, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import { clientFacingDocument, OpenApiDocumentFiles, renderIntrinsics } from '../../../lib/core/openapi/openapi-document';
import { PlatformStage } from '../../../bin/platform-stage';
import { PLATFORM } from '../../../bin/stage-config';
import { fullApi } from '../../support/serverless-api-fixtures';
import { inlineFunction } from '../../support/stacks';

// @seriousme/openapi-schema-validator is ESM only. Jest's module system (and its own `createRequire`)
// cannot load ES modules without --experimental-vm-modules, so it is loaded with Node's own
// `require`, which loads ES modules without top-level await from Node 20.19 on.
const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const { Validator } = nodeRequire('@seriousme/openapi-schema-validator') as { Validator: typeof OpenApiValidator };

interface Validation {
  readonly valid: boolean;
  /** The schema version the document was checked against, e.g. "3.0". */
  readonly version: string | undefined;
  /** The validator's errors (all of them, not just the first). */
  readonly errors: unknown[];
}

/** One validator for the file: it compiles the OpenAPI schema once. */
const validator = new Validator({ allErrors: true });

/** Validates a document against the OpenAPI JSON schema of its `openapi` version. */
async function validate(document: unknown): Promise<Validation> {
  // A copy: the validator may annotate what it is given.
  const result = await validator.validate(JSON.parse(JSON.stringify(document)) as Record<string, unknown>);
  return { valid: result.valid, version: result.valid ? validator.version : undefined, errors: (result.errors as unknown[] | undefined) ?? [] };
}

/** What every document must validate to; a failure prints the validator's errors in the diff. */
const VALID_3_0: Validation = { valid: true, version: '3.0', errors: [] };

/** Every object key at any depth, with its JSON path. */
function keyPaths(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${at}.${k}`, ...keyPaths(v, `${at}.${k}`)]);
}

const extensionKeys = (document: unknown) => keyPaths(document).filter((p) => /\.x-amazon-apigateway-[^.]*$/.test(p));

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'openapi-document-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh app writing into its own folder under this suite's temporary folder. */
function newApp(context: Record<string, unknown> = {}): App {
  return new App({ outdir: mkdtempSync(join(tmp, 'cdk.out-')), context });
}

describe('the validator is real', () => {
  const minimal = { openapi: '3.0.1', info: { title: 'x', version: '1.0' }, paths: { '/items': { get: { responses: { '200': { description: 'ok' } } } } } };

  test('GIVEN a minimal document THEN it is valid OpenAPI 3.0', async () => {
    expect(await validate(minimal)).toEqual(VALID_3_0);
  });

  test('GIVEN info without version THEN validation fails at /info', async () => {
    const result = await validate({ ...minimal, info: { title: 'x' } });
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual(expect.objectContaining({ instancePath: '/info', params: { missingProperty: 'version' } }));
  });

  test('GIVEN a paths key without a leading slash THEN validation fails at /paths', async () => {
    const result = await validate({ ...minimal, paths: { items: minimal.paths['/items'] } });
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual(expect.objectContaining({ instancePath: '/paths', params: { additionalProperty: 'items' } }));
  });

  test('GIVEN an unresolved intrinsic where a string belongs THEN validation fails (why documents are rendered first)', async () => {
    const result = await validate({ ...minimal, info: { title: { 'Fn::GetAtt': ['Api', 'Name'] }, version: '1.0' } });
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual(expect.objectContaining({ instancePath: '/info/title', keyword: 'type' }));
  });
});

describe.each([ApiKind.REST, ApiKind.HTTP])('fullApi(%s)', (kind) => {
  let api: ServerlessApi;
  beforeAll(() => {
    // Bundling is skipped: the documents do not depend on the handler's bundle.
    const stack = new Stack(newApp({ 'aws:cdk:bundling-stacks': [] }), 'Full');
    api = fullApi(stack, kind);
  });
  const rendered = (document: Record<string, unknown>) => renderIntrinsics(Stack.of(api).resolve(document)) as Record<string, unknown>;

  test('openApiDocument, resolved and rendered, is valid OpenAPI 3.0', async () => {
    const document = rendered(api.openApiDocument);
    expect(await validate(document)).toEqual(VALID_3_0);
    // What it describes: every route of fullApi.
    expect(Object.keys(document.paths as object)).toEqual(
      expect.arrayContaining(['/items', '/items/{id}', '/upstream/{proxy+}', ...(kind === ApiKind.REST ? ['/health'] : [])]),
    );
  });

  test('clientOpenApiDocument(), resolved and rendered, is valid OpenAPI 3.0 without any API Gateway extension', async () => {
    const document = rendered(api.clientOpenApiDocument());
    expect(await validate(document)).toEqual(VALID_3_0);
    expect(extensionKeys(document)).toEqual([]);
    // Only the extensions went: the client variant is the definition without them.
    expect(document).toEqual(clientFacingDocument(rendered(api.openApiDocument)));
  });

  if (kind === ApiKind.REST) {
    test('the REST definition is what API Gateway imports: integrations, authorizer and validator as extensions', () => {
      const document = rendered(api.openApiDocument);
      expect(extensionKeys(document)).toEqual(
        expect.arrayContaining([
          '$.paths./items.get.x-amazon-apigateway-integration',
          '$.components.securitySchemes.Authorizer1.x-amazon-apigateway-authorizer',
          '$.x-amazon-apigateway-request-validator',
        ]),
      );
      // No CloudFormation intrinsic is left as an object: references are `${...}` text.
      expect(JSON.stringify(document)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
      const integration = (document.paths as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['/items'].get['x-amazon-apigateway-integration'];
      // The integration calls the function's live alias (a Ref: the alias ARN), never the bare function (`${Fn.Arn}`).
      const uri = /^arn:\$\{AWS::Partition\}:apigateway:\$\{AWS::Region\}:lambda:path\/2015-03-31\/functions\/\$\{([A-Za-z0-9]+)\}\/invocations$/.exec(String(integration.uri));
      expect(uri).not.toBeNull();
      const aliasIds = Object.values(api.releases).map((r) => Stack.of(api).getLogicalId(r.alias.node.defaultChild as CfnResource));
      expect(aliasIds).toContain(uri![1]);
    });
  }
});

describe('the files the demo app writes for the items API', () => {
  const stageNames = PLATFORM.stages.map((c) => c.name);
  let outdir: string;
  beforeAll(() => {
    // GIVEN the demo platform as bin/platform-app.ts builds it (its compliance packs change no
    // document, nor does the handler's bundle, which is skipped).
    const app = newApp({ 'aws:cdk:bundling-stacks': [] });
    for (const config of PLATFORM.stages) new PlatformStage(app, config.name, { platform: PLATFORM, config });
    outdir = app.synth().directory;
  });

  test.each(stageNames)('%s: items-<stage>.openapi.json is valid OpenAPI 3.0 with API Gateway extensions and rendered references', async (stage) => {
    const file = join(outdir, `assembly-${stage}`, `items-${stage}.openapi.json`);
    const document = readJson(file);
    expect({ file: relative(outdir, file), ...(await validate(document)) }).toEqual({ file: relative(outdir, file), ...VALID_3_0 });
    expect(document.info).toMatchObject({ title: `items-${stage}` });
    expect(Object.keys(document.paths as object)).toEqual(expect.arrayContaining(['/health', '/items', '/items/{id}']));
    expect(extensionKeys(document).length).toBeGreaterThan(0);
    // Integrations call the handler's live alias (`${<Id>Live<hash>}`, the alias ARN), never the bare function.
    expect(readFileSync(file, 'utf8')).toMatch(/functions\/\$\{ItemsApi[A-Za-z0-9]+Live[0-9A-F]{8}\}\/invocations/);
    expect(readFileSync(file, 'utf8')).not.toMatch(/functions\/\$\{[A-Za-z0-9]+\.Arn\}\/invocations/);
  });

  test.each(stageNames)('%s: items-<stage>.client.openapi.json is valid OpenAPI 3.0, the definition without extensions', async (stage) => {
    const file = join(outdir, `assembly-${stage}`, `items-${stage}.client.openapi.json`);
    const document = readJson(file);
    expect({ file: relative(outdir, file), ...(await validate(document)) }).toEqual({ file: relative(outdir, file), ...VALID_3_0 });
    expect(extensionKeys(document)).toEqual([]);
    expect(document).toEqual(clientFacingDocument(readJson(join(outdir, `assembly-${stage}`, `items-${stage}.openapi.json`))));
  });
});

describe('clientFacingDocument()', () => {

  test('writes greedy path parameters as plain ones, so the template matches the parameter name', () => {
    // GIVEN a definition with API Gateway's greedy {proxy+}
    const document = {
      openapi: '3.0.1',
      info: { title: 't', version: '1' },
      paths: { '/files/{proxy+}': { get: { parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'ok' } } } } },
    };

    // WHEN
    const client = clientFacingDocument(document);

    // THEN
    expect(Object.keys(client.paths as object)).toEqual(['/files/{proxy}']);
    expect(Object.keys(document.paths)).toEqual(['/files/{proxy+}']);
  });
  test('removes every x-amazon-apigateway-* key at any depth, and the scopes OpenAPI allows only on OAuth2 schemes; keeps everything else', () => {
    // GIVEN extensions at the top, in path items, operations, responses, security schemes and arrays.
    const document = {
      openapi: '3.0.1',
      info: { title: 't', version: '1', 'x-logo': { url: 'https://example.com/logo.png' } },
      'x-amazon-apigateway-request-validator': 'all',
      'x-amazon-apigateway-gateway-responses': { DEFAULT_4XX: { responseParameters: {} } },
      paths: {
        '/a': {
          get: {
            operationId: 'getA',
            parameters: [{ name: 'q', in: 'query', schema: { type: 'string' }, 'x-amazon-apigateway-param': true }],
            security: [{ Authorizer1: ['read'] }],
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: [{ 'x-amazon-apigateway-nested': { deeper: 1 } }, 'x-amazon-apigateway-as-a-value'] } } } } },
            'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: '${Fn.Arn}', responses: { default: { statusCode: '200' } } },
          },
        },
      },
      components: {
        securitySchemes: { Authorizer1: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'custom', 'x-amazon-apigateway-authorizer': { type: 'token' } } },
        schemas: { Thing: { type: 'object', nullable: true, properties: { 'x-amazon-apigateway-like-property': { type: 'string' } } } },
      },
      'x-other-vendor': { 'x-amazon-apigateway-inside-other': 1, kept: [null, 0, false, ''] },
    };
    const before = JSON.stringify(document);

    // WHEN
    const client = clientFacingDocument(document);

    // THEN exactly the extension keys are gone (values that merely look like one stay), and the input is untouched.
    expect(client).toEqual({
      openapi: '3.0.1',
      info: { title: 't', version: '1', 'x-logo': { url: 'https://example.com/logo.png' } },
      paths: {
        '/a': {
          get: {
            operationId: 'getA',
            parameters: [{ name: 'q', in: 'query', schema: { type: 'string' } }],
            security: [{ Authorizer1: [] }],
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: [{}, 'x-amazon-apigateway-as-a-value'] } } } } },
          },
        },
      },
      components: {
        securitySchemes: { Authorizer1: { type: 'apiKey', name: 'Authorization', in: 'header' } },
        // A property *named* like an extension is removed too: the rule is by key, at any depth.
        schemas: { Thing: { type: 'object', nullable: true, properties: {} } },
      },
      'x-other-vendor': { kept: [null, 0, false, ''] },
    });
    expect(extensionKeys(client)).toEqual([]);
    expect(JSON.stringify(document)).toBe(before);
  });
});

describe('renderIntrinsics()', () => {
  test('renders Ref, Fn::GetAtt and (nested) Fn::Join as ${...} text, at any depth', () => {
    const resolved = {
      ref: { Ref: 'MyBucket' },
      pseudo: { Ref: 'AWS::Region' },
      getAtt: { 'Fn::GetAtt': ['MyFunction', 'Arn'] },
      join: {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['MyFunction', 'Arn'] }, '/invocations'],
        ],
      },
      nested: { 'Fn::Join': ['/', ['https:/', { 'Fn::Join': ['.', [{ Ref: 'Api' }, 'execute-api', { Ref: 'AWS::Region' }, 'amazonaws.com']] }, 'prod']] },
      list: [{ Ref: 'A' }, 'plain', 3, true, null],
      deep: { a: { b: [{ c: { Ref: 'Deep' } }] } },
      // Two keys: an ordinary object, not an intrinsic; its values are rendered.
      notIntrinsic: { Ref: 'X', other: { Ref: 'Y' } },
    };

    expect(renderIntrinsics(resolved)).toEqual({
      ref: '${MyBucket}',
      pseudo: '${AWS::Region}',
      getAtt: '${MyFunction.Arn}',
      join: 'arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${MyFunction.Arn}/invocations',
      nested: 'https://${Api}.execute-api.${AWS::Region}.amazonaws.com/prod',
      list: ['${A}', 'plain', 3, true, null],
      deep: { a: { b: [{ c: '${Deep}' }] } },
      notIntrinsic: { Ref: 'X', other: '${Y}' },
    });
  });

  test('renders what Stack.resolve makes of tokens', () => {
    const stack = new Stack(newApp(), 'Tokens');
    const resource = new CfnResource(stack, 'Thing', { type: 'AWS::SNS::Topic' });
    const resolved = stack.resolve({ arn: resource.getAtt('TopicArn'), id: resource.ref, url: `https://${resource.ref}.${stack.region}.${stack.urlSuffix}/${stack.account}` });
    expect(renderIntrinsics(resolved)).toEqual({
      arn: '${Thing.TopicArn}',
      id: '${Thing}',
      url: 'https://${Thing}.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}',
    });
  });
});

describe('OpenApiDocumentFiles', () => {
  const DOCUMENT_FILES = /\.openapi\.json$/;

  test('writes both documents into the assembly folder of the stack\'s own stage, a nested Stage into assembly-<name>', () => {
    // GIVEN a stack directly in the app and one in a nested Stage, each with a document holding a reference.
    const app = newApp();
    const top = new Stack(app, 'Top');
    const topic = new CfnResource(top, 'Topic', { type: 'AWS::SNS::Topic' });
    new OpenApiDocumentFiles(top, 'Files', {
      document: { openapi: '3.0.1', info: { title: 'top', version: '1' }, paths: {}, 'x-amazon-apigateway-policy': { topic: topic.ref } },
      fileName: 'top-api',
    });
    const nested = new Stack(new Stage(app, 'Beta'), 'Nested');
    new OpenApiDocumentFiles(nested, 'Files', {
      document: { openapi: '3.0.1', info: { title: 'nested', version: '1', description: `in ${nested.region}` }, paths: {} },
      fileName: 'nested-api',
    });

    // WHEN
    const outdir = app.synth().directory;

    // THEN each stage's assembly folder holds its own stack's documents, and only those.
    expect(filesUnder(outdir).filter((f) => DOCUMENT_FILES.test(f))).toEqual([
      'assembly-Beta/nested-api.client.openapi.json',
      'assembly-Beta/nested-api.openapi.json',
      'top-api.client.openapi.json',
      'top-api.openapi.json',
    ]);
    // References rendered as ${...}; the client variant without the extension.
    expect(readJson(join(outdir, 'top-api.openapi.json'))).toEqual({ openapi: '3.0.1', info: { title: 'top', version: '1' }, paths: {}, 'x-amazon-apigateway-policy': { topic: '${Topic}' } });
    expect(readJson(join(outdir, 'top-api.client.openapi.json'))).toEqual({ openapi: '3.0.1', info: { title: 'top', version: '1' }, paths: {} });
    expect(readJson(join(outdir, 'assembly-Beta', 'nested-api.openapi.json'))).toMatchObject({ info: { description: 'in ${AWS::Region}' } });
  });

  test('ServerlessApi writes <apiName>.openapi.json and <apiName>.client.openapi.json by default, none with openApiFiles: false', () => {
    // GIVEN two APIs in one stack, one of them without document files.
    const app = newApp();
    const stack = new Stack(app, 'Apis');
    const fn = inlineFunction(stack);
    const route = { 'GET /hello': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() } };
    new ServerlessApi(stack, 'With', { profile: StageProfile.dev(), apiName: 'with-files', routes: route });
    new ServerlessApi(stack, 'Without', { profile: StageProfile.dev(), apiName: 'without-files', routes: route, openApiFiles: false });

    // WHEN
    const outdir = app.synth().directory;

    // THEN
    expect(filesUnder(outdir).filter((f) => DOCUMENT_FILES.test(f))).toEqual(['with-files.client.openapi.json', 'with-files.openapi.json']);
    expect(existsSync(join(outdir, 'without-files.openapi.json'))).toBe(false);
  });
});

describe('clientFacingDocument() with the key source AUTHORIZER', () => {
  test('drops the x-api-key scheme and requirement: the authorizer supplies the key, clients never send one', () => {
    // GIVEN a definition whose keys come from the authorizer, and one whose keys come from the header
    const definition = (source: string) => ({
      openapi: '3.0.1',
      info: { title: 't', version: '1' },
      'x-amazon-apigateway-api-key-source': source,
      paths: { '/a': { get: { security: [{ Authorizer1: [], api_key: [] }], responses: { '200': { description: 'ok' } } } } },
      components: { securitySchemes: { Authorizer1: { type: 'apiKey', name: 'Authorization', in: 'header' }, api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
    });

    // WHEN
    const fromAuthorizer = clientFacingDocument(definition('AUTHORIZER')) as ReturnType<typeof definition>;
    const fromHeader = clientFacingDocument(definition('HEADER')) as ReturnType<typeof definition>;

    // THEN
    expect(fromAuthorizer.paths['/a'].get.security).toEqual([{ Authorizer1: [] }]);
    expect(Object.keys(fromAuthorizer.components.securitySchemes)).toEqual(['Authorizer1']);
    expect(fromHeader.paths['/a'].get.security).toEqual([{ Authorizer1: [], api_key: [] }]);
    expect(Object.keys(fromHeader.components.securitySchemes)).toEqual(['Authorizer1', 'api_key']);
  });
});

describe('clientFacingDocument() and ANY routes', () => {
  test("writes an ANY route's operation out for each method the path has no operation of its own for", () => {
    // GIVEN an ANY route (API Gateway's any-method extension) next to an explicit GET
    const document = {
      openapi: '3.0.1',
      info: { title: 't', version: '1' },
      paths: {
        '/b': {
          get: { operationId: 'getB', responses: { '200': { description: 'ok' } } },
          'x-amazon-apigateway-any-method': { operationId: 'anyB', responses: { '200': { description: 'any' } }, 'x-amazon-apigateway-integration': { type: 'aws_proxy' } },
        },
      },
    };

    // WHEN
    const client = clientFacingDocument(document) as { paths: Record<string, Record<string, { operationId: string }>> };

    // THEN every method is there, the explicit GET kept, the others with their own operation ids
    expect(Object.keys(client.paths['/b']).sort()).toEqual(['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
    expect(client.paths['/b'].get.operationId).toBe('getB');
    expect(client.paths['/b'].post.operationId).toBe('anyBPost');
    expect(JSON.stringify(client)).not.toContain('x-amazon-apigateway');
  });
});

describe('document files of several APIs', () => {
  test('two APIs of one stage with the same apiName in different stacks fail at synth instead of overwriting each other', () => {
    // GIVEN two stacks of one app, each with an API named "orders"
    const outdir = mkdtempSync(join(tmpdir(), 'openapi-clash-'));
    try {
      const app = new App({ outdir });
      for (const id of ['One', 'Two']) {
        const stack = new Stack(app, id);
        new ServerlessApi(stack, 'Api', { profile: StageProfile.dev(), apiName: 'orders', routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } });
      }

      // WHEN / THEN
      expect(() => app.synth()).toThrow(/OpenApiFileClash: two APIs of one cloud assembly would write .*orders\.openapi\.json/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('two APIs of one stack cannot share an apiName', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'api-name-'));
    try {
      const stack = new Stack(new App({ outdir }), 'S');
      const props = { profile: StageProfile.dev(), apiName: 'orders', routes: { 'GET /a': { integration: RouteIntegration.mock(), auth: ApiAuth.none() } } };
      new ServerlessApi(stack, 'One', props);
      expect(() => new ServerlessApi(stack, 'Two', props)).toThrow(/ApiNameDuplicate: apiName is taken by another API of this stack \(S\/One\)/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
