import type { Alarm, Dashboard, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ApiAlarms } from './alarms';
import type { FunctionAlarmOptions } from './alarms';
import { ApiDashboard } from './api-dashboard';
import type { ApiMetrics } from './api-metrics';
import type { StageProfile } from '../stage/stage-profile';

/** What {@link ApiObservability} needs. */
export interface ApiObservabilityProps {
  readonly metrics: ApiMetrics;
  readonly profile: StageProfile;
  /** Names the API in alarm descriptions and the dashboard title. */
  readonly apiName: string;
  /** Create the recommended alarms. */
  readonly alarms: boolean;
  /** Create the dashboard. */
  readonly dashboard: boolean;
  /** Add the cache hit ratio graph. */
  readonly caching?: boolean;
}

/**
 * The alarms and dashboard of one API construct, created under `scope` as `Alarms` and
 * `Dashboard`, plus `watchFunction()` that adds a function's alarms and graph once.
 */
export class ApiObservability {
  /** Every alarm created so far (API and functions). */
  public readonly alarms: Alarm[] = [];
  /** The dashboard, when enabled. */
  public readonly dashboard?: Dashboard;

  private readonly alarmSet?: ApiAlarms;
  private readonly dashboardBuilder?: ApiDashboard;
  private readonly watched = new Set<IFunction>();
  private readonly watchedCounts = new Map<string, Alarm | undefined>();

  constructor(scope: Construct, props: ApiObservabilityProps) {
    const label = `${props.apiName} (${props.profile.stageName})`;
    if (props.alarms) {
      this.alarmSet = new ApiAlarms(scope, 'Alarms', { metrics: props.metrics, profile: props.profile, apiLabel: label });
      this.alarms.push(...this.alarmSet.alarms);
    }
    if (props.dashboard) {
      this.dashboardBuilder = new ApiDashboard(scope, 'Dashboard', {
        metrics: props.metrics,
        title: `${props.apiName} — ${props.profile.stageName}`,
        caching: props.caching,
      });
      this.dashboard = this.dashboardBuilder.dashboard;
    }
  }

  /**
   * Adds an alarm and a dashboard graph for an error count that handlers publish themselves
   * (see {@link ApiAlarms.addErrorCountAlarm}).
   */
  public watchErrorCount(id: string, metric: IMetric, what: string): Alarm | undefined {
    // Several sources of the same count (e.g. two bundled authorizers publishing AuthorizerErrors) share one alarm.
    if (this.watchedCounts.has(id)) return this.watchedCounts.get(id);
    const alarm = this.alarmSet?.addErrorCountAlarm(id, metric, what);
    this.watchedCounts.set(id, alarm);
    if (alarm) this.alarms.push(alarm);
    this.dashboardBuilder?.addGraph(what, [metric]);
    return alarm;
  }

  /** Adds a threshold alarm (see {@link ApiAlarms.addThresholdAlarm}) and a dashboard graph of its metric; returns the alarm (none when alarms are off). */
  public watchThreshold(id: string, metric: IMetric, threshold: number, periods: number, what: string): Alarm | undefined {
    const alarm = this.alarmSet?.addThresholdAlarm(id, metric, threshold, periods, what);
    if (alarm) this.alarms.push(alarm);
    this.dashboardBuilder?.addGraph(what, [metric]);
    return alarm;
  }

  /** Adds a dashboard graph. */
  public addGraph(title: string, metrics: IMetric[]): void {
    this.dashboardBuilder?.addGraph(title, metrics);
  }

  /** Adds errors and throttles alarms and a dashboard graph for a function, once per function; returns the alarms it created. */
  public watchFunction(name: string, fn: IFunction, options: FunctionAlarmOptions = {}): Alarm[] {
    if (this.watched.has(fn)) return [];
    this.watched.add(fn);
    const created = this.alarmSet ? this.alarmSet.addFunctionAlarms(name, fn, options) : [];
    this.alarms.push(...created);
    this.dashboardBuilder?.addFunction(name, fn);
    return created;
  }

  /** The API's server-error alarm (5xx rate, or WebSocket execution errors), when alarms are on. */
  public get serverErrorAlarm(): Alarm | undefined {
    return this.alarmSet?.serverErrors;
  }
}
