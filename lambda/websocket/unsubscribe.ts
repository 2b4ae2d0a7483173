/**
 * `unsubscribe`: `{ "action": "unsubscribe", "channel": "<name>" }` leaves the channel (idempotent)
 * and frees its place under the connection's subscription cap.
 */
import { connectionRepository } from './lib/connection-repository';
import { metrics, MetricUnit } from './lib/observability';
import { ok } from './lib/responses';
import { defineRoute } from './lib/route';
import { channelOf, parseMessageBody } from './lib/validation';

export const handler = defineRoute(async (event) => {
  const channel = channelOf(parseMessageBody(event.body, event.isBase64Encoded));
  await connectionRepository().unsubscribe(event.requestContext.connectionId, channel);
  metrics.addMetric('Unsubscriptions', MetricUnit.Count, 1);
  return ok({ type: 'unsubscribed', channel });
});
