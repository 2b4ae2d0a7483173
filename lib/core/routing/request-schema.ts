import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';

/** JSON-schema keywords (aws-cdk-lib's `JsonSchema` names) that an OpenAPI 3.0 schema object also has. */
const SAME_KEYWORDS = new Set([
  'title', 'description', 'default', 'format', 'enum', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required',
]);
/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set(['items', 'not', 'additionalProperties']);
/** Composed schemas: valid OpenAPI, dropped by API Gateway's import. */
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
/** OpenAPI 3.0 has no `null` type: `nullable: true` says it. */
const OPENAPI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/**
 * The OpenAPI 3.0 schema object for a request schema written as aws-cdk-lib's `JsonSchema`
 * (draft 4, API Gateway's model language), or an `RequestSchemaInvalid` error naming the keyword
 * OpenAPI 3.0 lacks: the document the API is built from, and the client-facing one, must stay
 * valid OpenAPI. `$schema` is dropped (API Gateway models are draft 4 either way).
 */
export function toOpenApiSchema(scope: IConstruct, prop: string, schema: JsonSchema): Record<string, unknown> {
  const fail = (path: string, why: string, value: unknown): never => {
    throw new ApiPatternsError('RequestSchemaInvalid', `${path} ${why}. Got: ${describeValue(value)}`, scope);
  };
  const convert = (node: JsonSchema, path: string): Record<string, unknown> => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return fail(path, 'must be a schema object', node);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined || key === 'schema') continue;
      const at = `${path}.${key}`;
      if (key === 'type') {
        if (Array.isArray(value)) fail(at, 'must be one type in OpenAPI 3.0', value);
        if (!OPENAPI_TYPES.has(value as string)) fail(at, `must be one of ${[...OPENAPI_TYPES].join(', ')} in OpenAPI 3.0`, value);
        out.type = value;
      } else if (key === 'ref') {
        if (typeof value !== 'string' || !value.startsWith('#/components/schemas/')) fail(at, "must point into the document ('#/components/schemas/Name')", value);
        out.$ref = value;
      } else if (key === 'properties') {
        out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, convert(child, `${at}.${name}`)]));
      } else if (SCHEMA_LIST_KEYWORDS.has(key)) {
        // Valid OpenAPI, but API Gateway's import drops composed schemas with a warning, and the body would go unchecked.
        fail(at, `is not supported by API Gateway's OpenAPI import, which ignores composed schemas (${key}), so the body would not be validated`, value);
      } else if (SCHEMA_KEYWORDS.has(key)) {
        if (key === 'items' && Array.isArray(value)) fail(at, 'must be one schema in OpenAPI 3.0 (tuples are not supported)', value);
        out[key] = typeof value === 'boolean' && key === 'additionalProperties' ? value : convert(value as JsonSchema, at);
      } else if (SAME_KEYWORDS.has(key)) {
        out[key] = value;
      } else {
        fail(at, `is a JSON-schema keyword that OpenAPI 3.0 schemas do not have (${key})`, value);
      }
    }
    return out;
  };
  return convert(schema, prop);
}

/** Checks that a request schema is valid OpenAPI 3.0 (see toOpenApiSchema). */
export function validateRequestSchema(scope: IConstruct, prop: string, schema: JsonSchema): void {
  toOpenApiSchema(scope, prop, schema);
}
