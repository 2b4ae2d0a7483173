/**
 * Fan-out: posts one message to every connection of a channel through the API Gateway
 * management API, with at most `concurrency` posts in flight.
 *
 * One post's failure never stops the others. A connection that answers 410 Gone has left without
 * its `$disconnect` being run (or in the meantime): it is deleted with its subscriptions.
 */
import type { ConnectionsApi } from './connections-api';
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
}

export interface FanoutResult {
  /** Posts that API Gateway accepted. */
  readonly delivered: number;
  /** Connections that answered 410 Gone (and were purged). */
  readonly gone: number;
  /** Posts that failed otherwise (throttled, forbidden, network, ...). */
  readonly failed: number;
}

export async function fanOut(options: FanoutOptions): Promise<FanoutResult> {
  const { channel, repository, connections, concurrency } = options;
  // One buffer shared by every post: no per-subscriber serialization or encoding.
  const data = typeof options.message === 'string' ? Buffer.from(options.message, 'utf8') : options.message;
  let delivered = 0;
  let gone = 0;
  let failed = 0;

  // The first page holds one id per worker, so posting starts after a small read; later pages
  // (1 MB each) are read while the posts of the previous one run.
  const members = repository.channelMembers(channel, { firstPageSize: concurrency });
  await forEachConcurrently(members, concurrency, async (connectionId) => {
    try {
      await connections.postToConnection(connectionId, data);
      delivered += 1;
    } catch (err) {
      if (isGone(err)) {
        gone += 1;
        await purge(repository, connectionId);
      } else {
        failed += 1;
        logger.warn('Post to connection failed', { targetConnectionId: connectionId, channel, error: err as Error });
      }
    }
  });
  return { delivered, gone, failed };
}

/** True for the management API's 410 Gone: the connection no longer exists. */
export function isGone(err: unknown): boolean {
  // By name and status, which `ConnectionsApiError` and the SDK's `GoneException` both carry.
  const candidate = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}

async function purge(repository: ConnectionRepository, connectionId: string): Promise<void> {
  try {
    const deleted = await repository.deleteConnection(connectionId);
    logger.info('Purged gone connection', { targetConnectionId: connectionId, deletedItems: deleted });
  } catch (err) {
    // TTL removes the items eventually; the next publish retries the purge.
    logger.warn('Could not purge gone connection', { targetConnectionId: connectionId, error: err as Error });
  }
}
