import { Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { StageProfile } from '../../../lib';
import { expectApiError, newStack } from '../../support/core-stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const DEFAULT_THRESHOLDS = {
  serverErrorRate: 0.05,
  clientErrorRate: 0.05,
  latencyP90: Duration.millis(2500),
  integrationLatencyP90: Duration.millis(2000),
  functionErrors: 1,
  functionThrottles: 1,
};

describe('presets', () => {
  test('dev: verbose execution logs, a week of logs, destroyed with the stack', () => {
    // WHEN
    const p = StageProfile.dev();

    // THEN
    expect(p.stageName).toBe('dev');
    expect(p.production).toBe(false);
    expect(p.throttle).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(p.executionLogLevel).toBe(MethodLoggingLevel.INFO);
    expect(p.dataTrace).toBe(false);
    expect(p.tracing).toBe(true);
    expect(p.caching).toBeUndefined();
    expect(p.logRetention).toBe(RetentionDays.ONE_WEEK);
    expect(p.logEncryptionKey).toBeUndefined();
    expect(p.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(p.alarmThresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(p.alarmTopic).toBeUndefined();
  });

  test('test: errors only, a month of logs, destroyed with the stack', () => {
    const p = StageProfile.test();
    expect(p.stageName).toBe('test');
    expect(p.production).toBe(false);
    expect(p.throttle).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(p.executionLogLevel).toBe(MethodLoggingLevel.ERROR);
    expect(p.dataTrace).toBe(false);
    expect(p.tracing).toBe(true);
    expect(p.logRetention).toBe(RetentionDays.ONE_MONTH);
    expect(p.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(p.alarmThresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  test('prod: production, higher throttle, a year of logs, retained', () => {
    const p = StageProfile.prod();
    expect(p.stageName).toBe('prod');
    expect(p.production).toBe(true);
    expect(p.throttle).toEqual({ rateLimit: 1000, burstLimit: 2000 });
    expect(p.executionLogLevel).toBe(MethodLoggingLevel.ERROR);
    expect(p.dataTrace).toBe(false);
    expect(p.tracing).toBe(true);
    expect(p.logRetention).toBe(RetentionDays.ONE_YEAR);
    expect(p.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(p.alarmThresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  test('overrides replace preset fields and keep the rest', () => {
    // GIVEN
    const topic = new Topic(stack, 'Topic');
    const key = new Key(stack, 'Key');

    // WHEN
    const p = StageProfile.prod({
      stageName: 'live',
      throttle: { rateLimit: 5, burstLimit: 10 },
      tracing: false,
      alarmTopic: topic,
      logEncryptionKey: key,
      alarmThresholds: { serverErrorRate: 0.1, latencyP90: Duration.seconds(3) },
    });

    // THEN
    expect(p.stageName).toBe('live');
    expect(p.throttle).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(p.tracing).toBe(false);
    expect(p.alarmTopic).toBe(topic);
    expect(p.logEncryptionKey).toBe(key);
    expect(p.production).toBe(true);
    expect(p.logRetention).toBe(RetentionDays.ONE_YEAR);
    expect(p.alarmThresholds).toEqual({ ...DEFAULT_THRESHOLDS, serverErrorRate: 0.1, latencyP90: Duration.seconds(3) });
  });
});

describe('StageProfile.of', () => {
  test('fills the documented defaults for a non-production stage', () => {
    const p = StageProfile.of({ stageName: 'qa' });
    expect(p.production).toBe(false);
    expect(p.throttle).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(p.executionLogLevel).toBe(MethodLoggingLevel.ERROR);
    expect(p.dataTrace).toBe(false);
    expect(p.tracing).toBe(true);
    expect(p.caching).toBeUndefined();
    expect(p.logRetention).toBe(RetentionDays.ONE_WEEK);
    expect(p.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(p.alarmThresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  test('defaults a production stage to a year of logs and RETAIN', () => {
    const p = StageProfile.of({ stageName: 'live', production: true });
    expect(p.logRetention).toBe(RetentionDays.ONE_YEAR);
    expect(p.removalPolicy).toBe(RemovalPolicy.RETAIN);
  });
});

describe('caching', () => {
  test('defaults to a 0.5 GB cluster and a TTL of 0', () => {
    const p = StageProfile.prod({ caching: {} });
    expect(p.caching?.clusterSize).toBe('0.5');
    expect(p.caching?.defaultTtl.toSeconds()).toBe(0);
  });

  test('keeps a given size and TTL', () => {
    const p = StageProfile.prod({ caching: { clusterSize: '6.1', defaultTtl: Duration.minutes(5) } });
    expect(p.caching?.clusterSize).toBe('6.1');
    expect(p.caching?.defaultTtl.toSeconds()).toBe(300);
  });

  test.each(['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237'])('validate() accepts size %p', (clusterSize) => {
    expect(() => StageProfile.prod({ caching: { clusterSize } }).validate(stack)).not.toThrow();
  });

  test('validate() rejects an unknown size, naming the prop', () => {
    expectApiError(
      () => StageProfile.prod({ caching: { clusterSize: '2' } }).validate(stack),
      'CacheClusterSizeInvalid',
      /profile\.caching\.clusterSize must be one of/,
      /Got: "2"/,
    );
  });

  test('validate() rejects a TTL over an hour, naming the prop', () => {
    expectApiError(
      () => StageProfile.prod({ caching: { defaultTtl: Duration.seconds(3601) } }).validate(stack),
      'CacheTtlOutOfRange',
      /profile\.caching\.defaultTtl must be whole seconds from 0 to 3600/,
      /Got: 3601 s/,
    );
  });
});

describe('with()', () => {
  test('returns a changed copy and leaves the original alone', () => {
    // GIVEN
    const topic = new Topic(stack, 'Topic');
    const base = StageProfile.test({ alarmTopic: topic, caching: { clusterSize: '1.6' } });

    // WHEN
    const copy = base.withOverrides({ stageName: 'test-2', throttle: { rateLimit: 1, burstLimit: 2 } });

    // THEN
    expect(copy).not.toBe(base);
    expect(copy.stageName).toBe('test-2');
    expect(copy.throttle).toEqual({ rateLimit: 1, burstLimit: 2 });
    expect(copy.alarmTopic).toBe(topic);
    expect(copy.caching?.clusterSize).toBe('1.6');
    expect(copy.logRetention).toBe(RetentionDays.ONE_MONTH);
    expect(copy.executionLogLevel).toBe(MethodLoggingLevel.ERROR);
    expect(base.stageName).toBe('test');
    expect(base.throttle).toEqual({ rateLimit: 100, burstLimit: 200 });
  });

  test('keeps the resolved alarm thresholds and overrides them as a whole', () => {
    const base = StageProfile.dev({ alarmThresholds: { functionErrors: 5 } });
    expect(base.withOverrides({}).alarmThresholds.functionErrors).toBe(5);
    expect(base.withOverrides({ alarmThresholds: { clientErrorRate: 0.2 } }).alarmThresholds).toEqual({ ...DEFAULT_THRESHOLDS, clientErrorRate: 0.2 });
  });

  test('BUG: with({ production: true }) on a profile without explicit retention gets the production defaults', () => {
    // GIVEN a profile whose removalPolicy and logRetention were left to their documented defaults
    const base = StageProfile.of({ stageName: 'live' });

    // WHEN
    const prod = base.withOverrides({ production: true });

    // THEN "@default RemovalPolicy.RETAIN for production" must hold for the copy too
    expect(prod.production).toBe(true);
    expect(prod.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(prod.logRetention).toBe(RetentionDays.ONE_YEAR);
  });
});

describe('validate()', () => {
  test.each([
    ['dev', StageProfile.dev()],
    ['test', StageProfile.test()],
    ['prod', StageProfile.prod()],
  ])('the %s preset is valid', (_name, profile) => {
    expect(() => profile.validate(stack)).not.toThrow();
  });

  test('rejects a bad stage name, naming the prop and the construct', () => {
    // GIVEN
    const api = new Construct(stack, 'Api');

    // WHEN
    const error = expectApiError(
      () => StageProfile.dev({ stageName: 'my stage' }).validate(api),
      'StageNameInvalid',
      /profile\.stageName must be 1 to 128 characters/,
      /Got: "my stage"/,
    );

    // THEN
    expect(error.constructPath).toBe('TestStack/Api');
  });

  test('uses the prop name it is given', () => {
    expectApiError(() => StageProfile.dev({ stageName: '' }).validate(stack, 'stages[2]'), 'StageNameInvalid', /stages\[2\]\.stageName must/, /Got: ""/);
  });

  test('rejects a negative rate limit', () => {
    expectApiError(
      () => StageProfile.dev({ throttle: { rateLimit: -5, burstLimit: 10 } }).validate(stack),
      'ThrottleRateInvalid',
      /profile\.throttle\.rateLimit must be a finite number/,
      /Got: -5/,
    );
  });

  test('rejects a fractional burst', () => {
    expectApiError(
      () => StageProfile.dev({ throttle: { rateLimit: 5, burstLimit: 2.5 } }).validate(stack),
      'ThrottleBurstInvalid',
      /profile\.throttle\.burstLimit must be a whole number/,
      /Got: 2\.5/,
    );
  });

  test('rejects dataTrace on a production stage', () => {
    expectApiError(
      () => StageProfile.prod({ dataTrace: true }).validate(stack),
      'DataTraceInProduction',
      /profile\.dataTrace must be false on a production stage \(profile\.stageName "prod"\)/,
      /Got: true/,
    );
  });

  test('allows dataTrace on a non-production stage', () => {
    const p = StageProfile.dev({ dataTrace: true });
    expect(p.dataTrace).toBe(true);
    expect(() => p.validate(stack)).not.toThrow();
  });

  test.each([
    ['serverErrorRate', 1.5],
    ['serverErrorRate', -0.1],
    ['serverErrorRate', NaN],
    ['clientErrorRate', 2],
  ])('rejects alarmThresholds.%s = %p', (name, value) => {
    expectApiError(
      () => StageProfile.prod({ alarmThresholds: { [name]: value } }).validate(stack),
      'AlarmThresholdInvalid',
      new RegExp(`profile\\.alarmThresholds\\.${name} must be a rate from 0 to 1`),
      new RegExp(`Got: ${String(value).replace('.', '\\.')}`),
    );
  });

  test('accepts rates of exactly 0 and 1', () => {
    expect(() => StageProfile.prod({ alarmThresholds: { serverErrorRate: 0, clientErrorRate: 1 } }).validate(stack)).not.toThrow();
  });

  test.each([
    ['functionErrors', 0],
    ['functionErrors', 1.5],
    ['functionThrottles', 0],
    ['functionThrottles', -1],
  ])('rejects alarmThresholds.%s = %p', (name, value) => {
    expectApiError(
      () => StageProfile.prod({ alarmThresholds: { [name]: value } }).validate(stack),
      'AlarmThresholdInvalid',
      new RegExp(`profile\\.alarmThresholds\\.${name} must be a whole number, 1 or more`),
      new RegExp(`Got: ${String(value).replace('.', '\\.')}`),
    );
  });

  test('skips unresolved stage names, throttles and cache settings', () => {
    // GIVEN
    const p = StageProfile.prod({
      stageName: Lazy.string({ produce: () => 'prod' }),
      throttle: { rateLimit: Lazy.number({ produce: () => 10 }), burstLimit: Lazy.number({ produce: () => 20 }) },
      caching: { clusterSize: Lazy.string({ produce: () => '0.5' }), defaultTtl: Duration.seconds(Lazy.number({ produce: () => 60 })) },
    });

    // THEN
    expect(() => p.validate(stack)).not.toThrow();
  });

  test('BUG: skips unresolved alarm thresholds (e.g. from a CfnParameter)', () => {
    // GIVEN
    const p = StageProfile.prod({
      alarmThresholds: { serverErrorRate: Lazy.number({ produce: () => 0.1 }), functionErrors: Lazy.number({ produce: () => 3 }) },
    });

    // THEN
    expect(() => p.validate(stack)).not.toThrow();
  });
});
