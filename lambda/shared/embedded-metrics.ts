/**
 * CloudWatch Embedded Metric Format (EMF) for handlers that do not load Powertools: the fields that
 * make one JSON log line also count one metric, which CloudWatch Logs extracts. It reads the same
 * variables as Powertools, so a construct configures every function alike:
 * - `POWERTOOLS_METRICS_NAMESPACE`: the namespace (no metric without it);
 * - `POWERTOOLS_SERVICE_NAME`: the `service` dimension (Powertools' default dimension).
 */

/**
 * Writes one JSON log line straight to stdout. With the JSON log format the functions of this
 * library use, the Lambda runtime wraps whatever `console.log` prints as the `message` of its own
 * JSON object, so EMF fields would no longer be at the top level and CloudWatch would extract no
 * metric. Lines written to stdout reach CloudWatch Logs as they are.
 */
export function writeLogLine(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

/** The EMF fields that count `metricName` once; empty when no namespace is configured. */
export function countMetricFields(metricName: string, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): Record<string, unknown> {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim();
  if (!namespace) return {};
  return {
    _aws: {
      Timestamp: now(),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['service']], Metrics: [{ Name: metricName, Unit: 'Count' }] }],
    },
    service: env.POWERTOOLS_SERVICE_NAME?.trim() || 'service_undefined',
    [metricName]: 1,
  };
}
