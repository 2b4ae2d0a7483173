/**
 * The Powertools for AWS Lambda instances shared by every WebSocket handler of one function.
 *
 * They configure themselves from the standard variables: `POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_DISABLED`,
 * `POWERTOOLS_TRACE_ENABLED`. Tracing switches itself off outside Lambda, so tests need no X-Ray.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger();
export const metrics = new Metrics();
/**
 * Traces each invocation (see `defineRoute`) and, through `captureAWSv3Client`, every DynamoDB call.
 * `captureHTTPsRequests: false`: the Tracer would otherwise patch `http`/`https` globally and open
 * one subsegment per request — one per subscriber for the management API posts of a fan-out
 * (thousands per publish, at a CPU cost per post), and a second one for each DynamoDB call.
 */
export const tracer = new Tracer({ captureHTTPsRequests: false });
