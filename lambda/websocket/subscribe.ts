/** `subscribe`: `{ "action": "subscribe", "channel": "<name>" }` joins the channel. */
import { ConnectionNotFoundError, connectionRepository } from './lib/connection-repository';
import { metrics, MetricUnit } from './lib/observability';
import { ok, RequestError } from './lib/responses';
import { defineRoute } from './lib/route';
import { channelOf, parseMessageBody } from './lib/validation';

export const handler = defineRoute(async (event) => {
  const channel = channelOf(parseMessageBody(event.body, event.isBase64Encoded));
  try {
    await connectionRepository().subscribe(event.requestContext.connectionId, channel);
  } catch (err) {
    if (err instanceof ConnectionNotFoundError) {
      throw new RequestError('BAD_REQUEST', 'This connection is not registered; reconnect and subscribe again');
    }
    throw err;
  }
  metrics.addMetric('Subscriptions', MetricUnit.Count, 1);
  return ok({ type: 'subscribed', channel });
});
