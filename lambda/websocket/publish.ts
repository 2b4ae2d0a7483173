/**
 * `publish`: `{ "action": "publish", "channel": "<name>", "data": <any JSON> }` sends
 * `{ "type": "message", channel, data, sender, sentAt }` to every connection subscribed to the
 * channel (the sender too, when subscribed), and answers the sender with the delivery counts:
 * `{ "type": "published", channel, delivered, gone, failed, timedOut? }`.
 *
 * - `data` may nest arrays and objects at most 64 levels deep (`MAX_DATA_DEPTH`); deeper is a
 *   `BAD_REQUEST` (400), as is anything else that cannot be serialized.
 * - The fan-out stops at `publishDeadline` (from `INTEGRATION_TIMEOUT_MS`, default 29000, and the
 *   function's remaining time; see `fanout.ts`), so the sender always gets an answer before API
 *   Gateway's integration timeout. Posts abandoned or not started at the deadline count as
 *   `failed` (and in the `FailedDeliveries` metric), and the answer carries `"timedOut": true`.
 */
import { connectionsApi } from './lib/clients';
import { connectionRepository } from './lib/connection-repository';
import { fanoutConcurrency, integrationTimeoutMs } from './lib/env';
import { fanOut, publishDeadline } from './lib/fanout';
import { metrics, MetricUnit } from './lib/observability';
import { ok, RequestError } from './lib/responses';
import { defineRoute } from './lib/route';
import { assertMaxDepth, assertWithinMessageLimit, channelOf, parseMessageBody } from './lib/validation';

export const handler = defineRoute(async (event, context) => {
  const startedAt = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline = publishDeadline({
    startedAt,
    integrationTimeoutMs: integrationTimeoutMs(),
    remainingTimeMs: typeof remaining === 'number' ? remaining : undefined,
  });

  const body = parseMessageBody(event.body, event.isBase64Encoded);
  const channel = channelOf(body);
  if (!('data' in body)) {
    throw new RequestError('BAD_REQUEST', 'The message has no "data" to publish');
  }
  assertMaxDepth(body.data);
  let message: string;
  try {
    message = JSON.stringify({
      type: 'message',
      channel,
      data: body.data,
      sender: event.requestContext.authorizer?.sub ?? null,
      sentAt: new Date().toISOString(),
    });
  } catch (err) {
    // Within the depth limit this does not happen; a RangeError is still the caller's data.
    if (err instanceof RangeError) throw new RequestError('BAD_REQUEST', 'The "data" to publish cannot be serialized');
    throw err;
  }
  assertWithinMessageLimit(message, 'The message to deliver (data plus envelope)');

  const { timedOut, ...counts } = await fanOut({
    channel,
    message,
    repository: connectionRepository(),
    connections: await connectionsApi(),
    concurrency: fanoutConcurrency(),
    deadline,
  });
  metrics.addMetric('MessagesPublished', MetricUnit.Count, 1);
  metrics.addMetric('Deliveries', MetricUnit.Count, counts.delivered);
  metrics.addMetric('GoneConnections', MetricUnit.Count, counts.gone);
  metrics.addMetric('FailedDeliveries', MetricUnit.Count, counts.failed);
  return ok({ type: 'published', channel, ...counts, ...(timedOut && { timedOut: true }) });
});
