/**
 * The demo application's items API, behind a REST API Lambda proxy integration (payload format 1.0).
 *
 *   GET  /items        → 200 `{ "items": [...], "nextCursor"?: "..." }`: one page, oldest first;
 *                        400 for a bad `limit` or `cursor`
 *   GET  /items/{id}   → 200 the item, or 404
 *   POST /items        → 201 the created item; 415 unless `content-type` is JSON; 413 for a body over
 *                        16 KB; 400 with the validation errors
 *
 * Another method on a known resource answers 405 with an `allow` header; an unknown resource, 404.
 * Every response is JSON; errors look like `{ "message": "...", "errors"?: [{ "field", "problem" }] }`.
 *
 * - Paging: `GET /items?limit=<1..100>&cursor=<nextCursor>`. `limit` defaults to 50 and is at most
 *   100, so an answer stays far below Lambda's 6 MB response limit (an item is at most ~2 KB of
 *   JSON plus its `createdBy`). The answer's `nextCursor`, present when more items follow, is an
 *   opaque string to pass as `cursor` for the next page. Other query parameters are ignored;
 *   `limit` or `cursor` given twice, empty, or malformed answers 400.
 * - POST bodies: `content-type` must be `application/json`, optionally with `charset=utf-8` (any
 *   case, header name in any case); checked before the body is read. Then at most 16 KB (decoded).
 * - Text fields (`name`, tags) must not contain control characters: C0 (U+0000–U+001F, so also tab,
 *   CR and LF), DEL (U+007F), C1 (U+0080–U+009F), the line and paragraph separators U+2028/U+2029,
 *   the bidirectional formatting controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069,
 *   which can make displayed text read differently from what is stored), or unpaired surrogates.
 *   Zero-width joiners and other format characters that emoji and scripts need are allowed.
 * - CORS: a Lambda proxy integration passes the function's headers through and API Gateway adds
 *   none, so the handler sets them on every answer. When the request's `Origin` is one of
 *   `CORS_ALLOW_ORIGINS`, the answer carries `Access-Control-Allow-Origin: <that origin>` and, when
 *   `CORS_ALLOW_CREDENTIALS` is `true`, `Access-Control-Allow-Credentials: true`. Any other origin
 *   gets no CORS headers. With a list of origins every answer carries `Vary: Origin` (it depends on
 *   the origin, so caches must not share it). `CORS_ALLOW_ORIGINS=*` (without credentials) answers
 *   `Access-Control-Allow-Origin: *` to any request with an `Origin`.
 *
 * Environment (read once, when the handler is created; a bad value fails the function's init):
 * - `CORS_ALLOW_ORIGINS`: comma-separated exact origins, `scheme://host[:port]` in lowercase without
 *   a path (e.g. `https://app.example.com`), or `*`. Unset or empty: no CORS headers.
 * - `CORS_ALLOW_CREDENTIALS`: `true` or `false` (default `false`); `true` is refused with `*`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface Item {
  readonly id: string;
  readonly name: string;
  readonly price: number;
  readonly tags: string[];
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
  /** `sub` of the caller, when an authorizer identified one. */
  readonly createdBy?: string;
}

export interface ListOptions {
  /** At most this many items. */
  readonly limit: number;
  /** Continue after the page that returned this `nextCursor`. */
  readonly cursor?: string;
}

export interface ItemPage {
  readonly items: Item[];
  /** Present when more items follow: pass it as `cursor` for the next page. */
  readonly nextCursor?: string;
}

/** Thrown by `ItemStore.list` for a cursor it did not issue; the handler answers 400. */
export class InvalidCursorError extends Error {
  constructor() {
    super('Invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/** Where items live; asynchronous so that a database-backed store can replace the in-memory one. */
export interface ItemStore {
  /** One page of items, oldest first. @throws InvalidCursorError for a cursor it did not issue */
  list(options: ListOptions): Promise<ItemPage>;
  get(id: string): Promise<Item | undefined>;
  put(item: Item): Promise<void>;
}

/**
 * Demo-only storage: a Map in module scope lives as long as one Lambda execution environment, so
 * items are neither shared between concurrent environments nor kept across cold starts. Its cursor
 * is the position (createdAt, id) of the page's last item, so items added meanwhile neither repeat
 * nor shift a page.
 */
export class InMemoryItemStore implements ItemStore {
  private readonly items = new Map<string, Item>();

  async list({ limit, cursor }: ListOptions): Promise<ItemPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const sorted = [...this.items.values()].sort(byPosition);
    const start = after === undefined ? 0 : sorted.findIndex((item) => byPosition(item, after) > 0);
    const items = start < 0 ? [] : sorted.slice(start, start + limit);
    const last = items[items.length - 1];
    const more = start >= 0 && start + limit < sorted.length;
    return more && last ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }

  async put(item: Item): Promise<void> {
    this.items.set(item.id, item);
  }
}

type Position = Pick<Item, 'createdAt' | 'id'>;

function byPosition(a: Position, b: Position): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new InvalidCursorError();
  }
  return { createdAt: parsed[0], id: parsed[1] };
}

