import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';

/** The prefix of API Gateway's OpenAPI extensions. */
const EXTENSION_PREFIX = 'x-amazon-apigateway-';

/**
 * The client-facing variant of an API definition, for client generators: the same document without
 * API Gateway's `x-amazon-apigateway-*` extensions (integrations, authorizers, validators), with
 * greedy path parameters written as plain ones (`/files/{proxy+}` -> `/files/{proxy}`, matching the
 * parameter's name) and without scope lists on security requirements (API Gateway reads Cognito
 * scopes from them, but OpenAPI allows scopes only for OAuth2 and OpenID Connect schemes).
 */
export function clientFacingDocument(document: Record<string, unknown>): Record<string, unknown> {
  // With the key source AUTHORIZER, the authorizer supplies the key: clients send no x-api-key.
  const keyFromAuthorizer = document['x-amazon-apigateway-api-key-source'] === 'AUTHORIZER';
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !key.startsWith(EXTENSION_PREFIX))
        .map(([key, child]) => [key, strip(child)]),
    );
  };
  const client = strip(withAnyMethodExpanded(document)) as Record<string, unknown>;
  const schemes = ((client.components as Record<string, unknown> | undefined)?.securitySchemes ?? {}) as Record<string, Record<string, unknown>>;
  const hidden = new Set(keyFromAuthorizer ? Object.keys(schemes).filter((name) => schemes[name].type === 'apiKey' && schemes[name].name === 'x-api-key') : []);
  for (const name of hidden) delete schemes[name];
  const paths = (client.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  client.paths = Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path.replace(/\+\}/g, '}'),
      Object.fromEntries(Object.entries(item).map(([method, op]) => [method, withoutScopes(op, hidden)])),
    ]),
  );
  return client;
}

/** An operation whose security requirements list no scopes, and none of the `hidden` schemes. */
function withoutScopes(operation: Record<string, unknown>, hidden: ReadonlySet<string>): Record<string, unknown> {
  const security = operation.security as Array<Record<string, string[]>> | undefined;
  if (!Array.isArray(security)) return operation;
  return {
    ...operation,
    security: security
      .map((requirement) => Object.fromEntries(Object.keys(requirement).filter((name) => !hidden.has(name)).map((name) => [name, []])))
      .filter((requirement, i) => Object.keys(requirement).length > 0 || Object.keys(security[i]).length === 0),
  };
}

/**
 * A resolved CloudFormation value rendered as text: `{ Ref: X }` -> `${X}`, `Fn::GetAtt` ->
 * `${X.Attr}`, `Fn::Join` -> the joined parts. Used for the documents written next to the
 * templates, which are read by people and client generators, not by CloudFormation.
 */
export function renderIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renderIntrinsics);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = obj[key];
    if (key === 'Ref') return `\${${String(arg)}}`;
    if (key === 'Fn::GetAtt' && Array.isArray(arg)) return `\${${arg.join('.')}}`;
    if (key === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
      return (arg[1] as unknown[]).map((part) => String(renderIntrinsics(part))).join(String(arg[0]));
    }
    if (key === 'Fn::Sub' && typeof arg === 'string') return arg;
  }
  return Object.fromEntries(keys.map((key) => [key, renderIntrinsics(obj[key])]));
}

/** Which construct of each app wrote each document file, so two APIs never overwrite each other's. */
const WRITERS = new WeakMap<IConstruct, Map<string, string>>();

/** Hook aws-cdk-lib calls on constructs that write their own files into the cloud assembly. */
const CUSTOM_SYNTHESIS = Symbol.for('@aws-cdk/core:customSynthesis');

/** Props of {@link OpenApiDocumentFiles}. */
export interface OpenApiDocumentFilesProps {
  /** The API definition (may hold tokens; they are resolved at synth). */
  readonly document: Record<string, unknown>;
  /** File name stem: `<name>.openapi.json` and `<name>.client.openapi.json`. */
  readonly fileName: string;
}

/**
 * Writes an API's OpenAPI documents next to its stack's template when the app synthesizes:
 * `<name>.openapi.json`, the definition API Gateway imports (with its extensions, CloudFormation
 * references shown as `${...}`), and `<name>.client.openapi.json`, the client-facing variant.
 */
export class OpenApiDocumentFiles extends Construct {
  constructor(scope: Construct, id: string, props: OpenApiDocumentFilesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A name is a file name: anything but letters, digits, '.', '_' and '-' becomes '-'.
    const fileName = props.fileName.replace(/[^A-Za-z0-9._-]/g, '-');
    (this as unknown as Record<symbol, unknown>)[CUSTOM_SYNTHESIS] = {
      onSynthesize: (session: { readonly outdir: string }) => {
        const path = join(session.outdir, `${fileName}.openapi.json`);
        let writers = WRITERS.get(this.node.root);
        if (!writers) {
          writers = new Map();
          WRITERS.set(this.node.root, writers);
        }
        const writer = writers.get(path);
        if (writer !== undefined && writer !== this.node.path) {
          throw new ApiPatternsError(
            'OpenApiFileClash',
            `two APIs of one cloud assembly would write ${path}: give them different apiNames, or set openApiFiles: false on one. Got: ${describeValue(writer)} and ${describeValue(this.node.path)}`,
            this,
          );
        }
        writers.set(path, this.node.path);
        const definition = renderIntrinsics(stack.resolve(props.document)) as Record<string, unknown>;
        writeFileSync(path, `${JSON.stringify(definition, null, 2)}\n`);
        writeFileSync(join(session.outdir, `${fileName}.client.openapi.json`), `${JSON.stringify(clientFacingDocument(definition), null, 2)}\n`);
      },
    };
  }
}

/** The methods an `ANY` route answers, for clients (API Gateway's any-method is an extension). */
const ANY_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/**
 * The document with each `x-amazon-apigateway-any-method` operation written out as one operation
 * per method (with operation ids `<id>Get`, `<id>Post`, ...), where the path has none of its own.
 */
function withAnyMethodExpanded(document: Record<string, unknown>): Record<string, unknown> {
  const paths = document.paths as Record<string, Record<string, unknown>> | undefined;
  if (!paths) return document;
  const expanded = Object.fromEntries(
    Object.entries(paths).map(([path, item]) => {
      const any = item['x-amazon-apigateway-any-method'] as Record<string, unknown> | undefined;
      if (!any) return [path, item];
      const methods = Object.fromEntries(
        ANY_METHODS.filter((method) => !(method in item)).map((method) => [
          method,
          { ...any, ...(typeof any.operationId === 'string' ? { operationId: `${any.operationId}${method.charAt(0).toUpperCase()}${method.slice(1)}` } : {}) },
        ]),
      );
      return [path, { ...item, ...methods }];
    }),
  );
  return { ...document, paths: expanded };
}
