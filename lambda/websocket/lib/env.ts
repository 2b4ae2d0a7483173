/**
 * Typed access to the environment variables that the RealtimeWebSocketApi construct sets on its
 * handlers. Each reader validates its variable and names it in the error, so a misconfigured
 * function logs exactly what is wrong. Values are read when asked for (not at import), so a missing
 * variable fails one invocation with a logged error instead of the whole execution environment.
 */

/** Raised when a variable the handler needs is missing or unusable. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** API Gateway closes a WebSocket when a message exceeds 128 KB (see /work/shared/FACTS.md). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Default worker count of the publish fan-out when `FANOUT_CONCURRENCY` is not set. */
export const DEFAULT_FANOUT_CONCURRENCY = 100;

/** Upper bound on `FANOUT_CONCURRENCY`; more parallel posts than this only queue in the HTTP agent. */
export const MAX_FANOUT_CONCURRENCY = 1000;

type Env = NodeJS.ProcessEnv;

/** Returns the trimmed value of `name`, or throws `ConfigurationError` when it is unset or blank. */
export function requiredEnv(name: string, env: Env = process.env): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigurationError(`Environment variable ${name} must be set`);
  }
  return value;
}

/** `CONNECTIONS_TABLE_NAME`: the table holding connection and subscription items. */
export function connectionsTableName(env: Env = process.env): string {
  return requiredEnv('CONNECTIONS_TABLE_NAME', env);
}

/** Name of the channel index when `CHANNEL_INDEX_NAME` is not set. */
export const DEFAULT_CHANNEL_INDEX_NAME = 'byChannel';

/** `CHANNEL_INDEX_NAME`: the sparse GSI keyed by `channel` (default `byChannel`). */
export function channelIndexName(env: Env = process.env): string {
  return env.CHANNEL_INDEX_NAME?.trim() || DEFAULT_CHANNEL_INDEX_NAME;
}

/**
 * `CALLBACK_URL`: the management API endpoint, `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`.
 * Only `http:` and `https:` URLs are accepted (tests point it at a loopback `http:` server).
 */
export function callbackUrl(env: Env = process.env): string {
  const value = requiredEnv('CALLBACK_URL', env);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`CALLBACK_URL must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`CALLBACK_URL must be an http(s) URL (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

/** `AVAILABLE_ROUTES`: comma-separated route keys that clients may use; empty when unset. */
export function availableRoutes(env: Env = process.env): string[] {
  return (env.AVAILABLE_ROUTES ?? '')
    .split(',')
    .map((route) => route.trim())
    .filter((route) => route !== '');
}

/** `FANOUT_CONCURRENCY`: parallel posts of one publish, an integer in 1..1000 (default 100). */
export function fanoutConcurrency(env: Env = process.env): number {
  return integerEnv(env, 'FANOUT_CONCURRENCY', DEFAULT_FANOUT_CONCURRENCY, 1, MAX_FANOUT_CONCURRENCY);
}

/**
 * The whole number in `name`, from `min` to `max`; `fallback` when unset or blank.
 * @throws ConfigurationError naming the variable when the value is not such a number
 */
function integerEnv(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) {
    return fallback;
  }
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a positive integer` : `an integer from ${min} to ${max}`;
    throw new ConfigurationError(`${name} must be ${range} (got "${raw}")`);
  }
  return value;
}

/** `INTEGRATION_TIMEOUT_MS` when unset: API Gateway's default (and maximum) integration timeout, 29 s. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
/** API Gateway's smallest integration timeout. */
export const MIN_INTEGRATION_TIMEOUT_MS = 50;

/**
 * `INTEGRATION_TIMEOUT_MS`: the route's API Gateway integration timeout, an integer in 50..29000
 * (default 29000). API Gateway stops waiting for the function after it, and the caller gets no
 * answer; the publish fan-out finishes before it (see `publishDeadline` in `fanout.ts`).
 */
export function integrationTimeoutMs(env: Env = process.env): number {
  return integerEnv(env, 'INTEGRATION_TIMEOUT_MS', DEFAULT_INTEGRATION_TIMEOUT_MS, MIN_INTEGRATION_TIMEOUT_MS, DEFAULT_INTEGRATION_TIMEOUT_MS);
}

/** Channels one connection may join when `MAX_SUBSCRIPTIONS_PER_CONNECTION` is not set. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

/**
 * `MAX_SUBSCRIPTIONS_PER_CONNECTION`: how many channels one connection may join at a time, a
 * positive integer (default 100).
 */
export function maxSubscriptionsPerConnection(env: Env = process.env): number {
  return integerEnv(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, 1, Number.MAX_SAFE_INTEGER);
}
