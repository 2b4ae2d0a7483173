import { Lazy, Stack } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction, ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ApiBase } from '../core/api-base/api-base';
import type { ApiBaseProps } from '../core/api-base/api-base';
import { ApiKind } from '../core/api-base/api-kind';
import type { Authorization } from '../core/auth/authorization';
import type { JwtAuthorization } from '../core/auth/jwt-authorization';
import { acknowledgeGuardRule, acknowledgeRule } from '../core/compliance/acknowledgments';
import type { ApiFunctionOptions } from '../core/functions/api-function';
import { handlerCode } from '../core/functions/handler-asset';
import { PowertoolsLayer } from '../core/functions/powertools-layer';
import { ApiMetrics } from '../core/observability/api-metrics';
import type { RouteThrottleOptions } from '../core/routing/route-options';
import { validateRouteThrottle } from '../core/routing/route-table';
import { grantOnRunTimeResources } from '../core/security/grants';
import { createExecutionLogGroup } from '../core/stage/stage-log-group';
import { throttleV2Route, v2StageOptions } from '../core/stage/v2-stage';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { maxIntegrationTimeout, validateIntegerRange, validateIntegrationTimeout } from '../core/validation/validation';
import { CONNECTIONS_SCHEMA, ConnectionsTable } from './connections-table';

/** Route keys the construct owns; user routes may not reuse them. */
export const BUILT_IN_WEBSOCKET_ROUTES = ['$connect', '$disconnect', '$default', 'subscribe', 'unsubscribe', 'publish'] as const;

/** What a user route name may look like: the value clients send as `action`. */
const ROUTE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Table actions each built-in handler uses, and nothing more (see lambda/websocket/lib/connection-repository.ts). */
const TABLE_ACTIONS = {
  connect: ['dynamodb:PutItem'],
  // Deletes the connection item first, then its subscriptions.
  disconnect: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
  // A conditional counter on the connection item caps its subscriptions; a subscription written after
  // $disconnect removed the connection is deleted again.
  subscribe: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
  unsubscribe: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
  // Reads a channel's members from the index; purges connections that answer 410 Gone.
  publish: ['dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
} as const satisfies Record<string, readonly string[]>;

/** Table actions a user route gets: read connections and subscriptions. */
const USER_ROUTE_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];

/** Options of a user route. */
export interface WebSocketRouteOptions {
  /**
   * Integration timeout, 50 ms to 29 s.
   * @default - the API's `integrationTimeout` (29 s unless set)
   */
  readonly timeout?: Duration;
  /**
   * Throttling of this route, below the stage's.
   * @default - the stage's throttling
   */
  readonly throttle?: RouteThrottleOptions;
}

/** Props of {@link RealtimeWebSocketApi}. */
export interface RealtimeWebSocketApiProps extends ApiBaseProps {
  /**
   * Description of the API.
   * @default - none
   */
  readonly description?: string;
  /**
   * Authorization of `$connect` (the only route API Gateway authorizes on a WebSocket API):
   * `ApiAuth.jwt(...)` verifies a JWT from the `token` query-string parameter with a bundled Lambda
   * REQUEST authorizer (browsers cannot set headers on a WebSocket); `ApiAuth.iam()` needs SigV4;
   * `ApiAuth.lambdaRequest(fn, ...)` runs your own authorizer; `ApiAuth.none()` accepts anyone, as
   * an explicit choice (a public feed).
   */
  readonly connectAuth: Authorization;
  /**
   * User routes by name (the `action` clients send). See `addRoute()`.
   * @default - only the built-in routes
   */
  readonly routes?: Record<string, IFunction>;
  /**
   * Integration timeout of every route, 50 ms to 29 s.
   * @default Duration.seconds(29)
   */
  readonly integrationTimeout?: Duration;
  /**
   * How many `PostToConnection` calls the publish handler keeps in flight (1 to 1000).
   * @default 100
   */
  readonly fanoutConcurrency?: number;
  /**
   * How many channels one connection may subscribe to (1 to 1000). A subscribe beyond it is
   * answered `TOO_MANY_SUBSCRIPTIONS`; it bounds what one client can store and what `$disconnect`
   * has to delete.
   * @default 100
   */
  readonly maxSubscriptionsPerConnection?: number;
  /**
   * Throttling per route key (`$connect`, `publish`, a user route, ...), below the stage's. A key
   * that is not a route of this API fails at synth.
   * @default - the stage's throttling for every route
   */
  readonly routeThrottles?: Record<string, RouteThrottleOptions>;
  /**
   * Options for the functions the construct creates.
   * @default - see ApiFunctionOptions
   */
  readonly functionOptions?: ApiFunctionOptions;
  /**
   * The layer that provides Powertools for AWS Lambda (TypeScript) to the built-in handlers, whose
   * bundles do not carry it: `@aws-lambda-powertools/logger`, `metrics` and `tracer` at
   * `PowertoolsLayer.VERSION` under `nodejs/node_modules`. `PowertoolsLayer.awsManaged(this)` is AWS's own.
   * @default - the layer this library ships (`PowertoolsLayer.bundled(this)`), one per stack
   */
  readonly powertoolsLayer?: ILayerVersion;
  /**
   * Customer-managed KMS key of the connection table.
   * @default - DynamoDB's AWS-managed key
   */
  readonly tableEncryptionKey?: IKey;
}

