/**
 * Fan-out: posts one message to every connection of a channel through the API Gateway
 * management API, with at most `concurrency` posts in flight.
 *
 * One post's failure never stops the others. A connection that answers 410 Gone has left without
 * its `$disconnect` being run (or in the meantime): it is deleted with its subscriptions.
 *
 * Deadline (`deadline`, epoch ms; the publish route passes `publishDeadline(...)`): the fan-out
 * settles by then, so the route can still answer the sender before API Gateway's integration
 * timeout.
 * - Each post's attempts, timeouts and backoffs are fitted before the deadline (`ConnectionsApi`):
 *   a post still waiting for an answer at the deadline is abandoned, a retry that cannot finish
 *   before it is not made.
 * - Members read from the table but not posted to before the deadline are not posted to.
 * - At the deadline the channel read in progress, and a 410 purge in progress, are aborted (a purge
 *   left undone is redone by the next publish that gets 410, or the items expire by TTL).
 * Every post that was abandoned, not retried, or not started counts as `failed`, and the result
 * carries `timedOut: true`. Members that had not been read from the table yet when the deadline
 * passed are in no count.
 */
import type { ConnectionsApi } from './connections-api';
import { DEADLINE_EXCEEDED } from './connections-api';
import type { ConnectionRepository } from './connection-repository';
import { logger } from './observability';
import { forEachConcurrently } from './worker-pool';

export interface FanoutOptions {
  readonly channel: string;
  /** The message, already serialized; encoded once and sent identically to every member. */
  readonly message: string | Uint8Array;
  readonly repository: ConnectionRepository;
  /** Posts to one connection (a `ConnectionsApi`); rejects with the management API's error. */
  readonly connections: Pick<ConnectionsApi, 'postToConnection'>;
  readonly concurrency: number;
  /** Epoch ms by which the fan-out settles (see the module comment). Default: none. */
  readonly deadline?: number;
}

export interface FanoutResult {
  /** Posts that API Gateway accepted. */
  readonly delivered: number;
  /** Connections that answered 410 Gone (and were purged). */
  readonly gone: number;
  /**
   * Posts that failed otherwise (throttled, forbidden, network, ...), including those abandoned or
   * not started because of the deadline.
   */
  readonly failed: number;
  /** True when the deadline stopped the fan-out before every member was read and posted to. */
  readonly timedOut: boolean;
}

/** What `publishDeadline` keeps free before the limit, at most: 1 s. */
export const DEADLINE_MARGIN_MS = 1000;
/** ... and at most this fraction of the limit, so that short integration timeouts keep a budget. */
export const DEADLINE_MARGIN_FRACTION = 0.2;

export interface PublishDeadlineInput {
  /** Epoch ms when the invocation started. */
  readonly startedAt: number;
  /** The route's integration timeout (`INTEGRATION_TIMEOUT_MS`). */
  readonly integrationTimeoutMs: number;
  /** The Lambda context's `getRemainingTimeInMillis()` at `startedAt`, when available. */
  readonly remainingTimeMs?: number;
}

/**
 * The fan-out deadline of a publish: `startedAt + limit - margin`, where `limit` is the smaller of
 * the integration timeout and the function's remaining time, and `margin` is
 * `min(1000 ms, 20% of limit)`. The margin is for what happens outside the fan-out's budget: the
 * invocation's start before the handler runs (a cold start), settling the abandoned posts, the
 * answer, the metrics flush. With the default 29 s integration timeout the fan-out stops at 28 s.
 */
export function publishDeadline(input: PublishDeadlineInput): number {
  const { startedAt, integrationTimeoutMs, remainingTimeMs } = input;
  const limit =
    remainingTimeMs !== undefined && Number.isFinite(remainingTimeMs) ? Math.min(integrationTimeoutMs, remainingTimeMs) : integrationTimeoutMs;
  const margin = Math.min(DEADLINE_MARGIN_MS, Math.ceil(Math.max(0, limit) * DEADLINE_MARGIN_FRACTION));
  return startedAt + limit - margin;
}

export async function fanOut(options: FanoutOptions): Promise<FanoutResult> {
  const { channel, repository, connections, concurrency, deadline } = options;
  if (deadline !== undefined && Date.now() >= deadline) {
    logger.warn('Fan-out not started: its deadline has passed', { channel });
    return { delivered: 0, gone: 0, failed: 0, timedOut: true };
  }
  // One buffer shared by every post: no per-subscriber serialization or encoding.
  const data = typeof options.message === 'string' ? Buffer.from(options.message, 'utf8') : options.message;
  let delivered = 0;
  let gone = 0;
  let failed = 0;
  /** Members read but not posted to because the deadline had passed (logged once, not each). */
  let notStarted = 0;
  /** Set when the deadline cut a post or the channel read short. */
  let cut = false;

  // At the deadline: abort the table reads (channel pages, purges) in progress.
  const stop = new AbortController();
  const timer = deadline === undefined ? undefined : setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  const pastDeadline = () => stop.signal.aborted || (deadline !== undefined && Date.now() >= deadline);

  // The first page holds one id per worker, so posting starts after a small read; later pages
  // (1 MB each) are read while the posts of the previous one run.
  const members = repository.channelMembers(channel, { firstPageSize: concurrency, signal: stop.signal });
  try {
    await forEachConcurrently(members, concurrency, async (connectionId) => {
      if (pastDeadline()) {
        failed += 1;
        notStarted += 1;
        return;
      }
      try {
        await connections.postToConnection(connectionId, data, { deadline });
        delivered += 1;
      } catch (err) {
        if (isGone(err)) {
          gone += 1;
          await purge(repository, connectionId, stop.signal);
        } else if ((err as { name?: unknown } | null)?.name === DEADLINE_EXCEEDED) {
          failed += 1;
          notStarted += 1;
        } else {
          failed += 1;
          if (pastDeadline()) cut = true;
          logger.warn('Post to connection failed', { targetConnectionId: connectionId, channel, error: err as Error });
        }
      }
    });
  } catch (err) {
    // Reading the channel failed. After the deadline that is the abort: the rest goes unread.
    if (!pastDeadline()) throw err;
    cut = true;
  } finally {
    clearTimeout(timer);
  }
  const timedOut = cut || notStarted > 0;
  if (timedOut) {
    logger.warn('Fan-out stopped at its deadline', { channel, delivered, gone, failed, notStarted });
  }
  return { delivered, gone, failed, timedOut };
}

/** True for the management API's 410 Gone: the connection no longer exists. */
export function isGone(err: unknown): boolean {
  // By name and status, which `ConnectionsApiError` and the SDK's `GoneException` both carry.
  const candidate = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}

async function purge(repository: ConnectionRepository, connectionId: string, signal: AbortSignal): Promise<void> {
  try {
    const deleted = await repository.deleteConnection(connectionId, { signal });
    logger.info('Purged gone connection', { targetConnectionId: connectionId, deletedItems: deleted });
  } catch (err) {
    // TTL removes the items eventually; the next publish retries the purge.
    logger.warn('Could not purge gone connection', { targetConnectionId: connectionId, error: err as Error });
  }
}
