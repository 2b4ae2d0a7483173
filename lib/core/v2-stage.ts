import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { StageOptions } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { accessLogFormat } from './access-log-format';
import type { ApiKind } from './api-kind';
import type { StageProfile } from './stage-profile';

/**
 * The options every HTTP and WebSocket stage of this library gets from its profile: the stage
 * name, auto-deploy, the profile's throttling and JSON access logs with the fields of the kind.
 */
export function v2StageOptions(profile: StageProfile, accessLogGroup: ILogGroup, kind: ApiKind): StageOptions & { stageName: string } {
  return {
    stageName: profile.stageName,
    autoDeploy: true,
    throttle: { rateLimit: profile.throttle.rateLimit, burstLimit: profile.throttle.burstLimit },
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogGroup),
      format: AccessLogFormat.custom(accessLogFormat(kind)),
    },
  };
}
