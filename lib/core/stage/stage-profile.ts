import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { ApiPatternsError } from '../validation/errors';
import { isUnresolved, validateCacheClusterSize, validateCacheTtl, validateStageName, validateThrottle } from '../validation/validation';
import { ReleasePolicy } from '../release/release-policy';
import { validateStageRelease, validateStageVariables } from '../release/stage-release';
import type { StageReleaseOptions } from '../release/stage-release';

/** Throttling of a stage: steady rate and burst. */
export interface ThrottleProfile {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Largest burst of concurrent requests. */
  readonly burstLimit: number;
}

/** Stage cache of a REST API (HTTP and WebSocket APIs have none). */
export interface CacheProfile {
  /**
   * Cache cluster size in GB; one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237. Billed per hour.
   * @default '0.5'
   */
  readonly clusterSize?: string;
  /**
   * Time to live for methods that do not set their own. 0 keeps the cache encrypted and ready but
   * caches nothing until a route asks for it with its own TTL; that is the safe default, because a
   * response cached for one caller must never be served to another.
   * @default Duration.seconds(0)
   */
  readonly defaultTtl?: Duration;
}

/** Thresholds of the recommended alarms; defaults follow AWS's best-practice alarm recommendations. */
export interface AlarmThresholds {
  /**
   * Alarm when the share of 5xx answers (REST, HTTP) or execution errors (WebSocket) is above this, 0..1.
   * @default 0.05
   */
  readonly serverErrorRate?: number;
  /**
   * Alarm when the share of 4xx answers (REST, HTTP) or client errors (WebSocket) is above this, 0..1.
   * @default 0.05
   */
  readonly clientErrorRate?: number;
  /**
   * Alarm when p90 latency (REST, HTTP) reaches this.
   * @default Duration.millis(2500)
   */
  readonly latencyP90?: Duration;
  /**
   * Alarm when p90 integration latency (WebSocket) reaches this.
   * @default Duration.millis(2000)
   */
  readonly integrationLatencyP90?: Duration;
  /**
   * Alarm when a function behind the API reports at least this many errors in a minute.
   * @default 1
   */
  readonly functionErrors?: number;
  /**
   * Alarm when a function behind the API is throttled at least this many times in a minute.
   * @default 1
   */
  readonly functionThrottles?: number;
}

/** The fields of a stage profile besides its name; each has a default. */
export interface StageProfileSettings {
  /**
   * Whether this is a production stage. Production forbids data tracing and defaults to retaining
   * stateful resources.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Stage-wide throttling.
   * @default - rate 100, burst 200
   */
  readonly throttle?: ThrottleProfile;
  /**
   * Execution log level for REST and WebSocket stages (HTTP APIs have no execution logs).
   * @default MethodLoggingLevel.ERROR (INFO in the dev preset)
   */
  readonly executionLogLevel?: MethodLoggingLevel;
  /**
   * Log full requests and responses in execution logs. Never allowed on a production stage: the
   * logs would hold tokens and personal data.
   * @default false
   */
  readonly dataTrace?: boolean;
  /**
   * X-Ray tracing: active tracing on REST stages, and on every function the constructs create
   * (API Gateway traces REST stages only; HTTP and WebSocket stages ignore it).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * REST stage cache. Asking an HTTP or WebSocket API for it fails at synth.
   * @default - no cache
   */
  readonly caching?: CacheProfile;
  /**
   * Retention of access, execution and function logs.
   * @default RetentionDays.ONE_WEEK (dev), ONE_MONTH (test), ONE_YEAR (prod)
   */
  readonly logRetention?: RetentionDays;
  /**
   * KMS key to encrypt the log groups the constructs create.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: IKey;
  /**
   * What happens to stateful resources (log groups, tables) when they leave the stack.
   * @default RemovalPolicy.RETAIN for production, DESTROY otherwise
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Thresholds of the recommended alarms.
   * @default - AWS's recommended thresholds
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * SNS topic the alarms notify (on ALARM and OK).
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * How the functions the constructs create are released: each gets an alias (`live`) the API
   * integrates with and a CodeDeploy deployment group that moves it with this policy, rolling back
   * on the function's errors alarm or the API's 5xx alarm.
   * @default - a canary (10 % for 5 minutes) on a production profile, all at once otherwise
   */
  readonly release?: ReleasePolicy;
  /**
   * Stage variables: per-stage values integrations and mapping templates read as
   * `${stageVariables.name}` (names: letters, digits, `_`; values: letters, digits and `-._~:/?#&=,`).
   * @default - none
   */
  readonly stageVariables?: Record<string, string>;
  /**
   * Releases of a REST API's definition by label, with an optional canary (see StageReleaseOptions).
   * REST only.
   * @default - each synth deploys the definition to the whole stage
   */
  readonly stageRelease?: StageReleaseOptions;
}

