import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';

/** HTTP methods a route key may use; `ANY` matches every method. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;

/** An HTTP method of a route key. */
export type RouteMethod = (typeof HTTP_METHODS)[number];

/** A parsed `'METHOD /path/{param}'` route key. */
export interface ParsedRouteKey {
  /** The key as written, normalized to one space. */
  readonly key: string;
  readonly method: RouteMethod;
  /** The path, starting with `/`, no trailing slash except the root. */
  readonly path: string;
  /** Path segments, without the empty root segment. */
  readonly segments: string[];
  /** Names of `{param}` and `{proxy+}` segments, in order. */
  readonly parameters: string[];
}

const LITERAL_SEGMENT = /^[A-Za-z0-9._~:@!$&'()*+,;=-]+$/;
const PARAM_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/;

/**
 * Parses and checks a REST or HTTP route key such as `GET /items/{id}` or `ANY /files/{proxy+}`.
 * Fails, naming `prop`, on an unknown method, a path not starting with `/`, an empty or
 * malformed segment, a repeated parameter name, or a greedy `{name+}` anywhere but at the end.
 */
export function parseRouteKey(scope: IConstruct, prop: string, routeKey: string): ParsedRouteKey {
  const fail = (why: string): never => {
    throw new ApiPatternsError('RouteKeyInvalid', `${prop} ${why}. Got: ${describeValue(routeKey)}`, scope);
  };
  const match = /^([A-Z]+) +(\S+)$/.exec(routeKey.trim());
  if (!match) return fail("must be 'METHOD /path', e.g. 'GET /items/{id}'");
  const [, method, path] = match;
  if (!(HTTP_METHODS as readonly string[]).includes(method)) fail(`has an unknown method ${describeValue(method)}; use one of ${HTTP_METHODS.join(', ')}`);
  if (!path.startsWith('/')) fail("must have a path starting with '/'");
  if (path.length > 1 && path.endsWith('/')) fail("must not end its path with '/'");
  const segments = path === '/' ? [] : path.slice(1).split('/');
  const parameters: string[] = [];
  segments.forEach((segment, i) => {
    if (segment === '') fail("must not contain an empty path segment ('//')");
    const param = PARAM_SEGMENT.exec(segment);
    if (param) {
      const [, name, greedy] = param;
      if (greedy && i !== segments.length - 1) fail(`may use the greedy parameter ${describeValue(segment)} only as the last path segment`);
      if (parameters.includes(name)) fail(`repeats the path parameter ${describeValue(name)}`);
      parameters.push(name);
    } else if (segment.includes('{') || segment.includes('}') || !LITERAL_SEGMENT.test(segment)) {
      fail(`has a malformed path segment ${describeValue(segment)}; use literal characters or a whole-segment {param}`);
    }
  });
  return { key: `${method} ${path}`, method: method as RouteMethod, path, segments, parameters };
}

/**
 * Keeps the route keys of one API unique. Two keys clash when they have the same method and the
 * same path shape: `GET /items/{id}` and `GET /items/{itemId}` are the same route to API Gateway.
 */
export class RouteKeyRegistry {
  private readonly seen = new Map<string, string>();
  /** Parameter segment used under each parent path, e.g. '/items' -> '{id}'. */
  private readonly variableChildren = new Map<string, string>();

  constructor(private readonly scope: IConstruct) {}

  /** Records a parsed key; throws when the same method and path shape is already there. */
  public add(prop: string, route: ParsedRouteKey): void {
    const shape = `${route.method} /${route.segments.map((s) => (s.startsWith('{') ? (s.endsWith('+}') ? '{+}' : '{}') : s)).join('/')}`;
    const previous = this.seen.get(shape);
    if (previous !== undefined) {
      throw new ApiPatternsError(
        'RouteDuplicate',
        `${prop} duplicates the route ${describeValue(previous)}. Got: ${describeValue(route.key)}`,
        this.scope,
      );
    }
    let parent = '';
    for (const segment of route.segments) {
      if (segment.startsWith('{')) {
        const sibling = this.variableChildren.get(parent);
        if (sibling !== undefined && sibling !== segment) {
          throw new ApiPatternsError(
            'RouteParameterConflict',
            `${prop} uses ${describeValue(segment)} under ${describeValue(parent || '/')}, where another route already uses ${describeValue(sibling)}; API Gateway allows one parameter name per path position. Got: ${describeValue(route.key)}`,
            this.scope,
          );
        }
        this.variableChildren.set(parent, segment);
      }
      parent = `${parent}/${segment}`;
    }
    this.seen.set(shape, route.key);
  }
}
