import { Duration } from 'aws-cdk-lib';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { ApiKind, ApiMetrics } from '../../../lib';

const rest = () => new ApiMetrics({ kind: ApiKind.REST, apiIdentifier: 'items-api', stageName: 'prod' });
const http = () => new ApiMetrics({ kind: ApiKind.HTTP, apiIdentifier: 'a1b2c3', stageName: '$default' });
const ws = () => new ApiMetrics({ kind: ApiKind.WEBSOCKET, apiIdentifier: 'w1s2', stageName: 'live' });

function describeMetric(m: Metric) {
  return { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, statistic: m.statistic, period: m.period.toSeconds() };
}

describe('ApiMetrics', () => {
  test('REST uses ApiName and Stage dimensions', () => {
    expect(rest().metricCount().dimensions).toEqual({ ApiName: 'items-api', Stage: 'prod' });
  });

  test.each([
    ['HTTP', http, { ApiId: 'a1b2c3', Stage: '$default' }],
    ['WebSocket', ws, { ApiId: 'w1s2', Stage: 'live' }],
  ])('%s uses ApiId and Stage dimensions', (_kind, make, dimensions) => {
    expect(make().metricServerError().dimensions).toEqual(dimensions);
  });

  test('metric() fills namespace and dimensions, Sum over 1 minute by default', () => {
    expect(describeMetric(rest().metric('IntegrationLatency'))).toEqual({
      namespace: 'AWS/ApiGateway',
      metricName: 'IntegrationLatency',
      dimensions: { ApiName: 'items-api', Stage: 'prod' },
      statistic: 'Sum',
      period: 60,
    });
  });

  test.each([
    ['REST', rest, '5XXError', '4XXError', 'Count', 'Latency'],
    ['HTTP', http, '5xx', '4xx', 'Count', 'Latency'],
    ['WEBSOCKET', ws, 'ExecutionError', 'ClientError', 'MessageCount', 'IntegrationLatency'],
  ])('%s metric names and default statistics', (kind, make, serverError, clientError, count, latency) => {
    // GIVEN
    const m = make();

    // THEN
    expect(m.kind).toBe(kind);
    expect(describeMetric(m.metricServerError())).toMatchObject({ namespace: 'AWS/ApiGateway', metricName: serverError, statistic: 'Average', period: 60 });
    expect(describeMetric(m.metricClientError())).toMatchObject({ metricName: clientError, statistic: 'Average', period: 60 });
    expect(describeMetric(m.metricCount())).toMatchObject({ metricName: count, statistic: 'Sum', period: 60 });
    expect(describeMetric(m.metricLatency())).toMatchObject({ metricName: latency, statistic: 'p90', period: 60 });
    expect(describeMetric(m.metricIntegrationLatency())).toMatchObject({ metricName: 'IntegrationLatency', statistic: 'p90', period: 60 });
  });

  test('REST cache metrics and WebSocket connect count are sums per minute', () => {
    expect(describeMetric(rest().metricCacheHitCount())).toMatchObject({ metricName: 'CacheHitCount', statistic: 'Sum', period: 60 });
    expect(describeMetric(rest().metricCacheMissCount())).toMatchObject({ metricName: 'CacheMissCount', statistic: 'Sum', period: 60 });
    expect(describeMetric(ws().metricConnectCount())).toMatchObject({ metricName: 'ConnectCount', statistic: 'Sum', period: 60, dimensions: { ApiId: 'w1s2', Stage: 'live' } });
  });

  test('props override statistic, period and label', () => {
    // WHEN
    const m = rest().metricServerError({ statistic: 'Sum', period: Duration.minutes(5), label: '5xx count' });

    // THEN
    expect(m.metricName).toBe('5XXError');
    expect(m.statistic).toBe('Sum');
    expect(m.period.toSeconds()).toBe(300);
    expect(m.label).toBe('5xx count');
  });

  test('a percentile can replace p90', () => {
    expect(http().metricLatency({ statistic: 'p99' }).statistic).toBe('p99');
  });
});
