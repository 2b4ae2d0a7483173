import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric, IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { ApiMetrics } from './api-metrics';

/** Props of {@link ApiDashboard}. */
export interface ApiDashboardProps {
  /** The stage's metrics. */
  readonly metrics: ApiMetrics;
  /** Heading shown at the top of the dashboard. */
  readonly title: string;
  /**
   * Dashboard name.
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
  /**
   * Add a cache hit ratio graph (REST stages with a cache).
   * @default false
   */
  readonly caching?: boolean;
  /**
   * Functions behind the API, graphed by errors, throttles and duration.
   * @default - none
   */
  readonly functions?: Record<string, IFunction>;
}

const WIDTH = 8;

/**
 * One CloudWatch dashboard per API stage: traffic, latency p50/p90/p99, integration latency,
 * 4xx and 5xx rates, cache hit ratio when the stage caches, and the functions behind it.
 */
export class ApiDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ApiDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    const ws = m.kind === ApiKind.WEBSOCKET;
    const percentiles = (fn: (o: { statistic: string; label: string }) => ReturnType<ApiMetrics['metric']>) =>
      ['p50', 'p90', 'p99'].map((statistic) => fn({ statistic, label: statistic }));

    const widgets: IWidget[] = [
      new GraphWidget({
        title: ws ? 'Connections and messages' : 'Requests',
        left: ws ? [m.metricConnectCount({ label: 'connects' }), m.metricCount({ label: 'messages' })] : [m.metricCount({ label: 'requests' })],
        width: WIDTH,
      }),
      new GraphWidget({
        title: ws ? 'Error rates (execution, client)' : 'Error rates (5xx, 4xx)',
        left: [m.metricServerError({ label: ws ? 'execution errors' : '5xx' }), m.metricClientError({ label: ws ? 'client errors' : '4xx' })],
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: WIDTH,
      }),
    ];
    if (!ws) {
      widgets.push(new GraphWidget({ title: 'Latency (ms)', left: percentiles((o) => m.metricLatency(o)), width: WIDTH }));
    }
    widgets.push(new GraphWidget({ title: 'Integration latency (ms)', left: percentiles((o) => m.metricIntegrationLatency(o)), width: WIDTH }));
    if (props.caching && m.kind === ApiKind.REST) {
      widgets.push(
        new GraphWidget({
          title: 'Cache hit ratio',
          left: [
            new MathExpression({
              expression: 'IF(hits + misses > 0, hits / (hits + misses), 0)',
              usingMetrics: { hits: m.metricCacheHitCount(), misses: m.metricCacheMissCount() },
              label: 'hit ratio',
              period: Duration.minutes(1),
            }),
          ],
          leftYAxis: { min: 0, max: 1, showUnits: false },
          width: WIDTH,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions ?? {})) widgets.push(functionWidget(name, fn));
    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      widgets: [[new TextWidget({ markdown: `# ${props.title}`, width: 24, height: 1 })], widgets],
    });
  }

  /** Adds a graph of any metrics. */
  public addGraph(title: string, metrics: IMetric[]): void {
    this.dashboard.addWidgets(new GraphWidget({ title, left: metrics, width: WIDTH }));
  }

  /** Adds a graph of a function's errors, throttles and p90 duration. */
  public addFunction(name: string, fn: IFunction): void {
    this.dashboard.addWidgets(functionWidget(name, fn));
  }
}

function functionWidget(name: string, fn: IFunction): GraphWidget {
  const period = Duration.minutes(1);
  return new GraphWidget({
    title: `Function ${name}`,
    left: [fn.metricErrors({ label: 'errors', period }), fn.metricThrottles({ label: 'throttles', period })],
    right: [fn.metricDuration({ statistic: 'p90', label: 'duration p90', period })],
    width: WIDTH,
  });
}
