/**
 * `$connect`: stores the connection with the identity the authorizer verified. A non-2xx answer
 * makes API Gateway refuse the connection, so a storage failure refuses it (500).
 */
import { connectionRepository } from './lib/connection-repository';
import { metrics, MetricUnit } from './lib/observability';
import { defineRoute } from './lib/route';

export const handler = defineRoute(async (event) => {
  const { connectionId, authorizer } = event.requestContext;
  const sub = authorizer?.sub || undefined;
  const scope = authorizer?.scope || undefined;
  await connectionRepository().putConnection({
    connectionId,
    userId: sub,
    claims: sub || scope ? { sub, scope } : undefined,
  });
  metrics.addMetric('Connections', MetricUnit.Count, 1);
  return { statusCode: 200 };
});
