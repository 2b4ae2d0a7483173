/**
 * Validation of what clients send: the message size, the JSON body, channel names, and how deeply
 * published data nests.
 * Every function throws `RequestError`, which the route wrapper answers to the caller.
 */
import { MAX_MESSAGE_BYTES } from './env';
import { RequestError } from './responses';

/** Channel names: 1 to 64 letters, digits, `-`, `_`, `.` or `:`. */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A parsed message body: a JSON object. */
export type MessageBody = Record<string, unknown>;

/** Throws `MESSAGE_TOO_LARGE` when `text` is over API Gateway's 128 KB message limit. */
export function assertWithinMessageLimit(text: string, what = 'The message'): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new RequestError(
      'MESSAGE_TOO_LARGE',
      `${what} is ${bytes} bytes; API Gateway's limit is ${MAX_MESSAGE_BYTES} bytes (128 KB)`,
    );
  }
}

/**
 * Parses an event body into a JSON object. Base64 bodies (binary frames) are decoded first.
 * @throws RequestError `MESSAGE_TOO_LARGE` or `BAD_REQUEST` (missing, not JSON, not an object)
 */
export function parseMessageBody(body: string | undefined, isBase64Encoded = false): MessageBody {
  if (body === undefined || body === '') {
    throw new RequestError('BAD_REQUEST', 'The message body is empty; send a JSON object');
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  assertWithinMessageLimit(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RequestError('BAD_REQUEST', 'The message body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RequestError('BAD_REQUEST', 'The message body must be a JSON object');
  }
  return parsed as MessageBody;
}

/**
 * Returns `body.channel` when it is a valid channel name.
 * @throws RequestError `BAD_REQUEST` when missing, `INVALID_CHANNEL` when not a valid name
 */
export function channelOf(body: MessageBody): string {
  const { channel } = body;
  if (channel === undefined || channel === null) {
    throw new RequestError('BAD_REQUEST', 'The message has no "channel"');
  }
  if (typeof channel !== 'string' || !CHANNEL_NAME_PATTERN.test(channel)) {
    throw new RequestError(
      'INVALID_CHANNEL',
      'A channel name is 1 to 64 characters: letters, digits, "-", "_", "." or ":"',
    );
  }
  return channel;
}

/**
 * How deeply published `data` may nest arrays and objects: 64 levels (`1` and `"x"` are level 0,
 * `[]` and `{}` level 1, `[[1]]` level 2). A 128 KB message can nest ~60,000 levels, which
 * `JSON.parse` reads but `JSON.stringify` (the envelope sent to subscribers) cannot write: it
 * overflows the stack. The limit keeps that, and clients' own parsers, far from their limits.
 */
export const MAX_DATA_DEPTH = 64;

/**
 * Throws `BAD_REQUEST` when `value` nests arrays/objects more than `maxDepth` levels deep. Walks
 * the value without recursion and stops at the first node too deep.
 */
export function assertMaxDepth(value: unknown, maxDepth = MAX_DATA_DEPTH, what = '"data"'): void {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > maxDepth) {
      throw new RequestError('BAD_REQUEST', `${what} nests arrays and objects more than ${maxDepth} levels deep`);
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
}