/** The functions RealtimeWebSocketApi creates for its built-in routes. */
export interface WebSocketHandlers {
  /** `$connect`: records the connection. */
  readonly connect: LambdaFunction;
  /** `$disconnect`: removes the connection and its subscriptions. */
  readonly disconnect: LambdaFunction;
  /** `$default`: tells clients which actions exist. */
  readonly fallback: LambdaFunction;
  /** `subscribe`. */
  readonly subscribe: LambdaFunction;
  /** `unsubscribe`. */
  readonly unsubscribe: LambdaFunction;
  /** `publish`: fans a message out to a channel's subscribers. */
  readonly publish: LambdaFunction;
  /**
   * The bundled JWT authorizer of `$connect`, with `connectAuth: ApiAuth.jwt(...)`.
   * @default - none
   */
  readonly authorizer?: LambdaFunction;
}

/** The CloudWatch namespace the built-in handlers publish their own metrics to (dimension `service`: the API name). */
export const WEBSOCKET_HANDLER_METRICS_NAMESPACE = 'RealtimeWebSocketApi';

/**
 * A WebSocket API for chat, live dashboards and notifications: routes selected on
 * `$request.body.action`, an authorized `$connect`, a DynamoDB connection table with channel
 * subscriptions, built-in `subscribe`, `unsubscribe` and `publish` (fan-out to every subscriber
 * through the `@connections` management API, purging connections that are gone), a `$default` route
 * that tells clients which actions exist, and user routes with `addRoute()`. The stage comes from
 * the profile, with JSON access logs, execution logs, throttling, alarms and a dashboard.
 *
 * @example
 * const chat = new RealtimeWebSocketApi(this, 'Chat', {
 *   profile: StageProfile.prod(),
 *   connectAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['chat'] }),
 * });
 */
export class RealtimeWebSocketApi extends ApiBase {
  /** The CloudWatch namespace the built-in handlers publish their own metrics to (dimension `service`: the API name). */
  public static readonly HANDLER_METRICS_NAMESPACE = WEBSOCKET_HANDLER_METRICS_NAMESPACE;

  /** Route keys the construct owns; user routes may not reuse them. */
  public static readonly BUILT_IN_ROUTES: string[] = [...BUILT_IN_WEBSOCKET_ROUTES];

  /** The WebSocket API. */
  public readonly api: apigwv2.WebSocketApi;

  /** The stage. */
  public readonly stage: apigwv2.WebSocketStage;

  /** The `@connections` management endpoint: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  public readonly callbackUrl: string;

  /** The connection table. */
  public readonly connectionsTable: Table;

  /**
   * The stage's execution-log group (`/aws/apigateway/<apiId>/<stage>`), created with the profile's
   * retention, key and removal policy; undefined when the profile logs no execution logs.
   */
  public readonly executionLogGroup?: ILogGroup;

  /** The built-in handler functions, by route role. */
  public readonly handlers: WebSocketHandlers;

  /** The Powertools layer every built-in handler runs with. */
  public readonly powertoolsLayer: ILayerVersion;

