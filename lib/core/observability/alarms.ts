import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRuleInPacks, REASONS } from '../compliance/acknowledgments';
import { ApiKind } from '../api-base/api-kind';
import type { ApiMetrics } from './api-metrics';
import type { StageProfile } from '../stage/stage-profile';

/** A 0..1 rate as a readable percentage: 0.07 -> "7%". */
function percent(rate: number): string {
  return `${+(rate * 100).toFixed(2)}%`;
}

/** One alarm to create: what it watches and when it fires. */
interface AlarmSpec {
  readonly id: string;
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly periods: number;
  readonly description: string;
}

/** Creates an alarm from a spec, wired to the profile's topic (on ALARM and on OK). */
function createAlarm(scope: Construct, spec: AlarmSpec, profile: StageProfile): Alarm {
  const alarm = new Alarm(scope, spec.id, {
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: spec.comparison,
    evaluationPeriods: spec.periods,
    datapointsToAlarm: spec.periods,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: spec.description,
  });
  if (profile.alarmTopic) {
    const action = new SnsAction(profile.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  } else {
    acknowledgeRuleInPacks(alarm, ['NIST.800.53.R5', 'HIPAA.Security'], 'CloudWatchAlarmAction', REASONS.noAlarmTopic);
    acknowledgeGuardRule(alarm, 'cloudwatch_alarm_action_check', REASONS.noAlarmTopic);
  }
  return alarm;
}

/** Options of {@link ApiAlarms.addFunctionAlarms}. */
export interface FunctionAlarmOptions {
  /**
   * Alarm on the function's Lambda `Errors` metric. Turn it off for functions that throw by design,
   * such as Lambda authorizers, which refuse a token by throwing `Unauthorized`.
   * @default true
   */
  readonly errors?: boolean;
}

/** Props of {@link ApiAlarms}. */
export interface ApiAlarmsProps {
  /** The stage's metrics. */
  readonly metrics: ApiMetrics;
  /** Thresholds and the optional topic. */
  readonly profile: StageProfile;
  /** A readable name of the API for alarm descriptions. */
  readonly apiLabel: string;
}

/**
 * AWS's recommended alarms for an API stage (CloudWatch best-practice alarm recommendations),
 * with thresholds from the stage profile, plus `addFunctionAlarms()` for the functions behind it.
 * All use a 1-minute period with datapoints-to-alarm equal to the evaluation periods, and treat
 * missing data as not breaching (no traffic is not an outage).
 */
export class ApiAlarms extends Construct {
  /** Every alarm created so far. */
  public readonly alarms: Alarm[] = [];
  /** The server-error alarm (5xx rate; WebSocket execution errors). */
  public readonly serverErrors: Alarm;

  private readonly profile: StageProfile;

  constructor(scope: Construct, id: string, props: ApiAlarmsProps) {
    super(scope, id);
    this.profile = props.profile;
    const { metrics, apiLabel } = props;
    const t = props.profile.alarmThresholds;
    const specs: AlarmSpec[] = [
      {
        id: 'ServerErrors',
        metric: metrics.metricServerError(),
        threshold: t.serverErrorRate,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        periods: 3,
        description: `${apiLabel}: more than ${percent(t.serverErrorRate)} of ${metrics.kind === ApiKind.WEBSOCKET ? 'messages failed in execution' : 'requests answered 5xx'} for 3 minutes`,
      },
      {
        id: 'ClientErrors',
        metric: metrics.metricClientError(),
        threshold: t.clientErrorRate,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        periods: 5,
        description: `${apiLabel}: more than ${percent(t.clientErrorRate)} of ${metrics.kind === ApiKind.WEBSOCKET ? 'messages were client errors' : 'requests answered 4xx'} for 5 minutes`,
      },
      metrics.kind === ApiKind.WEBSOCKET
        ? {
            id: 'IntegrationLatencyP90',
            metric: metrics.metricIntegrationLatency(),
            threshold: t.integrationLatencyP90.toMilliseconds(),
            comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            periods: 5,
            description: `${apiLabel}: p90 integration latency at or above ${t.integrationLatencyP90.toMilliseconds()} ms for 5 minutes`,
          }
        : {
            id: 'LatencyP90',
            metric: metrics.metricLatency(),
            threshold: t.latencyP90.toMilliseconds(),
            comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            periods: 5,
            description: `${apiLabel}: p90 latency at or above ${t.latencyP90.toMilliseconds()} ms for 5 minutes`,
          },
    ];
    for (const spec of specs) this.alarms.push(createAlarm(this, spec, this.profile));
    this.serverErrors = this.alarms[0];
  }

  /**
   * Adds an alarm on a count of errors that a function reports itself (a custom metric, Sum per
   * minute), at the profile's `functionErrors` threshold. For handlers that answer failures
   * instead of throwing them, whose Lambda `Errors` metric stays at 0.
   */
  public addErrorCountAlarm(id: string, metric: IMetric, what: string): Alarm {
    const threshold = this.profile.alarmThresholds.functionErrors;
    return this.addThresholdAlarm(id, metric, threshold, 1, `${what}: ${threshold} or more in a minute`);
  }

  /**
   * Adds an alarm when `metric` reaches `threshold` in each of `periods` consecutive periods (of the
   * metric's own period), with the profile's alarm topic.
   */
  public addThresholdAlarm(id: string, metric: IMetric, threshold: number, periods: number, description: string): Alarm {
    const alarm = createAlarm(this, { id, metric, threshold, comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, periods, description }, this.profile);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * Adds error and throttle alarms for a function behind the API; returns them. `errors: false`
   * leaves out the Errors alarm, for functions that throw by design (a Lambda authorizer refuses a
   * token by throwing `Unauthorized`, so every refused caller would raise it): alarm on an error
   * count they publish themselves instead (`addErrorCountAlarm`).
   */
  public addFunctionAlarms(name: string, fn: IFunction, options: FunctionAlarmOptions = {}): Alarm[] {
    // Names that differ only in punctuation ('chat.send', 'chatsend') still get their own alarms.
    let id = name;
    for (let i = 2; this.node.tryFindChild(`${id}Throttles`); i++) id = `${name}${i}`;
    const t = this.profile.alarmThresholds;
    const created = [
      ...(options.errors === false
        ? []
        : [
            createAlarm(
              this,
              {
                id: `${id}Errors`,
                metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(1) }),
                threshold: t.functionErrors,
                comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                periods: 1,
                description: `Function ${id}: ${t.functionErrors} or more errors in a minute`,
              },
              this.profile,
            ),
          ]),
      createAlarm(
        this,
        {
          id: `${id}Throttles`,
          metric: fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(1) }),
          threshold: t.functionThrottles,
          comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          periods: 1,
          description: `Function ${id}: ${t.functionThrottles} or more throttled invocations in a minute`,
        },
        this.profile,
      ),
    ];
    this.alarms.push(...created);
    return created;
  }
}
