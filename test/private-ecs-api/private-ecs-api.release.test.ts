import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ReleasePolicy, StageProfile } from '../../lib';
import { expectApiError } from '../support/core-stacks';
import { HTTP_CLOUD_MAP, minimalPrivateEcsApi, privateEcsStack, REST_ALB, REST_NLB } from '../support/private-ecs-api-fixtures';
import type { PrivateEcsPath } from '../support/private-ecs-api-fixtures';

type ServiceProps = { DeploymentConfiguration: Record<string, unknown>; LoadBalancers?: Array<Record<string, unknown>> };

/** GIVEN the minimal API on `path` with this release policy on a prod profile, synthesized. */
function build(path: PrivateEcsPath, release?: ReleasePolicy, alarms = true) {
  const { stack } = privateEcsStack();
  minimalPrivateEcsApi(stack, path, { profile: StageProfile.prod({ release }), alarms });
  const template = Template.fromStack(stack);
  const service = Object.values(template.findResources('AWS::ECS::Service'))[0].Properties as ServiceProps;
  return { stack, template, service };
}

describe('PrivateEcsApi releases: the stage profile\'s policy as ECS traffic shifting', () => {
  test('canary on an ALB: ECS canary deployments between the production and an alternate target group, through the service\'s listener rule', () => {
    const { template, service } = build(REST_ALB, ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5) }));
    expect(service.DeploymentConfiguration).toMatchObject({ Strategy: 'CANARY', CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 } });
    expect(service.DeploymentConfiguration.DeploymentCircuitBreaker).toBeUndefined();
    const [lb] = service.LoadBalancers!;
    const advanced = lb.AdvancedConfiguration as Record<string, { Ref?: string }>;
    expect(advanced.AlternateTargetGroupArn.Ref).toMatch(/AlternateGroup/);
    expect(advanced.ProductionListenerRule.Ref).toMatch(/ListenerOrdersRule/);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
  });

  test('linear on an NLB: ECS linear deployments through the service\'s listener', () => {
    const { service } = build(REST_NLB, ReleasePolicy.linear({ percent: 20, interval: Duration.minutes(3) }));
    expect(service.DeploymentConfiguration).toMatchObject({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 3 } });
    const advanced = service.LoadBalancers![0].AdvancedConfiguration as Record<string, { Ref?: string }>;
    expect(advanced.ProductionListenerRule.Ref).toMatch(/OrdersListener/);
  });

  test('rollback watches the service\'s unhealthy-target and 5xx alarms and the API\'s 5xx alarm', () => {
    const { service } = build(REST_ALB, ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5) }));
    const alarms = service.DeploymentConfiguration.Alarms as { AlarmNames: Array<{ Ref: string }>; Enable: boolean; Rollback: boolean };
    expect(alarms.Enable).toBe(true);
    expect(alarms.Rollback).toBe(true);
    expect(alarms.AlarmNames.map((a) => a.Ref).join(' ')).toMatch(/OrdersUnhealthyHosts.*OrdersTarget5xx.*ServerErrors/);
  });

  test('rollback: false still stops on alarms, without rolling back', () => {
    const { service } = build(REST_ALB, ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5), rollback: false }));
    expect(service.DeploymentConfiguration.Alarms).toMatchObject({ Enable: true, Rollback: false });
  });

  test('all at once stays a rolling deployment with the circuit breaker, and rolls back on the same alarms', () => {
    const { service, template } = build(REST_ALB, ReleasePolicy.allAtOnce());
    expect(service.DeploymentConfiguration.Strategy).toBeUndefined();
    expect(service.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(service.DeploymentConfiguration.Alarms).toMatchObject({ Enable: true, Rollback: true });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
  });

  test('Cloud Map has no load balancer to shift through: rolling, with a warning', () => {
    const { stack, service } = build(HTTP_CLOUD_MAP, ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(5) }));
    expect(service.DeploymentConfiguration.Strategy).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/TestStack/Api', Match.stringLikeRegexp('ECS shifts traffic only behind a load balancer'));
  });

  test('EcsReleaseIntervalInvalid: a step longer than ECS\'s 1440-minute bake time', () => {
    expectApiError(() => build(REST_ALB, ReleasePolicy.canary({ percent: 10, interval: Duration.minutes(1441) })), 'EcsReleaseIntervalInvalid', /profile\.release\.interval must be at most 1440 minutes/, /Got: 1441 minutes/);
  });

  test('EcsReleasePercentInvalid: linear steps under 3 %', () => {
    expectApiError(() => build(REST_ALB, ReleasePolicy.linear({ percent: 2, interval: Duration.minutes(1) })), 'EcsReleasePercentInvalid', /profile\.release\.percent must be at least 3/, /Got: 2/);
  });

  test('ReleaseRollbackWithoutAlarms: a chosen rollback policy on a construct without alarms', () => {
    expectApiError(() => build(REST_ALB, ReleasePolicy.allAtOnce(), false), 'ReleaseRollbackWithoutAlarms', /profile\.release rolls back on alarms, but the construct creates none/, /Got: no alarms for services\[0\]/);
  });

  test('the default policy tolerates alarms: false (no alarm rollback), and so does rollback: false', () => {
    expect(() => build(REST_ALB, undefined, false)).not.toThrow();
    expect(() => build(REST_ALB, ReleasePolicy.allAtOnce({ rollback: false }), false)).not.toThrow();
  });
});
