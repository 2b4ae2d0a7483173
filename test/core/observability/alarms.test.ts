import type { Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ApiAlarms } from '../../../lib/core/observability/alarms';
import { ApiKind, ApiMetrics, StageProfile } from '../../../lib';
import { newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const REST_DIMS = [
  { Name: 'ApiName', Value: 'items-api' },
  { Name: 'Stage', Value: 'prod' },
];
const V2_DIMS = [
  { Name: 'ApiId', Value: 'abc123' },
  { Name: 'Stage', Value: 'prod' },
];

function alarms(kind: ApiKind, profile = StageProfile.prod()): ApiAlarms {
  const metrics = new ApiMetrics({ kind, apiIdentifier: kind === ApiKind.REST ? 'items-api' : 'abc123', stageName: 'prod' });
  return new ApiAlarms(stack, 'Alarms', { metrics, profile, apiLabel: 'Items API' });
}

const common = { Namespace: 'AWS/ApiGateway', Period: 60, TreatMissingData: 'notBreaching' };

describe('ApiAlarms: REST', () => {
  test('creates exactly the three recommended alarms', () => {
    const a = alarms(ApiKind.REST);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(a.alarms).toHaveLength(3);
  });

  test('5XXError: Average > 0.05, 3 of 3', () => {
    alarms(ApiKind.REST);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: '5XXError',
      Dimensions: REST_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      AlarmDescription: 'Items API: more than 5% of requests answered 5xx for 3 minutes',
    });
  });

  test('4XXError: Average > 0.05, 5 of 5', () => {
    alarms(ApiKind.REST);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: '4XXError',
      Dimensions: REST_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
  });

  test('Latency: p90 >= 2500 ms, 5 of 5', () => {
    alarms(ApiKind.REST);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'Latency',
      Dimensions: REST_DIMS,
      ExtendedStatistic: 'p90',
      Statistic: Match.absent(),
      Threshold: 2500,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      AlarmDescription: 'Items API: p90 latency at or above 2500 ms for 5 minutes',
    });
  });

  test('thresholds come from the profile', () => {
    alarms(ApiKind.REST, StageProfile.prod({ alarmThresholds: { serverErrorRate: 0.1, clientErrorRate: 0.25, latencyP90: Duration.seconds(3) } }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Threshold: 0.1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '4XXError', Threshold: 0.25 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 3000 });
  });

  test('BUG: a rate like 0.07 is described as 7%, without float noise', () => {
    alarms(ApiKind.REST, StageProfile.prod({ alarmThresholds: { serverErrorRate: 0.07 } }));
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      AlarmDescription: 'Items API: more than 7% of requests answered 5xx for 3 minutes',
    });
  });
});

describe('ApiAlarms: HTTP', () => {
  test('5xx, 4xx and Latency with ApiId and Stage', () => {
    alarms(ApiKind.HTTP);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: '5xx',
      Dimensions: V2_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: '4xx',
      Dimensions: V2_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'Latency',
      Dimensions: V2_DIMS,
      ExtendedStatistic: 'p90',
      Threshold: 2500,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
  });
});

describe('ApiAlarms: WebSocket', () => {
  test('ExecutionError, ClientError and IntegrationLatency p90 >= 2000 ms', () => {
    alarms(ApiKind.WEBSOCKET);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'ExecutionError',
      Dimensions: V2_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      AlarmDescription: 'Items API: more than 5% of messages failed in execution for 3 minutes',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'ClientError',
      Dimensions: V2_DIMS,
      Statistic: 'Average',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'IntegrationLatency',
      Dimensions: V2_DIMS,
      ExtendedStatistic: 'p90',
      Threshold: 2000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
  });

  test('has no Latency alarm (WebSocket has no Latency metric)', () => {
    alarms(ApiKind.WEBSOCKET);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Latency' } }))).toEqual([]);
  });

  test('integration latency threshold comes from the profile', () => {
    alarms(ApiKind.WEBSOCKET, StageProfile.prod({ alarmThresholds: { integrationLatencyP90: Duration.millis(1500) } }));
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IntegrationLatency', Threshold: 1500 });
  });
});

describe('alarm actions', () => {
  test('notify the profile topic on ALARM and on OK', () => {
    // GIVEN
    const topic = new Topic(stack, 'Topic');

    // WHEN
    alarms(ApiKind.HTTP, StageProfile.prod({ alarmTopic: topic }));

    // THEN
    const found = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
        OKActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      },
    });
    expect(Object.keys(found)).toHaveLength(3);
  });

  test('are absent without a topic', () => {
    alarms(ApiKind.REST, StageProfile.dev());
    const found = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmActions: Match.absent(), OKActions: Match.absent() },
    });
    expect(Object.keys(found)).toHaveLength(3);
  });
});

describe('addFunctionAlarms', () => {
  test('adds an Errors and a Throttles alarm: Sum >= 1 in one minute', () => {
    // GIVEN
    const a = alarms(ApiKind.HTTP);
    const fn = LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:items-handler');

    // WHEN
    const created = a.addFunctionAlarms('Items', fn);

    // THEN
    expect(created).toHaveLength(2);
    expect(a.alarms).toHaveLength(5);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const [metricName, description] of [
      ['Errors', 'Function Items: 1 or more errors in a minute'],
      ['Throttles', 'Function Items: 1 or more throttled invocations in a minute'],
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: 'items-handler' }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: description,
      });
    }
  });

  test('uses the profile thresholds and topic', () => {
    // GIVEN
    const topic = new Topic(stack, 'Topic');
    const a = alarms(ApiKind.REST, StageProfile.prod({ alarmTopic: topic, alarmThresholds: { functionErrors: 3, functionThrottles: 10 } }));

    // WHEN
    a.addFunctionAlarms('Items', LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:items-handler'));

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Threshold: 3,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Threshold: 10 });
  });

  test('gives each function its own alarm ids', () => {
    const a = alarms(ApiKind.REST);
    a.addFunctionAlarms('Read', LambdaFunction.fromFunctionName(stack, 'R', 'read'));
    a.addFunctionAlarms('Write', LambdaFunction.fromFunctionName(stack, 'W', 'write'));
    expect(a.alarms.map((alarm) => alarm.node.id)).toEqual([
      'ServerErrors',
      'ClientErrors',
      'LatencyP90',
      'ReadErrors',
      'ReadThrottles',
      'WriteErrors',
      'WriteThrottles',
    ]);
  });
});
