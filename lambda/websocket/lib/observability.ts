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
export const tracer = new Tracer();
