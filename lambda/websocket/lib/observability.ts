/**
 * The Powertools for AWS Lambda instances shared by every WebSocket handler of one function.
 *
 * They configure themselves from the standard variables: `POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_DISABLED`,
 * `POWERTOOLS_TRACE_ENABLED`. Tracing switches itself off outside Lambda, so tests need no X-Ray.
 *
 * The Tracer is the largest of the three (about 35 ms of module load with the X-Ray SDK), so it is
 * loaded on the first invocation that traces, and never when `POWERTOOLS_TRACE_ENABLED` is `false`
 * (the construct sets it from the stage profile's `tracing`): untraced functions start faster.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger();
export const metrics = new Metrics();

/** True unless `POWERTOOLS_TRACE_ENABLED` turns tracing off (`false` or `0`, any case). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase();
  return value !== 'false' && value !== '0';
}

let tracerLoad: Promise<Tracer> | undefined;

/**
 * The Tracer, created on first use; undefined when tracing is off, in which case the module is
 * never loaded. Traces each invocation (see `defineRoute`) and, through `captureAWSv3Client`,
 * every DynamoDB call. `captureHTTPsRequests: false`: the Tracer would otherwise patch
 * `http`/`https` globally and open one subsegment per request — one per subscriber for the
 * management API posts of a fan-out (thousands per publish, at a CPU cost per post), and a second
 * one for each DynamoDB call.
 */
export async function handlerTracer(): Promise<Tracer | undefined> {
  if (!tracingEnabled()) return undefined;
  tracerLoad ??= import('@aws-lambda-powertools/tracer').then(({ Tracer: TracerClass }) => new TracerClass({ captureHTTPsRequests: false }));
  return tracerLoad;
}