  private readonly props: RealtimeWebSocketApiProps;
  private readonly routeNames: string[] = ['subscribe', 'unsubscribe', 'publish'];
  /** Powertools settings of every function the construct creates: one service name and one metrics namespace. */
  private get powertoolsEnvironment(): Record<string, string> {
    return {
      POWERTOOLS_SERVICE_NAME: this.apiName,
      POWERTOOLS_METRICS_NAMESPACE: WEBSOCKET_HANDLER_METRICS_NAMESPACE,
      // The Tracer costs CPU on every promise once loaded; switch it off with the profile's tracing.
      POWERTOOLS_TRACE_ENABLED: String(this.props.profile.tracing),
    };
  }
  private readonly routes = new Map<string, apigwv2.WebSocketRoute>();

  constructor(scope: Construct, id: string, props: RealtimeWebSocketApiProps) {
    super(scope, id, ApiKind.WEBSOCKET, props);
    this.props = props;
    const { profile } = props;
    this.validateProps();

    const apiName = this.apiName;
    this.powertoolsLayer = props.powertoolsLayer ?? PowertoolsLayer.bundled(this);
    this.connectionsTable = new ConnectionsTable(this, 'Connections', { profile, encryptionKey: props.tableEncryptionKey }).table;
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName,
      description: props.description,
      routeSelectionExpression: '$request.body.action',
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: this.api, ...v2StageOptions(profile, this.accessLogGroup, ApiKind.WEBSOCKET) });
    // Execution logs; WebSocket stages take no X-Ray setting, so a tracing profile traces only the functions.
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', profile.executionLogLevel);
    cfnStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', profile.dataTrace);
    this.executionLogGroup = createExecutionLogGroup(this, profile, ApiKind.WEBSOCKET, this.api.apiId, this.stage);
    this._setUpStage({
      metrics: new ApiMetrics({ kind: ApiKind.WEBSOCKET, apiIdentifier: this.api.apiId, stageName: profile.stageName }),
      executeApiUrl: this.stage.url,
      mapDomain: (domain, basePath) => domain.mapV2Stage(this, 'DomainMapping', this.api, this.stage, ApiKind.WEBSOCKET, basePath),
      urlDescription: `URL clients of ${apiName} connect to`,
    });

    const { region, urlSuffix } = Stack.of(this);
    this.callbackUrl = `https://${this.api.apiId}.execute-api.${region}.${urlSuffix}/${profile.stageName}`;
    const environment = {
      CONNECTIONS_TABLE_NAME: this.connectionsTable.tableName,
      CHANNEL_INDEX_NAME: CONNECTIONS_SCHEMA.channelIndex,
      ...this.powertoolsEnvironment,
    };
    const fn = (role: string, extra: Record<string, string> = {}) =>
      this._createFunction(`${role.charAt(0).toUpperCase()}${role.slice(1)}Handler`, {
        profile,
        source: { code: handlerCode(`websocket-${role}`) },
        description: `${apiName} WebSocket ${role} handler`,
        environment: { ...environment, ...extra },
        layers: [this.powertoolsLayer],
        options: props.functionOptions,
      }, {}, `${role}Handler`);
    const integrationTimeout = props.integrationTimeout ?? maxIntegrationTimeout(ApiKind.WEBSOCKET);
    const handlers = {
      connect: fn('connect'),
      disconnect: fn('disconnect'),
      fallback: fn('default', { AVAILABLE_ROUTES: Lazy.string({ produce: () => this.routeNames.join(',') }) }),
      subscribe: fn('subscribe', { MAX_SUBSCRIPTIONS_PER_CONNECTION: String(props.maxSubscriptionsPerConnection ?? 100) }),
      unsubscribe: fn('unsubscribe'),
      publish: fn('publish', {
        CALLBACK_URL: this.callbackUrl,
        FANOUT_CONCURRENCY: String(props.fanoutConcurrency ?? 100),
        // Publish answers before API Gateway stops waiting; what it cannot post by then counts as failed.
        INTEGRATION_TIMEOUT_MS: String(integrationTimeout.toMilliseconds()),
      }),
    };
    this.grantTable(handlers.connect, TABLE_ACTIONS.connect);
    this.grantTable(handlers.disconnect, TABLE_ACTIONS.disconnect);
    this.grantTable(handlers.subscribe, TABLE_ACTIONS.subscribe);
    this.grantTable(handlers.unsubscribe, TABLE_ACTIONS.unsubscribe);
    this.grantTable(handlers.publish, TABLE_ACTIONS.publish, true);
    this.grantManageConnections(handlers.publish);
    // The route handlers answer failures (500) instead of throwing them, so Lambda's Errors metric
    // stays at 0: alarm on the internal errors they count themselves.
    // Their releases roll back on it too, since their Lambda Errors alarms stay quiet.
    this._watchErrorCount('HandlerInternalErrors', this.metricHandlerInternalErrors(), `${apiName} (${profile.stageName}): route handler internal errors`, Object.values(handlers));

    const connectAuth = props.connectAuth.isPublic
      ? undefined
      : props.connectAuth._bindWebSocket({
          scope: this,
          prop: 'connectAuth',
          kind: ApiKind.WEBSOCKET,
          name: 'ConnectAuthorizer',
          jwtAuthorizerFunction: (auth, fnId) => this.jwtAuthorizerFunction(auth, fnId),
        });
    // The public handlers are the functions themselves (to configure and grant); routes call their `live` aliases.
    const fnById = (live: IFunction): LambdaFunction => this._releasedFunction(live) as LambdaFunction;
    this.handlers = {
      connect: fnById(handlers.connect),
      disconnect: fnById(handlers.disconnect),
      fallback: fnById(handlers.fallback),
      subscribe: fnById(handlers.subscribe),
      unsubscribe: fnById(handlers.unsubscribe),
      publish: fnById(handlers.publish),
      authorizer: connectAuth?.authorizerFunction ? fnById(connectAuth.authorizerFunction) : undefined,
    };
    this.addBuiltInRoute('$connect', handlers.connect, connectAuth?.authorizer, false);
    this.addBuiltInRoute('$disconnect', handlers.disconnect, undefined, false);
    this.addBuiltInRoute('$default', handlers.fallback, undefined, true);
    this.addBuiltInRoute('subscribe', handlers.subscribe, undefined, true);
    this.addBuiltInRoute('unsubscribe', handlers.unsubscribe, undefined, true);
    this.addBuiltInRoute('publish', handlers.publish, undefined, true);
    for (const [name, handler] of Object.entries(props.routes ?? {})) this.addUserRoute(`routes[${JSON.stringify(name)}]`, name, handler, {});
    for (const [routeKey, throttle] of Object.entries(props.routeThrottles ?? {})) this.throttleRoute(`routeThrottles[${JSON.stringify(routeKey)}]`, routeKey, throttle);
  }

  /**
   * Adds a user route: messages whose `action` is `name` go to `handler`. The handler gets
   * CONNECTIONS_TABLE_NAME, CHANNEL_INDEX_NAME and CALLBACK_URL (when it is a `lambda.Function`),
   * read access to the connection table and `execute-api:ManageConnections` on this stage, and its
   * answer is sent back to the caller (route response).
   */
  public addRoute(name: string, handler: IFunction, options: WebSocketRouteOptions = {}): void {
    this.addUserRoute(`addRoute(${JSON.stringify(name)})`, name, handler, options);
  }

  private addUserRoute(prop: string, name: string, handler: IFunction, options: WebSocketRouteOptions): void {
    if (options.throttle) validateRouteThrottle(this, `${prop}.throttle`, options.throttle);
    if ((BUILT_IN_WEBSOCKET_ROUTES as readonly string[]).includes(name) || this.routeNames.includes(name)) {
      throw new ApiPatternsError(
        'WebSocketRouteReserved',
        `${prop}: the route name is taken by ${(BUILT_IN_WEBSOCKET_ROUTES as readonly string[]).includes(name) ? 'a built-in route' : 'another route'} (built-in: ${BUILT_IN_WEBSOCKET_ROUTES.join(', ')}). Got: ${describeValue(name)}`,
        this,
      );
    }
    if (!ROUTE_NAME.test(name)) {
      throw new ApiPatternsError(
        'WebSocketRouteKeyInvalid',
        `${prop}: a route name must be 1 to 128 letters, digits, '_', '.', ':' or '-' (the action clients send), without '$'. Got: ${describeValue(name)}`,
        this,
      );
    }
    if (options.timeout) validateIntegrationTimeout(this, `${prop}.timeout`, options.timeout, ApiKind.WEBSOCKET);
    if (handler instanceof LambdaFunction) {
      handler.addEnvironment('CONNECTIONS_TABLE_NAME', this.connectionsTable.tableName);
      handler.addEnvironment('CHANNEL_INDEX_NAME', CONNECTIONS_SCHEMA.channelIndex);
      handler.addEnvironment('CALLBACK_URL', this.callbackUrl);
    }
    this.grantTable(handler, USER_ROUTE_TABLE_ACTIONS, true);
    this.grantManageConnections(handler);
    this.routeNames.push(name);
    this.addRouteTo(name, handler, undefined, true, options.timeout);
    this._watchFunction(`${name.replace(/[^A-Za-z0-9]/g, '')}Route`, handler);
    if (options.throttle) this.throttleRoute(`${prop}.throttle`, name, options.throttle);
  }

  /** Throttles one route of the stage; the route key must be one of this API's routes. */
  private throttleRoute(prop: string, routeKey: string, throttle: RouteThrottleOptions): void {
    const route = this.routes.get(routeKey);
    if (!route) {
      throw new ApiPatternsError(
        'RouteThrottleKeyUnknown',
        `${prop} names a route this API does not have (routes: ${[...this.routes.keys()].join(', ')}); add the route first, or throttle it with addRoute(name, handler, { throttle }). Got: ${describeValue(routeKey)}`,
        this,
      );
    }
    validateRouteThrottle(this, prop, throttle);
    throttleV2Route(this.stage, route, routeKey, throttle, { LoggingLevel: this.profile.executionLogLevel, DataTraceEnabled: this.profile.dataTrace });
  }

  /**
   * Lets a principal send messages to this stage's connections: `execute-api:ManageConnections`
   * on `POST @connections/*` of this API and stage only.
   */
  public grantManageConnections(grantee: IGrantable): Grant {
    const connectionsArn = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${this.stageName}/POST/@connections/*`,
    });
    return grantOnRunTimeResources(
      grantee,
      ['execute-api:ManageConnections'],
      connectionsArn,
      'Connection ids are created at run time, so posting to connections needs @connections/*; the ARN is limited to this API, this stage and the POST method.',
    );
  }

  /** Execution errors (Average: the 0..1 rate, 1 minute). */
  public metricExecutionError(props?: MetricOptions): Metric {
    return this.metrics.metricServerError(props);
  }

  /** Messages (Sum, 1 minute). */
  public metricMessageCount(props?: MetricOptions): Metric {
    return this.metrics.metricCount(props);
  }

  /** Connect requests (Sum, 1 minute). */
  public metricConnectCount(props?: MetricOptions): Metric {
    return this.metrics.metricConnectCount(props);
  }

  /**
   * Any metric the built-in handlers publish (namespace `RealtimeWebSocketApi`, dimension
   * `service` = the API name), e.g. `Deliveries`, `FailedDeliveries`, `RequestErrors`. Default: Sum, 1 minute.
   */
  public metricHandler(metricName: string, props?: MetricOptions): Metric {
    return this._handlerMetric(WEBSOCKET_HANDLER_METRICS_NAMESPACE, metricName, props);
  }

  /** Internal errors of the route handlers, which they answer with a 500 instead of throwing (Sum, 1 minute). */
  public metricHandlerInternalErrors(props?: MetricOptions): Metric {
    return this.metricHandler('InternalErrors', props);
  }

  /** Failures of the bundled JWT authorizer that are not the token's fault, e.g. the IdP is unreachable (Sum, 1 minute). */
  public metricAuthorizerErrors(props?: MetricOptions): Metric {
    return this.metricHandler('AuthorizerErrors', props);
  }

  private validateProps(): void {
    const { props } = this;
    if (props.integrationTimeout) validateIntegrationTimeout(this, 'integrationTimeout', props.integrationTimeout, ApiKind.WEBSOCKET);
    if (props.fanoutConcurrency !== undefined) {
      validateIntegerRange(this, 'FanoutConcurrencyInvalid', 'fanoutConcurrency', props.fanoutConcurrency, 1, 1000);
    }
    if (props.maxSubscriptionsPerConnection !== undefined) {
      validateIntegerRange(this, 'MaxSubscriptionsInvalid', 'maxSubscriptionsPerConnection', props.maxSubscriptionsPerConnection, 1, 1000);
    }
    const auth = props.connectAuth;
    if (!auth) {
      throw new ApiPatternsError(
        'ConnectUnauthorized',
        'connectAuth is required for $connect: use ApiAuth.jwt(...), ApiAuth.iam() or ApiAuth.lambdaRequest(...), or ApiAuth.none() to accept anyone. Got: undefined',
        this,
      );
    }
    const credentialInQuery = auth._credentialInQueryString();
    if (props.profile.dataTrace && credentialInQuery) {
      throw new ApiPatternsError(
        'DataTraceLogsCredentials',
        `profile.dataTrace must be false here: $connect takes ${credentialInQuery} in the query string, and data trace would write it to the execution logs. Got: true`,
        this,
      );
    }
    if (props.profile.caching) {
      throw new ApiPatternsError(
        'RestOnlyFeature',
        'caching (profile.caching) needs a REST API; WebSocket APIs have no stage cache. Got: a profile with caching',
        this,
      );
    }
    const ttl = auth._resultsCacheTtl();
    if (ttl !== undefined && ttl.toSeconds() > 0) {
      throw new ApiPatternsError(
        'ConnectAuthCacheUnsupported',
        `connectAuth.resultsCacheTtl must be unset: API Gateway does not cache authorizer results on WebSocket APIs. Got: ${ttl.toSeconds()} s`,
        this,
      );
    }
  }

  /**
   * The bundled JWT authorizer of `$connect`. It refuses a token by throwing, so it is alarmed on
   * the `AuthorizerErrors` it counts itself (IdP unreachable, configuration), not on Lambda Errors.
   */
  private jwtAuthorizerFunction(auth: JwtAuthorization, fnId: string): IFunction {
    const fn = this._createFunction(
      fnId,
      {
        profile: this.profile,
        source: { code: handlerCode('websocket-authorizer') },
        description: `JWT authorizer of ${this.node.path} ($connect, token query parameter)`,
        environment: { ...auth.authorizerEnvironment(), ...this.powertoolsEnvironment },
        layers: [this.powertoolsLayer],
        options: this.props.functionOptions,
      },
      { errors: false },
      'authorizerHandler',
    );
    this._watchErrorCount('AuthorizerErrors', this.metricAuthorizerErrors(), `${this.apiName} (${this.stageName}): $connect authorizer errors (IdP or configuration)`, [fn]);
    return fn;
  }

  private addBuiltInRoute(key: string, handler: IFunction, authorizer: apigwv2.IWebSocketRouteAuthorizer | undefined, returnResponse: boolean): void {
    this.addRouteTo(key, handler, authorizer, returnResponse, undefined);
  }

  private addRouteTo(
    key: string,
    handler: IFunction,
    authorizer: apigwv2.IWebSocketRouteAuthorizer | undefined,
    returnResponse: boolean,
    timeout: Duration | undefined,
  ): void {
    const integration = new WebSocketLambdaIntegration(`${key.replace('$', '')}Integration`, handler, {
      timeout: timeout ?? this.props.integrationTimeout,
    });
    const route = this.api.addRoute(key, { integration, authorizer, returnResponse });
    this.routes.set(key, route);
    if (key !== '$connect') {
      const reason = `API Gateway authorizes a WebSocket connection once, on $connect; "${key}" runs on a connection that has already passed it, and WebSocket routes other than $connect cannot take an authorizer.`;
      acknowledgeGuardRule(route, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(route, 'AwsSolutions', 'APIG4', reason);
    } else if (this.props.connectAuth.isPublic) {
      const reason = 'The API owner set connectAuth: ApiAuth.none(), an explicit choice to accept connections without authorization (e.g. a public feed).';
      acknowledgeGuardRule(route, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(route, 'AwsSolutions', 'APIG4', reason);
    }
  }

  /**
   * Grants table actions on the table itself and, where asked, Query on the channel index; with a
   * customer-managed key, the key actions those table actions need (decrypt to read, also
   * encrypt and data keys to write), named one by one.
   */
  private grantTable(grantee: IGrantable, actions: readonly string[], channelIndex = false): void {
    const table = this.connectionsTable;
    Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [table.tableArn] });
    // The index is only ever queried.
    if (channelIndex) Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${CONNECTIONS_SCHEMA.channelIndex}`] });
    const key = this.props.tableEncryptionKey;
    if (key) {
      const writes = actions.some((a) => /Put|Delete|BatchWrite|Update/.test(a));
      key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []));
    }
  }

}
