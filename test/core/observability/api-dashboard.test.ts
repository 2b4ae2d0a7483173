import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiDashboard } from '../../../lib/core/observability/api-dashboard';
import { ApiKind, ApiMetrics } from '../../../lib';
import { newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

interface Widget {
  type: string;
  width: number;
  properties: { title?: string; markdown?: string; metrics?: unknown[][]; yAxis?: { left?: { min?: number; max?: number } } };
}

/** The dashboard body as JSON, with CloudFormation intrinsics (Region, function names) as placeholders. */
function dashboardBody(): { widgets: Widget[] } {
  const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
  const [dashboard] = Object.values(dashboards) as Array<{ Properties: { DashboardBody: unknown } }>;
  const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${Object.keys(part as object)[0]}>`)).join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

function widget(title: string): Widget | undefined {
  return dashboardBody().widgets.find((w) => w.properties.title === title);
}

function titles(): Array<string | undefined> {
  return dashboardBody().widgets.map((w) => w.properties.title ?? w.properties.markdown);
}

function dashboard(kind: ApiKind, extra: { caching?: boolean; dashboardName?: string } = {}): ApiDashboard {
  const metrics = new ApiMetrics({ kind, apiIdentifier: kind === ApiKind.REST ? 'items-api' : 'abc123', stageName: 'prod' });
  return new ApiDashboard(stack, 'Dashboard', { metrics, title: 'Items API (prod)', ...extra });
}

describe('ApiDashboard: REST', () => {
  test('creates one dashboard with a heading and the REST widgets in order', () => {
    // WHEN
    dashboard(ApiKind.REST);

    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(titles()).toEqual(['# Items API (prod)', 'Requests', 'Error rates (5xx, 4xx)', 'Latency (ms)', 'Integration latency (ms)']);
    expect(dashboardBody().widgets[0]).toMatchObject({ type: 'text', width: 24 });
  });

  test('graphs requests and both error rates on a 0..1 axis', () => {
    dashboard(ApiKind.REST);
    expect(widget('Requests')?.properties.metrics).toEqual([
      ['AWS/ApiGateway', 'Count', 'ApiName', 'items-api', 'Stage', 'prod', { label: 'requests', period: 60, stat: 'Sum' }],
    ]);
    // Average is CloudWatch's default statistic, so CDK writes no stat for it (Sum above shows one).
    const errors = widget('Error rates (5xx, 4xx)');
    expect(errors?.properties.metrics).toEqual([
      ['AWS/ApiGateway', '5XXError', 'ApiName', 'items-api', 'Stage', 'prod', { label: '5xx', period: 60 }],
      ['AWS/ApiGateway', '4XXError', 'ApiName', 'items-api', 'Stage', 'prod', { label: '4xx', period: 60 }],
    ]);
    expect(errors?.properties.yAxis?.left).toMatchObject({ min: 0, max: 1 });
  });

  test('graphs latency and integration latency at p50, p90 and p99', () => {
    dashboard(ApiKind.REST);
    for (const [title, metricName] of [
      ['Latency (ms)', 'Latency'],
      ['Integration latency (ms)', 'IntegrationLatency'],
    ]) {
      const metrics = widget(title)?.properties.metrics ?? [];
      expect(metrics.map((m) => m[1])).toEqual([metricName, metricName, metricName]);
      expect(metrics.map((m) => (m[m.length - 1] as { stat: string }).stat)).toEqual(['p50', 'p90', 'p99']);
      expect(metrics.map((m) => (m[m.length - 1] as { label: string }).label)).toEqual(['p50', 'p90', 'p99']);
    }
  });

  test('has no cache hit ratio by default', () => {
    dashboard(ApiKind.REST);
    expect(widget('Cache hit ratio')).toBeUndefined();
    expect(JSON.stringify(dashboardBody())).not.toContain('CacheHitCount');
  });

  test('adds a cache hit ratio with caching', () => {
    // WHEN
    dashboard(ApiKind.REST, { caching: true });

    // THEN
    const cache = widget('Cache hit ratio');
    expect(cache).toBeDefined();
    const text = JSON.stringify(cache);
    expect(text).toContain('IF(hits + misses > 0, hits / (hits + misses), 0)');
    expect(text).toContain('CacheHitCount');
    expect(text).toContain('CacheMissCount');
    expect(cache?.properties.yAxis?.left).toMatchObject({ min: 0, max: 1 });
  });

  test('sets the dashboard name when given', () => {
    dashboard(ApiKind.REST, { dashboardName: 'items-prod' });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'items-prod' });
  });
});

describe('ApiDashboard: HTTP and WebSocket', () => {
  test('HTTP uses ApiId, 5xx/4xx, and ignores caching', () => {
    dashboard(ApiKind.HTTP, { caching: true });
    expect(titles()).toEqual(['# Items API (prod)', 'Requests', 'Error rates (5xx, 4xx)', 'Latency (ms)', 'Integration latency (ms)']);
    expect(widget('Error rates (5xx, 4xx)')?.properties.metrics?.map((m) => m.slice(0, 6))).toEqual([
      ['AWS/ApiGateway', '5xx', 'ApiId', 'abc123', 'Stage', 'prod'],
      ['AWS/ApiGateway', '4xx', 'ApiId', 'abc123', 'Stage', 'prod'],
    ]);
  });

  test('WebSocket graphs connections and messages, execution and client errors, and no Latency', () => {
    dashboard(ApiKind.WEBSOCKET);
    expect(titles()).toEqual(['# Items API (prod)', 'Connections and messages', 'Error rates (execution, client)', 'Integration latency (ms)']);
    expect(widget('Connections and messages')?.properties.metrics?.map((m) => m[1])).toEqual(['ConnectCount', 'MessageCount']);
    expect(widget('Error rates (execution, client)')?.properties.metrics?.map((m) => m[1])).toEqual(['ExecutionError', 'ClientError']);
    expect(widget('Integration latency (ms)')?.properties.metrics?.map((m) => (m[m.length - 1] as { stat: string }).stat)).toEqual(['p50', 'p90', 'p99']);
  });
});

describe('functions', () => {
  test('graphs errors, throttles and p90 duration of each function given', () => {
    // GIVEN
    const fn = LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:items-handler');

    // WHEN
    const metrics = new ApiMetrics({ kind: ApiKind.HTTP, apiIdentifier: 'abc123', stageName: 'prod' });
    new ApiDashboard(stack, 'Dashboard', { metrics, title: 'Items', functions: { items: fn } });

    // THEN
    const w = widget('Function items');
    expect(w?.properties.metrics?.map((m) => [m[0], m[1], m[2], m[3]])).toEqual([
      ['AWS/Lambda', 'Errors', 'FunctionName', 'items-handler'],
      ['AWS/Lambda', 'Throttles', 'FunctionName', 'items-handler'],
      ['AWS/Lambda', 'Duration', 'FunctionName', 'items-handler'],
    ]);
    const duration = w?.properties.metrics?.[2];
    expect(duration?.[duration.length - 1]).toMatchObject({ stat: 'p90', label: 'duration p90', yAxis: 'right' });
  });

  test('addFunction() appends a widget', () => {
    // GIVEN
    const d = dashboard(ApiKind.REST);

    // WHEN
    d.addFunction('authorizer', LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:auth'));

    // THEN
    expect(titles()[titles().length - 1]).toBe('Function authorizer');
  });
});
