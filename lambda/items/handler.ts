/**
 * The demo application's items API, behind a REST API Lambda proxy integration (payload format 1.0).
 *
 *   GET  /items        → 200, every item, oldest first
 *   GET  /items/{id}   → 200 the item, or 404
 *   POST /items        → 201 the created item, or 400 with the validation errors
 *
 * Another method on a known resource answers 405 with an `allow` header; an unknown resource, 404.
 * Every response is JSON; errors look like `{ "message": "...", "errors"?: [{ "field", "problem" }] }`.
 * Reads no environment variables.
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

/** Where items live; asynchronous so that a database-backed store can replace the in-memory one. */
export interface ItemStore {
  list(): Promise<Item[]>;
  get(id: string): Promise<Item | undefined>;
  put(item: Item): Promise<void>;
}

/**
 * Demo-only storage: a Map in module scope lives as long as one Lambda execution environment, so
 * items are neither shared between concurrent environments nor kept across cold starts.
 */
export class InMemoryItemStore implements ItemStore {
  private readonly items = new Map<string, Item>();

  async list(): Promise<Item[]> {
    return [...this.items.values()];
  }

  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }

  async put(item: Item): Promise<void> {
    this.items.set(item.id, item);
  }
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
} as const;

export interface HandlerOptions {
  /** Clock for `createdAt`. Default: the system clock. */
  readonly now?: () => Date;
  /** Id generator. Default: `crypto.randomUUID`. */
  readonly newId?: () => string;
}

export type ItemsHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type Route = ItemsHandler;

export function createHandler(store: ItemStore, options: HandlerOptions = {}): ItemsHandler {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;

  // resource → method → route. Looked up with Object.hasOwn so that names such as "constructor" miss.
  const routes: Record<string, Record<string, Route>> = {
    '/items': {
      GET: async () => {
        const items = await store.list();
        return json(200, [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
      },
      POST: async (event) => {
        const input = parseNewItem(event);
        if (!input.ok) return json(400, { message: input.message, errors: input.errors });
        const createdBy = callerOf(event);
        const item: Item = {
          id: newId(),
          ...input.value,
          createdAt: now().toISOString(),
          ...(createdBy !== undefined && { createdBy }),
        };
        await store.put(item);
        return json(201, item);
      },
    },
    '/items/{id}': {
      GET: async (event) => {
        const id = event.pathParameters?.id;
        const item = id === undefined ? undefined : await store.get(id);
        return item ? json(200, item) : json(404, { message: 'Item not found' });
      },
    },
  };

  return async (event) => {
    if (!Object.hasOwn(routes, event.resource)) return json(404, { message: 'Route not found' });
    const methods = routes[event.resource];
    if (!Object.hasOwn(methods, event.httpMethod)) {
      return json(405, { message: 'Method not allowed' }, { allow: Object.keys(methods).join(', ') });
    }
    try {
      return await methods[event.httpMethod](event);
    } catch (err) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: String(err) }));
      return json(500, { message: 'Internal server error' });
    }
  };
}

export const handler = createHandler(new InMemoryItemStore());

type NewItem = Pick<Item, 'name' | 'price' | 'tags'>;
type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; errors: FieldError[] };

const ALLOWED_FIELDS = new Set(['name', 'price', 'tags']);

function parseNewItem(event: APIGatewayProxyEvent): Parsed<NewItem> {
  const invalid = (message: string, errors: FieldError[]): Parsed<NewItem> => ({ ok: false, message, errors });

  if (event.body == null || event.body === '') {
    return invalid('Request body is required', [{ field: 'body', problem: 'is required' }]);
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > LIMITS.maxBodyBytes) {
    return invalid('Request body is too large', [
      { field: 'body', problem: `must be at most ${LIMITS.maxBodyBytes} bytes` },
    ]);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return invalid('Request body is not valid JSON', [{ field: 'body', problem: 'must be valid JSON' }]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid('Request body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]);
  }

  const fields = body as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(fields)
    .filter((field) => !ALLOWED_FIELDS.has(field))
    .map((field) => ({ field, problem: 'is not allowed' }));

  const name = validateName(fields.name, errors);
  const price = validatePrice(fields.price, errors);
  const tags = validateTags(fields.tags, errors);

  if (errors.length > 0 || name === undefined || price === undefined || tags === undefined) {
    return invalid('Request body is invalid', errors);
  }
  return { ok: true, value: { name, price, tags } };
}

// Each validator returns the clean value, or undefined after pushing what is wrong to `errors`.

function validateName(value: unknown, errors: FieldError[]): string | undefined {
  const problem =
    value === undefined ? 'is required'
    : typeof value !== 'string' ? 'must be a string'
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
