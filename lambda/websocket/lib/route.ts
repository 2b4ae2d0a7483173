/**
 * `defineRoute` turns a route's logic into a Lambda handler with the cross-cutting behaviour every
 * WebSocket route needs, so handlers contain only their own logic:
 * - logs carry the route key, connection id and request id; the cold start is annotated;
 * - a `RequestError` becomes the matching error answer (logged at info: the caller's mistake);
 * - anything else is logged with its stack, added to the trace, and answered with `INTERNAL` —
 *   the handler never rejects, so API Gateway never answers "Internal server error";
 * - metrics are flushed after every invocation (`RequestErrors` / `InternalErrors` counted here,
 *   route metrics added by the logic).
 */
import type { Context } from 'aws-lambda';
import type { WebSocketEvent } from './events';
import { handlerTracer, logger, metrics, MetricUnit } from './observability';
import type { WebSocketResult } from './responses';
import { internalErrorAnswer, RequestError, requestErrorAnswer } from './responses';

export type RouteLogic = (event: WebSocketEvent, context?: Context) => Promise<WebSocketResult>;
export type WebSocketRouteHandler = (event: WebSocketEvent, context?: Context) => Promise<WebSocketResult>;

export function defineRoute(logic: RouteLogic): WebSocketRouteHandler {
  return async (event, context) => {
    const { routeKey, connectionId, requestId } = event.requestContext ?? {};
    if (context) {
      logger.addContext(context);
    }
    logger.appendKeys({ routeKey, connectionId, awsRequestId: requestId });
    metrics.captureColdStartMetric();

    const tracer = await handlerTracer();
    const parentSegment = tracer?.getSegment();
    const segment = parentSegment?.addNewSubsegment(`## ${routeKey ?? 'route'}`);
    if (segment) {
      tracer?.setSegment(segment);
    }
    tracer?.annotateColdStart();
    tracer?.addServiceNameAnnotation();
    try {
      return await logic(event, context);
    } catch (err) {
      if (err instanceof RequestError) {
        logger.info('Request rejected', { code: err.code, reason: err.message });
        metrics.addMetric('RequestErrors', MetricUnit.Count, 1);
        return requestErrorAnswer(err);
      }
      logger.error('Route failed', err as Error);
      tracer?.addErrorAsMetadata(err as Error);
      metrics.addMetric('InternalErrors', MetricUnit.Count, 1);
      return internalErrorAnswer();
    } finally {
      segment?.close();
      if (parentSegment) {
        tracer?.setSegment(parentSegment);
      }
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