export interface FieldError {
  readonly field: string;
  readonly problem: string;
}

export const LIMITS = {
  maxBodyBytes: 16 * 1024,
  maxNameLength: 100,
  maxTags: 10,
  maxTagLength: 32,
  /** `GET /items` page size when `limit` is not given. */
  defaultPageSize: 50,
  /** Largest `limit`. */
  maxPageSize: 100,
  /** Longest `cursor` accepted (the in-memory store's are under 200 characters). */
  maxCursorLength: 1024,
} as const;

export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`, lowercase, no path), or `['*']`. Empty: no CORS headers. */
  readonly allowOrigins: readonly string[];
  /** Answer `Access-Control-Allow-Credentials: true` to allowed origins. Not with `*`. */
  readonly allowCredentials: boolean;
}

export interface HandlerOptions {
  /** Clock for `createdAt`. Default: the system clock. */
  readonly now?: () => Date;
  /** Id generator. Default: `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** CORS answers. Default: from `CORS_ALLOW_ORIGINS` and `CORS_ALLOW_CREDENTIALS`. */
  readonly cors?: CorsOptions;
}

export type ItemsHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type Route = (event: APIGatewayProxyEvent) => Promise<Answer>;

/** An answer before the CORS headers are added. */
interface Answer {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export function createHandler(store: ItemStore, options: HandlerOptions = {}): ItemsHandler {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const cors = validateCors(options.cors ?? corsFromEnvironment(process.env));

  // resource → method → route. Looked up with Object.hasOwn so that names such as "constructor" miss.
  const routes: Record<string, Record<string, Route>> = {
    '/items': {
      GET: async (event) => {
        const query = parseListQuery(event);
        if (!query.ok) return invalid(400, query);
        try {
          const page = await store.list(query.value);
          return { statusCode: 200, body: page.nextCursor === undefined ? { items: page.items } : page };
        } catch (err) {
          if (err instanceof InvalidCursorError) return invalid(400, invalidQuery('cursor', 'is not a cursor this API issued'));
          throw err;
        }
      },
      POST: async (event) => {
        if (!isJsonContentType(headerOf(event, 'content-type'))) {
          return {
            statusCode: 415,
            body: { message: 'Content-Type must be application/json', errors: [{ field: 'content-type', problem: 'must be application/json' }] },
          };
        }
        const input = parseNewItem(event);
        if (!input.ok) return invalid(input.status ?? 400, input);
        const createdBy = callerOf(event);
        const item: Item = {
          id: newId(),
          ...input.value,
          createdAt: now().toISOString(),
          ...(createdBy !== undefined && { createdBy }),
        };
        await store.put(item);
        return { statusCode: 201, body: item };
      },
    },
    '/items/{id}': {
      GET: async (event) => {
        const id = event.pathParameters?.id;
        const item = id === undefined ? undefined : await store.get(id);
        return item ? { statusCode: 200, body: item } : { statusCode: 404, body: { message: 'Item not found' } };
      },
    },
  };

  const route = async (event: APIGatewayProxyEvent): Promise<Answer> => {
    if (!Object.hasOwn(routes, event.resource)) return { statusCode: 404, body: { message: 'Route not found' } };
    const methods = routes[event.resource];
    if (!Object.hasOwn(methods, event.httpMethod)) {
      return { statusCode: 405, body: { message: 'Method not allowed' }, headers: { allow: Object.keys(methods).join(', ') } };
    }
    try {
      return await methods[event.httpMethod](event);
    } catch (err) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: String(err) }));
      return { statusCode: 500, body: { message: 'Internal server error' } };
    }
  };

  return async (event) => {
    const answer = await route(event);
    return json(answer.statusCode, answer.body, { ...answer.headers, ...corsHeaders(cors, headerOf(event, 'origin')) });
  };
}

