// The public API of cdk-api-gateway-patterns, by name. Helpers that are not listed here are
// internal: they may change in any release (tests import them by path).

// The constructs
export { ServerlessApi } from './serverless-api/serverless-api';
export type { ServerlessApiProps } from './serverless-api/serverless-api';
export { RealtimeWebSocketApi } from './realtime-websocket-api/realtime-websocket-api';
export type { RealtimeWebSocketApiProps, WebSocketHandlers, WebSocketRouteOptions } from './realtime-websocket-api/realtime-websocket-api';
export { ConnectionsTable } from './realtime-websocket-api/connections-table';
export { MeteredPublicApi } from './metered-public-api/metered-public-api';
export type { MeteredPublicApiProps, MeteredRouteOptions, MeteredWebAclOptions, TenantKeyAuthorizerOptions } from './metered-public-api/metered-public-api';
export type { ApiCustomerProps, CustomerKey, UsageQuota, UsageTier } from './metered-public-api/usage-tiers';
export { ApiWebAcl } from './metered-public-api/api-web-acl';
export type { ApiWebAclOptions, ApiWebAclProps } from './metered-public-api/api-web-acl';
export type { ConnectionsTableProps } from './realtime-websocket-api/connections-table';

// What every API construct shares
export { ApiBase } from './core/api-base/api-base';
export type { ApiBaseProps } from './core/api-base/api-base';
export { ApiKind } from './core/api-base/api-kind';

// Stages
export { StageProfile } from './core/stage/stage-profile';
export type { AlarmThresholds, CacheProfile, ResolvedAlarmThresholds, ResolvedCacheProfile, StageProfileOverrides, StageProfileProps, StageProfileSettings, ThrottleProfile } from './core/stage/stage-profile';

// Routes
export type { CorsOptions } from './core/routing/cors';
export type { RouteCacheOptions, RouteOptions, RouteSettings, RouteThrottleOptions } from './core/routing/route-options';

// Integrations
export { RouteIntegration } from './core/integrations/route-integration';
export { Integration } from './core/integrations/integration';
export { FunctionIntegration } from './core/integrations/function-integration';
export { EntryIntegration } from './core/integrations/entry-integration';
export type { EntryIntegrationOptions } from './core/integrations/entry-integration';
export { MockIntegration } from './core/integrations/mock-integration';
export type { MockIntegrationOptions } from './core/integrations/mock-integration';
export { HttpProxyIntegration } from './core/integrations/http-proxy-integration';
export type { HttpProxyIntegrationOptions } from './core/integrations/http-proxy-integration';
export { SqsIntegration } from './core/integrations/sqs-integration';
export type { SqsIntegrationOptions } from './core/integrations/sqs-integration';
export { EventBridgeIntegration } from './core/integrations/event-bridge-integration';
export type { EventBridgeIntegrationOptions } from './core/integrations/event-bridge-integration';
export { KinesisIntegration } from './core/integrations/kinesis-integration';
export type { KinesisIntegrationOptions } from './core/integrations/kinesis-integration';
export { StepFunctionsIntegration } from './core/integrations/step-functions-integration';
export type { StepFunctionsIntegrationOptions } from './core/integrations/step-functions-integration';
export { DynamoDbAction, DynamoDbIntegration, DynamoDbKeySource } from './core/integrations/dynamodb-integration';
export type { DynamoDbIntegrationOptions, DynamoDbKeyAttribute, DynamoDbKeyMapping } from './core/integrations/dynamodb-integration';
export { HttpTransformIntegration, HttpTransformValue } from './core/integrations/http-transform-integration';
export type { HttpTransformIntegrationOptions } from './core/integrations/http-transform-integration';
export { PrivateIntegration } from './core/integrations/private-integration';
export type { CloudMapIntegrationOptions, PrivateAlbIntegrationOptions, PrivateIntegrationOptions, PrivateNlbIntegrationOptions } from './core/integrations/private-integration';

// Authorization
export { ApiAuth } from './core/auth/api-auth';
export { Authorization } from './core/auth/authorization';
export { NoAuthorization } from './core/auth/no-authorization';
export { IamAuthorization } from './core/auth/iam-authorization';
export { CognitoAuthorization } from './core/auth/cognito-authorization';
export type { CognitoAuthOptions } from './core/auth/cognito-authorization';
export { JwtAuthorization } from './core/auth/jwt-authorization';
export type { JwtAuthOptions } from './core/auth/jwt-authorization';
export { LambdaTokenAuthorization } from './core/auth/lambda-token-authorization';
export type { LambdaTokenAuthOptions } from './core/auth/lambda-token-authorization';
export { LambdaRequestAuthorization } from './core/auth/lambda-request-authorization';
export type { LambdaRequestAuthOptions } from './core/auth/lambda-request-authorization';

// PrivateEcsApi
export { PrivateBackend, PrivateEcsApi } from './private-ecs-api/private-ecs-api';
export type { PrivateEcsApiProps, PrivateEcsEndpointOptions, PrivateEcsTlsOptions } from './private-ecs-api/private-ecs-api';
export { PrivateEcsService } from './private-ecs-api/private-ecs-service';
export type { EcsTrafficShift, PrivateEcsAutoScaling, PrivateEcsHealthCheck, PrivateEcsServiceConstructProps, PrivateEcsServiceProps } from './private-ecs-api/private-ecs-service';
export { VpcEgress } from './private-ecs-api/ecs-network';
export type { PrivateEcsVpcOptions } from './private-ecs-api/ecs-network';

// Releases
export { ReleasePolicy, ReleaseStyle } from './core/release/release-policy';
export type { ReleaseOptions, TrafficShiftOptions } from './core/release/release-policy';
export type { FunctionRelease } from './core/release/function-releases';
export type { StageCanaryOptions, StageReleaseOptions } from './core/release/stage-release';

// Custom domains
export { ApiCustomDomain } from './core/domain/custom-domain';
export type { ApiCustomDomainProps, CustomDomainOptions } from './core/domain/custom-domain';

// Functions
export { ApiFunction } from './core/functions/api-function';
export type { ApiEntryFunctionProps, ApiFunctionOptions, EntryBundlingOptions } from './core/functions/api-function';
export { PowertoolsLayer } from './core/functions/powertools-layer';

// Observability
export { ApiMetrics } from './core/observability/api-metrics';
export type { ApiMetricsProps } from './core/observability/api-metrics';
export { AlarmTopic } from './core/observability/alarm-topic';
export type { AlarmTopicProps } from './core/observability/alarm-topic';

// Security
export { ApiGatewayCloudWatchRole } from './core/security/api-gateway-account';
export type { ApiGatewayCloudWatchRoleProps } from './core/security/api-gateway-account';
export { LogEncryptionKey } from './core/security/log-encryption-key';
export type { LogEncryptionKeyProps } from './core/security/log-encryption-key';

// Compliance
export { ApiCompliance } from './core/compliance/compliance';
export type { ComplianceOptions } from './core/compliance/compliance';
export { ControlTowerGuard } from './core/compliance/control-tower-guard';
export type { ControlTowerGuardProps } from './core/compliance/control-tower-guard';

// Errors
export { ApiPatternsError } from './core/validation/errors';
