import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { ApiKind } from '../api-base/api-kind';

/** Identifies one API stage in CloudWatch. */
export interface ApiMetricsProps {
  /** The kind of API: it decides the metric names and dimensions. */
  readonly kind: ApiKind;
  /**
   * REST: the API's name (dimension `ApiName`). HTTP and WebSocket: the API id (dimension `ApiId`).
   */
  readonly apiIdentifier: string;
  /** The stage name (dimension `Stage`). */
  readonly stageName: string;
}

/** CloudWatch metric names of each API kind (REST names differ in case from HTTP ones). */
const NAMES: Record<ApiKind, { serverError: string; clientError: string; count: string; latency?: string }> = {
  [ApiKind.REST]: { serverError: '5XXError', clientError: '4XXError', count: 'Count', latency: 'Latency' },
  [ApiKind.HTTP]: { serverError: '5xx', clientError: '4xx', count: 'Count', latency: 'Latency' },
  [ApiKind.WEBSOCKET]: { serverError: 'ExecutionError', clientError: 'ClientError', count: 'MessageCount' },
};

/**
 * The AWS/ApiGateway metrics of one API stage, in aws-cdk's style: `metric()` fills the namespace
 * and dimensions, the named helpers pick the metric and a sensible statistic. All default to a
 * 1-minute period; pass `props` to change statistic, period or label.
 */
export class ApiMetrics {
  /** The kind of API the metrics are of. */
  public readonly kind: ApiKind;
  private readonly dimensions: Record<string, string>;

  constructor(props: ApiMetricsProps) {
    this.kind = props.kind;
    this.dimensions =
      props.kind === ApiKind.REST
        ? { ApiName: props.apiIdentifier, Stage: props.stageName }
        : { ApiId: props.apiIdentifier, Stage: props.stageName };
  }

  /** Any AWS/ApiGateway metric of this stage. Default: Sum over 1 minute. */
  public metric(metricName: string, props: MetricOptions = {}): Metric {
    return new Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: this.dimensions,
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /**
   * Server-side errors: 5XXError (REST), 5xx (HTTP), ExecutionError (WebSocket).
   * Default: Average over 1 minute, which is the error rate from 0 to 1.
   */
  public metricServerError(props: MetricOptions = {}): Metric {
    return this.metric(NAMES[this.kind].serverError, { statistic: 'Average', ...props });
  }

  /**
   * Client-side errors: 4XXError (REST), 4xx (HTTP), ClientError (WebSocket).
   * Default: Average over 1 minute, which is the error rate from 0 to 1.
   */
  public metricClientError(props: MetricOptions = {}): Metric {
    return this.metric(NAMES[this.kind].clientError, { statistic: 'Average', ...props });
  }

  /** Requests (REST, HTTP: Count) or messages (WebSocket: MessageCount). Default: Sum over 1 minute. */
  public metricCount(props: MetricOptions = {}): Metric {
    return this.metric(NAMES[this.kind].count, props);
  }

  /**
   * Total latency as the client sees it (REST and HTTP only; WebSocket has IntegrationLatency).
   * Default: p90 over 1 minute.
   */
  public metricLatency(props: MetricOptions = {}): Metric {
    const name = NAMES[this.kind].latency ?? 'IntegrationLatency';
    return this.metric(name, { statistic: 'p90', ...props });
  }

  /** Time the backend took. Default: p90 over 1 minute. */
  public metricIntegrationLatency(props: MetricOptions = {}): Metric {
    return this.metric('IntegrationLatency', { statistic: 'p90', ...props });
  }

  /** REST cache hits. Default: Sum over 1 minute. */
  public metricCacheHitCount(props: MetricOptions = {}): Metric {
    return this.metric('CacheHitCount', props);
  }

  /** REST cache misses. Default: Sum over 1 minute. */
  public metricCacheMissCount(props: MetricOptions = {}): Metric {
    return this.metric('CacheMissCount', props);
  }

  /** WebSocket connect requests. Default: Sum over 1 minute. */
  public metricConnectCount(props: MetricOptions = {}): Metric {
    return this.metric('ConnectCount', props);
  }
}

/**
 * A metric the functions of an API construct publish themselves (Powertools or Embedded Metric
 * Format): `namespace`, dimension `service` (Powertools' default dimension, the API's name).
 * Default: Sum over 1 minute.
 */
export function serviceMetric(namespace: string, service: string, metricName: string, props: MetricOptions = {}): Metric {
  return new Metric({
    namespace,
    metricName,
    dimensionsMap: { service },
    statistic: 'Sum',
    period: Duration.minutes(1),
    ...props,
  });
}