/** Fields of a stage profile that override a preset's (every one optional). */
export interface StageProfileOverrides extends StageProfileSettings {
  /**
   * Stage name: letters, digits, `-`, `_`, at most 128 characters.
   * @default - the preset's: `dev`, `test` or `prod`
   */
  readonly stageName?: string;
}

/** Everything a stage profile describes; every field but the name has a default. */
export interface StageProfileProps extends StageProfileSettings {
  /** Stage name: letters, digits, `-`, `_`, at most 128 characters. */
  readonly stageName: string;
}

/** A stage cache with its defaults filled in. */
export interface ResolvedCacheProfile {
  /** Cache cluster size in GB. */
  readonly clusterSize: string;
  /** Time to live for methods that do not set their own. */
  readonly defaultTtl: Duration;
}


/** Defaults for one preset, before the user's overrides. */
const PRESETS: Record<'dev' | 'test' | 'prod', StageProfileProps> = {
  dev: {
    stageName: 'dev',
    production: false,
    throttle: { rateLimit: 50, burstLimit: 100 },
    executionLogLevel: MethodLoggingLevel.INFO,
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  },
  test: {
    stageName: 'test',
    production: false,
    throttle: { rateLimit: 100, burstLimit: 200 },
    executionLogLevel: MethodLoggingLevel.ERROR,
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  },
  prod: {
    stageName: 'prod',
    production: true,
    throttle: { rateLimit: 1000, burstLimit: 2000 },
    executionLogLevel: MethodLoggingLevel.ERROR,
    logRetention: RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  },
};

/** Alarm thresholds with their defaults filled in. */
export interface ResolvedAlarmThresholds {
  /** Share of 5xx answers or execution errors, 0..1. */
  readonly serverErrorRate: number;
  /** Share of 4xx answers or client errors, 0..1. */
  readonly clientErrorRate: number;
  /** p90 latency (REST, HTTP). */
  readonly latencyP90: Duration;
  /** p90 integration latency (WebSocket). */
  readonly integrationLatencyP90: Duration;
  /** Function errors per minute. */
  readonly functionErrors: number;
  /** Function throttles per minute. */
  readonly functionThrottles: number;
}

/**
 * A typed description of one deployment stage. One profile configures every construct of this
 * library the same way: throttling, logs, tracing, caching, retention, removal and alarms.
 *
 * @example
 * const profile = StageProfile.prod({ alarmTopic: topic, caching: { clusterSize: '1.6' } });
 */
export class StageProfile {
  /** The dev preset: verbose logs, short retention, resources destroyed with the stack. */
  public static dev(overrides: StageProfileOverrides = {}): StageProfile {
    return new StageProfile({ ...PRESETS.dev, ...overrides });
  }

  /** The test preset: production-like settings with a month of logs. */
  public static test(overrides: StageProfileOverrides = {}): StageProfile {
    return new StageProfile({ ...PRESETS.test, ...overrides });
  }

  /** The prod preset: higher throttle, a year of logs, stateful resources retained, no data trace. */
  public static prod(overrides: StageProfileOverrides = {}): StageProfile {
    return new StageProfile({ ...PRESETS.prod, ...overrides });
  }

  /** A profile from scratch; unset fields take the defaults documented on `StageProfileProps`. */
  public static of(props: StageProfileProps): StageProfile {
    return new StageProfile(props);
  }

  /** The stage name. */
  public readonly stageName: string;
  /** Whether this is a production stage (no data trace; stateful resources retained by default). */
  public readonly production: boolean;
  /** Throttling of the stage. */
  public readonly throttle: ThrottleProfile;
  /** Level of the execution logs (REST and WebSocket). */
  public readonly executionLogLevel: MethodLoggingLevel;
  /** Whether execution logs carry full requests and responses (never in production). */
  public readonly dataTrace: boolean;
  /** Whether X-Ray traces the stage (REST) and the functions. */
  public readonly tracing: boolean;
  /** The stage cache (REST only); undefined when the stage has none. */
  public readonly caching?: ResolvedCacheProfile;
  /** How long the stage's logs are kept. */
  public readonly logRetention: RetentionDays;
  /** The customer-managed KMS key of the stage's log groups; undefined for CloudWatch Logs' own encryption. */
  public readonly logEncryptionKey?: IKey;
  /** What happens to stateful resources (log groups, tables) when they leave the stack. */
  public readonly removalPolicy: RemovalPolicy;
  /** Thresholds of the recommended alarms, defaults filled in. */
  public readonly alarmThresholds: ResolvedAlarmThresholds;
  /** The SNS topic alarms notify; undefined when alarms have no action. */
  public readonly alarmTopic?: ITopic;
  /** How the functions the constructs create are released. */
  public readonly release: ReleasePolicy;
  /** Whether `release` was given (a default policy tolerates a construct without alarms). */
  public readonly releaseGiven: boolean;
  /** Stage variables. */
  public readonly stageVariables: Record<string, string>;
  /** Releases of a REST API's definition by label, when set. */
  public readonly stageRelease?: StageReleaseOptions;