export const handler = createHandler(new InMemoryItemStore());

// ---- CORS ------------------------------------------------------------------------------------

/** `CORS_ALLOW_ORIGINS` and `CORS_ALLOW_CREDENTIALS`, not yet validated. */
function corsFromEnvironment(env: NodeJS.ProcessEnv): CorsOptions {
  const credentials = env.CORS_ALLOW_CREDENTIALS?.trim() ?? '';
  if (credentials !== '' && credentials !== 'true' && credentials !== 'false') {
    throw new Error(`CORS_ALLOW_CREDENTIALS must be "true" or "false" (got "${credentials}")`);
  }
  return {
    allowOrigins: (env.CORS_ALLOW_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    allowCredentials: credentials === 'true',
  };
}

function validateCors(cors: CorsOptions): CorsOptions {
  const wildcard = cors.allowOrigins.includes('*');
  if (wildcard && cors.allowOrigins.length > 1) {
    throw new Error(`CORS_ALLOW_ORIGINS must be either * or a list of origins (got "${cors.allowOrigins.join(',')}")`);
  }
  if (wildcard && cors.allowCredentials) {
    throw new Error('CORS_ALLOW_ORIGINS must not be * when CORS_ALLOW_CREDENTIALS is true');
  }
  for (const origin of wildcard ? [] : cors.allowOrigins) {
    let exact = false;
    try {
      const url = new URL(origin);
      exact = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
    } catch {
      // Not a URL.
    }
    if (!exact) {
      throw new Error(`CORS_ALLOW_ORIGINS entries must be scheme://host[:port] in lowercase with no path (got "${origin}")`);
    }
  }
  return { allowOrigins: [...cors.allowOrigins], allowCredentials: cors.allowCredentials };
}

function corsHeaders(cors: CorsOptions, origin: string | undefined): Record<string, string> {
  if (cors.allowOrigins.length === 0) return {};
  if (cors.allowOrigins[0] === '*') return origin === undefined ? {} : { 'access-control-allow-origin': '*' };
  const headers: Record<string, string> = { vary: 'Origin' };
  if (origin !== undefined && cors.allowOrigins.includes(origin)) {
    headers['access-control-allow-origin'] = origin;
    if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  }
  return headers;
}

// ---- requests ----------------------------------------------------------------------------------

/** A request header's value; header names are matched in any case. */
function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key] ?? undefined;
  }
  return undefined;
}

/** `application/json`, optionally with a `charset=utf-8` parameter (quoted or not, any case). */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => /^charset=(?:utf-8|"utf-8")$/.test(parameter));
}

type Invalid = { ok: false; message: string; errors: FieldError[]; status?: number };
type Parsed<T> = { ok: true; value: T } | Invalid;

function invalid(statusCode: number, { message, errors }: Invalid): Answer {
  return { statusCode, body: { message, errors } };
}

function invalidQuery(field: string, problem: string): Invalid {
  return { ok: false, message: 'Query is invalid', errors: [{ field, problem }] };
}

/** `limit` and `cursor` of `GET /items`. */
function parseListQuery(event: APIGatewayProxyEvent): Parsed<ListOptions> {
  const single = event.queryStringParameters ?? {};
  const multi = event.multiValueQueryStringParameters ?? {};
  const once = (name: string): string | undefined | Invalid => {
    if (!Object.hasOwn(single, name)) return undefined;
    if ((multi[name]?.length ?? 1) > 1) return invalidQuery(name, 'must be given once');
    return single[name] ?? undefined;
  };

  const limitText = once('limit');
  if (typeof limitText === 'object') return limitText;
  let limit: number = LIMITS.defaultPageSize;
  if (limitText !== undefined) {
    limit = /^[1-9][0-9]{0,2}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit <= LIMITS.maxPageSize)) return invalidQuery('limit', `must be an integer from 1 to ${LIMITS.maxPageSize}`);
  }

  const cursor = once('cursor');
  if (typeof cursor === 'object') return cursor;
  if (cursor !== undefined && (cursor.length > LIMITS.maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(cursor))) {
    return invalidQuery('cursor', 'is not a cursor this API issued');
  }
  return { ok: true, value: cursor === undefined ? { limit } : { limit, cursor } };
}

