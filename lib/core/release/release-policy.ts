import { Stack } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { isUnresolved } from '../validation/validation';

/** How a release moves traffic: all at once, a canary step then the rest, or equal steps. */
export enum ReleaseStyle {
  /** All traffic moves to the new version at once. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** `percent` of the traffic moves first; after `interval`, the rest. */
  CANARY = 'CANARY',
  /** `percent` more of the traffic moves every `interval`, until all has moved. */
  LINEAR = 'LINEAR',
}

/** What every release policy can add to its traffic shifting. */
export interface ReleaseOptions {
  /**
   * Roll back automatically when an alarm fires during the release (the function's errors alarm
   * and the API's 5xx alarm), when the release fails, or when it is stopped.
   * @default true
   */
  readonly rollback?: boolean;
  /**
   * A function CodeDeploy runs before it moves any traffic (it must report its result with
   * `codedeploy:PutLifecycleEventHookExecutionStatus`, which the construct grants).
   * @default - none
   */
  readonly preTrafficHook?: IFunction;
  /**
   * A function CodeDeploy runs after all traffic has moved.
   * @default - none
   */
  readonly postTrafficHook?: IFunction;
}

/** Options of a canary or linear release. */
export interface TrafficShiftOptions extends ReleaseOptions {
  /** The percentage of traffic each step moves: a whole number from 1 to 99. */
  readonly percent: number;
  /** The time between steps: whole minutes, 1 to 2880 (two days). */
  readonly interval: Duration;
}

/** The longest step CodeDeploy time-based traffic shifting is allowed here, in minutes. */
const MAX_INTERVAL_MINUTES = 2880;

/**
 * How the functions an API construct creates are released: each gets an alias (`live`) that the
 * API integrates with, and a CodeDeploy deployment group that moves the alias to each new version
 * with this policy, rolling back when the function's errors alarm or the API's 5xx alarm fires.
 * Set it in the stage profile (`release`); `StageProfile.prod()` uses a canary, the others all at once.
 */
export class ReleasePolicy {
  /** All traffic at once (still through the alias, with hooks and alarm rollback). */
  public static allAtOnce(options: ReleaseOptions = {}): ReleasePolicy {
    return new ReleasePolicy(ReleaseStyle.ALL_AT_ONCE, options);
  }

  /** `percent` of the traffic first; the rest after `interval` unless an alarm fires. */
  public static canary(options: TrafficShiftOptions): ReleasePolicy {
    return new ReleasePolicy(ReleaseStyle.CANARY, options, options.percent, options.interval);
  }

  /** `percent` more of the traffic every `interval`, unless an alarm fires. */
  public static linear(options: TrafficShiftOptions): ReleasePolicy {
    return new ReleasePolicy(ReleaseStyle.LINEAR, options, options.percent, options.interval);
  }

  /** The style of traffic shifting. */
  public readonly style: ReleaseStyle;
  /** The percentage each step moves (canary and linear). */
  public readonly percent?: number;
  /** The time between steps (canary and linear). */
  public readonly interval?: Duration;
  /** Whether alarms, failures and stops roll the release back. */
  public readonly rollback: boolean;
  /** The pre-traffic hook, when there is one. */
  public readonly preTrafficHook?: IFunction;
  /** The post-traffic hook, when there is one. */
  public readonly postTrafficHook?: IFunction;

  private constructor(style: ReleaseStyle, options: ReleaseOptions, percent?: number, interval?: Duration) {
    this.style = style;
    this.percent = percent;
    this.interval = interval;
    this.rollback = options.rollback ?? true;
    this.preTrafficHook = options.preTrafficHook;
    this.postTrafficHook = options.postTrafficHook;
  }

  /** Fails on a percent or interval CodeDeploy does not offer; `prop` names the policy in errors. */
  public validate(scope: IConstruct, prop: string): void {
    if (this.style === ReleaseStyle.ALL_AT_ONCE) return;
    const percent = this.percent!;
    if (!isUnresolved(percent) && (!Number.isInteger(percent) || percent < 1 || percent > 99)) {
      throw new ApiPatternsError(
        'ReleasePercentInvalid',
        `${prop}.percent must be a whole number from 1 to 99 (0 would move nothing, 100 everything at once: use ReleasePolicy.allAtOnce()). Got: ${describeValue(percent)}`,
        scope,
      );
    }
    const seconds = this.interval!.toSeconds();
    if (seconds % 60 !== 0 || seconds < 60 || seconds > MAX_INTERVAL_MINUTES * 60) {
      throw new ApiPatternsError(
        'ReleaseIntervalInvalid',
        `${prop}.interval must be whole minutes from 1 to ${MAX_INTERVAL_MINUTES}: CodeDeploy shifts traffic in steps of whole minutes. Got: ${seconds} seconds`,
        scope,
      );
    }
  }

  /**
   * Fails when this policy, chosen by the user (`chosen`; a default policy tolerates it), rolls back
   * on alarms and there is none to watch; `what` names what would be released.
   * @internal
   */
  public _requireAlarms(scope: IConstruct, prop: string, chosen: boolean, alarmCount: number, what: string): void {
    if (!this.rollback || !chosen || alarmCount > 0) return;
    throw new ApiPatternsError(
      'ReleaseRollbackWithoutAlarms',
      `${prop} rolls back on alarms, but the construct creates none (alarms: false): turn alarms on, or use a policy with rollback: false. Got: no alarms for ${what}`,
      scope,
    );
  }

  /**
   * The CodeDeploy deployment configuration: a predefined one when it matches (no resource), a
   * custom one otherwise (created once per stack and policy shape).
   * @internal
   */
  public _deploymentConfig(scope: IConstruct): codedeploy.ILambdaDeploymentConfig {
    if (this.style === ReleaseStyle.ALL_AT_ONCE) return codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE;
    const minutes = this.interval!.toMinutes();
    const predefined = PREDEFINED[`${this.style} ${this.percent} ${minutes}`];
    if (predefined) return predefined;
    const stack = Stack.of(scope);
    const id = `Release${this.style === ReleaseStyle.CANARY ? 'Canary' : 'Linear'}${this.percent}PercentEvery${minutes}Minutes`;
    const existing = stack.node.tryFindChild(id) as codedeploy.LambdaDeploymentConfig | undefined;
    if (existing) return existing;
    const trafficRouting =
      this.style === ReleaseStyle.CANARY
        ? codedeploy.TrafficRouting.timeBasedCanary({ interval: this.interval!, percentage: this.percent! })
        : codedeploy.TrafficRouting.timeBasedLinear({ interval: this.interval!, percentage: this.percent! });
    return new codedeploy.LambdaDeploymentConfig(stack, id, { trafficRouting });
  }
}

/** CodeDeploy's predefined Lambda configurations, by style, percent and minutes. */
const PREDEFINED: Record<string, codedeploy.ILambdaDeploymentConfig> = {
  'CANARY 10 5': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'CANARY 10 10': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'CANARY 10 15': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  'CANARY 10 30': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  'LINEAR 10 1': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'LINEAR 10 2': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  'LINEAR 10 3': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  'LINEAR 10 10': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};