  /** The props as given (preset merged with overrides), before defaults; `with()` starts from these. */
  private readonly givenProps: StageProfileProps;

  private constructor(props: StageProfileProps) {
    this.givenProps = props;
    this.stageName = props.stageName;
    this.production = props.production ?? false;
    this.throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    this.executionLogLevel = props.executionLogLevel ?? MethodLoggingLevel.ERROR;
    this.dataTrace = props.dataTrace ?? false;
    this.tracing = props.tracing ?? true;
    this.caching = props.caching
      ? { clusterSize: props.caching.clusterSize ?? '0.5', defaultTtl: props.caching.defaultTtl ?? Duration.seconds(0) }
      : undefined;
    this.logRetention = props.logRetention ?? (this.production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_WEEK);
    this.logEncryptionKey = props.logEncryptionKey;
    this.removalPolicy = props.removalPolicy ?? (this.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    const t = props.alarmThresholds ?? {};
    this.alarmThresholds = {
      serverErrorRate: t.serverErrorRate ?? 0.05,
      clientErrorRate: t.clientErrorRate ?? 0.05,
      latencyP90: t.latencyP90 ?? Duration.millis(2500),
      integrationLatencyP90: t.integrationLatencyP90 ?? Duration.millis(2000),
      functionErrors: t.functionErrors ?? 1,
      functionThrottles: t.functionThrottles ?? 1,
    };
    this.alarmTopic = props.alarmTopic;
    this.stageVariables = props.stageVariables ?? {};
    this.stageRelease = props.stageRelease;
    this.releaseGiven = props.release !== undefined;
    this.release = props.release ?? (this.production ? ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5) }) : ReleasePolicy.allAtOnce());
  }

  /** A copy of this profile with some fields replaced. */
  public withOverrides(overrides: StageProfileOverrides): StageProfile {
    return new StageProfile({ ...this.givenProps, ...overrides });
  }

  /**
   * Checks the profile against API Gateway's limits. Constructs call this with themselves as the
   * scope, so the error names the construct that received the profile.
   */
  public validate(scope: IConstruct, prop = 'profile'): void {
    validateStageName(scope, `${prop}.stageName`, this.stageName);
    validateThrottle(scope, `${prop}.throttle`, this.throttle);
    if (this.production && this.dataTrace) {
      throw new ApiPatternsError(
        'DataTraceInProduction',
        `${prop}.dataTrace must be false on a production stage (${prop}.stageName ${JSON.stringify(this.stageName)}): it would log full requests and responses. Got: true`,
        scope,
      );
    }
    if (this.caching) {
      validateCacheClusterSize(scope, `${prop}.caching.clusterSize`, this.caching.clusterSize);
      validateCacheTtl(scope, `${prop}.caching.defaultTtl`, this.caching.defaultTtl);
    }
    this.release.validate(scope, `${prop}.release`);
    validateStageVariables(scope, `${prop}.stageVariables`, this.stageVariables);
    if (this.stageRelease) validateStageRelease(scope, `${prop}.stageRelease`, this.stageRelease);
    const t = this.alarmThresholds;
    for (const [name, value] of [['serverErrorRate', t.serverErrorRate], ['clientErrorRate', t.clientErrorRate]] as const) {
      if (!isUnresolved(value) && !(value >= 0 && value <= 1)) {
        throw new ApiPatternsError('AlarmThresholdInvalid', `${prop}.alarmThresholds.${name} must be a rate from 0 to 1. Got: ${value}`, scope);
      }
    }
    for (const [name, value] of [['functionErrors', t.functionErrors], ['functionThrottles', t.functionThrottles]] as const) {
      if (!isUnresolved(value) && !(Number.isInteger(value) && value >= 1)) {
        throw new ApiPatternsError('AlarmThresholdInvalid', `${prop}.alarmThresholds.${name} must be a whole number, 1 or more. Got: ${value}`, scope);
      }
    }
  }

}
