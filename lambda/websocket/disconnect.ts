/**
 * `$disconnect`: deletes the connection item, then all its subscriptions (in that order, so that a
 * concurrent `subscribe` cannot leave one behind; see `connection-repository.ts`). API Gateway runs
 * it on a best-effort basis; connections it misses are purged by the next publish that reaches them
 * (410 Gone) and by the table's TTL.
 */
import { connectionRepository } from './lib/connection-repository';
import { metrics, MetricUnit } from './lib/observability';
import { defineRoute } from './lib/route';

export const handler = defineRoute(async (event) => {
  await connectionRepository().deleteConnection(event.requestContext.connectionId);
  metrics.addMetric('Disconnections', MetricUnit.Count, 1);
  return { statusCode: 200 };
});
