/**
 * `subscribe`: `{ "action": "subscribe", "channel": "<name>" }` joins the channel. Joining a channel
 * already joined succeeds and changes nothing. A connection may join at most
 * `MAX_SUBSCRIPTIONS_PER_CONNECTION` channels (default 100); one more is refused with
 * `TOO_MANY_SUBSCRIPTIONS` (400) until it unsubscribes from one.
 */
import { ConnectionNotFoundError, connectionRepository, TooManySubscriptionsError } from './lib/connection-repository';
import { maxSubscriptionsPerConnection } from './lib/env';
import { metrics, MetricUnit } from './lib/observability';
import { ok, RequestError } from './lib/responses';
import { defineRoute } from './lib/route';
import { channelOf, parseMessageBody } from './lib/validation';

export const handler = defineRoute(async (event) => {
  const maxSubscriptions = maxSubscriptionsPerConnection();
  const channel = channelOf(parseMessageBody(event.body, event.isBase64Encoded));
  try {
    await connectionRepository().subscribe(event.requestContext.connectionId, channel, { maxSubscriptions });
  } catch (err) {
    if (err instanceof ConnectionNotFoundError) {
      throw new RequestError('BAD_REQUEST', 'This connection is not registered; reconnect and subscribe again');
    }
    if (err instanceof TooManySubscriptionsError) {
      throw new RequestError(
        'TOO_MANY_SUBSCRIPTIONS',
        `A connection can join at most ${maxSubscriptions} channels; unsubscribe from one first`,
      );
    }
    throw err;
  }
  metrics.addMetric('Subscriptions', MetricUnit.Count, 1);
  return ok({ type: 'subscribed', channel });
});
