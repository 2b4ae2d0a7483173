import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { Lazy } from 'aws-cdk-lib';
import { LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage, IStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IConstruct } from 'constructs';
import type { StageOptions } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { accessLogFormat } from './access-log-format';
import type { ApiKind } from '../api-base/api-kind';
import type { StageProfile } from './stage-profile';

/**
 * The options every HTTP and WebSocket stage of this library gets from its profile: the stage
 * name, auto-deploy, the profile's throttling and JSON access logs with the fields of the kind.
 */
export function v2StageOptions(profile: StageProfile, accessLogGroup: ILogGroup, kind: ApiKind): StageOptions & { stageName: string } {
  return {
    stageName: profile.stageName,
    autoDeploy: true,
    stageVariables: Object.keys(profile.stageVariables).length > 0 ? profile.stageVariables : undefined,
    throttle: { rateLimit: profile.throttle.rateLimit, burstLimit: profile.throttle.burstLimit },
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogGroup),
      format: AccessLogFormat.custom(accessLogFormat(kind)),
    },
  };
}

/** Route settings added to HTTP and WebSocket stages, by stage. */
const ROUTE_SETTINGS = new WeakMap<CfnStage, Record<string, Record<string, unknown>>>();

/**
 * Throttles one route of an HTTP or WebSocket stage (the stage's `RouteSettings`, keyed by route
 * key). The stage waits for the route: API Gateway refuses settings for a route key it does not know.
 * A route's settings replace the stage's default route settings rather than add to them, so
 * `defaults` repeats those the stage sets (WebSocket execution logging).
 */
export function throttleV2Route(
  stage: IStage,
  route: IConstruct,
  routeKey: string,
  throttle: { readonly rateLimit: number; readonly burstLimit: number },
  defaults: Record<string, unknown> = {},
): void {
  const cfnStage = stage.node.defaultChild as CfnStage;
  let settings = ROUTE_SETTINGS.get(cfnStage);
  if (!settings) {
    const all: Record<string, Record<string, unknown>> = {};
    settings = all;
    ROUTE_SETTINGS.set(cfnStage, all);
    cfnStage.routeSettings = Lazy.any({ produce: () => all });
  }
  settings[routeKey] = { ...defaults, ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
  cfnStage.node.addDependency(route);
}
