/**
 * `publish`: `{ "action": "publish", "channel": "<name>", "data": <any JSON> }` sends
 * `{ "type": "message", channel, data, sender, sentAt }` to every connection subscribed to the
 * channel (the sender too, when subscribed), and answers the sender with the delivery counts.
 */
import { connectionsApi } from './lib/clients';
import { connectionRepository } from './lib/connection-repository';
import { fanoutConcurrency } from './lib/env';
import { fanOut } from './lib/fanout';
import { metrics, MetricUnit } from './lib/observability';
import { ok, RequestError } from './lib/responses';
import { defineRoute } from './lib/route';
import { assertWithinMessageLimit, channelOf, parseMessageBody } from './lib/validation';

export const handler = defineRoute(async (event) => {
  const body = parseMessageBody(event.body, event.isBase64Encoded);
  const channel = channelOf(body);
  if (!('data' in body)) {
    throw new RequestError('BAD_REQUEST', 'The message has no "data" to publish');
  }
  const message = JSON.stringify({
    type: 'message',
    channel,
    data: body.data,
    sender: event.requestContext.authorizer?.sub ?? null,
    sentAt: new Date().toISOString(),
  });
  assertWithinMessageLimit(message, 'The message to deliver (data plus envelope)');

  const result = await fanOut({
    channel,
    message,
    repository: connectionRepository(),
    connections: await connectionsApi(),
    concurrency: fanoutConcurrency(),
  });
  metrics.addMetric('MessagesPublished', MetricUnit.Count, 1);
  metrics.addMetric('Deliveries', MetricUnit.Count, result.delivered);
  metrics.addMetric('GoneConnections', MetricUnit.Count, result.gone);
  metrics.addMetric('FailedDeliveries', MetricUnit.Count, result.failed);
  return ok({ type: 'published', channel, ...result });
});