type NewItem = Pick<Item, 'name' | 'price' | 'tags'>;

const ALLOWED_FIELDS = new Set(['name', 'price', 'tags']);

function parseNewItem(event: APIGatewayProxyEvent): Parsed<NewItem> {
  const fail = (message: string, errors: FieldError[], status?: number): Invalid => ({ ok: false, message, errors, status });

  if (event.body == null || event.body === '') {
    return fail('Request body is required', [{ field: 'body', problem: 'is required' }]);
  }
  // The decoded size, measured without decoding.
  const size = Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (size > LIMITS.maxBodyBytes) {
    return fail('Request body is too large', [{ field: 'body', problem: `must be at most ${LIMITS.maxBodyBytes} bytes` }], 413);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('Request body is not valid JSON', [{ field: 'body', problem: 'must be valid JSON' }]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('Request body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]);
  }

  const fields = body as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(fields)
    .filter((field) => !ALLOWED_FIELDS.has(field))
    .map((field) => ({ field, problem: 'is not allowed' }));

  const name = validateName(fields.name, errors);
  const price = validatePrice(fields.price, errors);
  const tags = validateTags(fields.tags, errors);

  if (errors.length > 0 || name === undefined || price === undefined || tags === undefined) {
    return fail('Request body is invalid', errors);
  }
  return { ok: true, value: { name, price, tags } };
}

/**
 * Control characters refused in text fields (see the module comment): C0, DEL, C1, U+2028/U+2029,
 * bidirectional formatting controls, and unpaired surrogates (`\p{Cs}` in a `u` regex matches only those).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's purpose
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]|\p{Cs}/u;
const NO_CONTROL_CHARACTERS = 'must not contain control characters';

// Each validator returns the clean value, or undefined after pushing what is wrong to `errors`.

function validateName(value: unknown, errors: FieldError[]): string | undefined {
  const problem =
    value === undefined ? 'is required'
    : typeof value !== 'string' ? 'must be a string'
    : CONTROL_CHARACTERS.test(value) ? NO_CONTROL_CHARACTERS
    : value.trim() === '' ? 'must not be empty'
    : length(value.trim()) > LIMITS.maxNameLength ? `must be at most ${LIMITS.maxNameLength} characters`
    : undefined;
  if (problem) errors.push({ field: 'name', problem });
  return problem === undefined && typeof value === 'string' ? value.trim() : undefined;
}

function validatePrice(value: unknown, errors: FieldError[]): number | undefined {
  const problem =
    value === undefined ? 'is required'
    // JSON numbers such as 1e999 parse to Infinity.
    : typeof value !== 'number' || !Number.isFinite(value) ? 'must be a finite number'
    : value < 0 ? 'must be zero or greater'
    : undefined;
  if (problem) errors.push({ field: 'price', problem });
  return problem === undefined && typeof value === 'number' ? value : undefined;
}

function validateTags(value: unknown, errors: FieldError[]): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push({ field: 'tags', problem: 'must be an array of strings' });
    return undefined;
  }
  if (value.length > LIMITS.maxTags) {
    errors.push({ field: 'tags', problem: `must have at most ${LIMITS.maxTags} entries` });
    return undefined;
  }
  const before = errors.length;
  const tags = value.map((tag: unknown, index) => {
    const trimmed = typeof tag === 'string' ? tag.trim() : undefined;
    if (trimmed === undefined) {
      errors.push({ field: `tags[${index}]`, problem: 'must be a string' });
    } else if (CONTROL_CHARACTERS.test(tag as string)) {
      errors.push({ field: `tags[${index}]`, problem: NO_CONTROL_CHARACTERS });
    } else if (trimmed === '' || length(trimmed) > LIMITS.maxTagLength) {
      errors.push({ field: `tags[${index}]`, problem: `must be 1 to ${LIMITS.maxTagLength} characters` });
    }
    return trimmed ?? '';
  });
  return errors.length === before ? tags : undefined;
}

/** The authorizer's `sub` (a TOKEN authorizer's context value), when present. */
function callerOf(event: APIGatewayProxyEvent): string | undefined {
  const sub: unknown = event.requestContext.authorizer?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}

/** Length in Unicode code points, so that an emoji counts as one character. */
function length(value: string): number {
  return [...value].length;
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
