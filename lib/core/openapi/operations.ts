import type { ParsedRouteKey } from '../routing/route-key';

/** The OpenAPI document an API starts from. */
export function emptyDocument(title: string, description?: string): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title, version: '1.0', ...(description ? { description } : {}) },
    paths: {},
    components: { securitySchemes: {}, schemas: {} },
  };
}

/** The key of an operation under its path: the method in lower case, or API Gateway's any-method extension. */
export function operationKey(route: ParsedRouteKey): string {
  return route.method === 'ANY' ? 'x-amazon-apigateway-any-method' : route.method.toLowerCase();
}

/**
 * A stable operation id for client generators: method and path words in camel case,
 * `GET /items/{id}` -> `getItemsById`, `ANY /files/{proxy+}` -> `anyFilesByProxy`.
 */
export function operationId(route: ParsedRouteKey): string {
  const words = route.segments.flatMap((segment) => {
    const param = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(segment);
    return param ? ['by', ...splitWords(param[1])] : splitWords(segment);
  });
  const camel = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('');
  return `${route.method.toLowerCase()}${camel || 'Root'}`;
}

/**
 * Unique operation ids for one document (OpenAPI requires them unique): `operationId()`, and when
 * two routes' paths differ only in punctuation (`/user-settings`, `/user/settings`), the later
 * route's id gets a number (`postUserSettings2`). Models are named after operation ids, so each
 * route keeps its own request schema.
 */
export class OperationIds {
  private readonly used = new Set<string>();

  /** The id of the next route. */
  public next(route: ParsedRouteKey): string {
    const base = operationId(route);
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}${n}`;
    this.used.add(id);
    return id;
  }
}

function splitWords(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
}

/** The OpenAPI parameter objects of a route's path parameters (all required). */
export function pathParameters(route: ParsedRouteKey): Array<Record<string, unknown>> {
  return route.parameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
}

/**
 * OpenAPI parameter objects for `method.request.header.X` / `method.request.querystring.X` names
 * (path ones are declared from the route already); `required` as given.
 */
export function requestParameterObjects(parameters: Record<string, boolean>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [name, required] of Object.entries(parameters)) {
    const match = /^method\.request\.(header|querystring)\.(.+)$/.exec(name);
    if (!match) continue;
    out.push({ name: match[2], in: match[1] === 'querystring' ? 'query' : 'header', required, schema: { type: 'string' } });
  }
  return out;
}
