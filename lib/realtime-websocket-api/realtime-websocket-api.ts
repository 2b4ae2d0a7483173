import type { Duration } from 'aws-cdk-lib';
import { AspectPriority, Aspects, Lazy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm, Dashboard, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction, ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRule, acknowledgeWildcardResource, ApiGatewayPermissionAcknowledger } from '../core/acknowledgments';
import { ApiAuthType, jwtAuthorizerEnvironment } from '../core/api-auth';
import type { ApiAuth } from '../core/api-auth';
import { ApiObservability } from '../core/api-observability';
import { createApiFunction } from '../core/api-function';
import type { ApiFunctionOptions } from '../core/api-function';
import { ApiKind } from '../core/api-kind';
import { ApiMetrics } from '../core/api-metrics';
import { resolveCustomDomain } from '../core/custom-domain';
import type { ApiCustomDomain, CustomDomainOptions } from '../core/custom-domain';
import { ApiPatternsError, describeValue } from '../core/errors';
import { handlerCode } from '../core/handler-asset';
import { powertoolsLayer } from '../core/powertools-layer';
import type { StageProfile } from '../core/stage-profile';
import { createStageLogGroup } from '../core/stage-log-group';
import { validateIdentitySources, validateIntegerRange, validateIntegrationTimeout } from '../core/validation';
import { v2StageOptions } from '../core/v2-stage';
import { CONNECTIONS_SCHEMA, ConnectionsTable } from './connections-table';

/** Route keys the construct owns; user routes may not reuse them. */
export const BUILT_IN_WEBSOCKET_ROUTES = ['$connect', '$disconnect', '$default', 'subscribe', 'unsubscribe', 'publish'] as const;

/** Identity sources of WebSocket request authorizers. */
const WEBSOCKET_IDENTITY_SOURCE = /^(route\.request\.(header|querystring)|context|stageVariables)\.[A-Za-z0-9._-]+$/;

/** What a user route name may look like: the value clients send as `action`. */
const ROUTE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Table actions each built-in handler uses, and nothing more. */
const TABLE_ACTIONS = {
  connect: ['dynamodb:PutItem'],
  disconnect: ['dynamodb:Query', 'dynamodb:BatchWriteItem'],
  subscribe: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  unsubscribe: ['dynamodb:DeleteItem'],
  publish: ['dynamodb:Query', 'dynamodb:BatchWriteItem'],
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
}

/** Props of {@link RealtimeWebSocketApi}. */
export interface RealtimeWebSocketApiProps {
  /** The stage: name, throttling, logs, tracing of the functions, retention, alarms. */
  readonly profile: StageProfile;
  /**
   * Name of the API.
   * @default - the construct path
   */
  readonly apiName?: string;
  /**
   * Description of the API.
   * @default - none
   */
  readonly description?: string;
  /**
   * Authorization of `$connect` (the only route API Gateway authorizes on a WebSocket API):
   * `ApiAuth.jwt(...)` verifies a JWT from the `token` query-string parameter with a bundled Lambda
   * REQUEST authorizer (browsers cannot set headers on a WebSocket); `ApiAuth.iam()` needs SigV4;
   * `ApiAuth.lambdaRequest(fn, ...)` runs your own authorizer. Required unless `publicConnect`.
   * @default - none; `publicConnect: true` must then be set
   */
  readonly connectAuth?: ApiAuth;
  /**
   * Accept connections without authorization. An explicit opt-out, for public feeds.
   * @default false
   */
  readonly publicConnect?: boolean;
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
   * Custom domain (wss): create one, or share an `ApiCustomDomain` of kind WEBSOCKET.
   * @default - only the execute-api URL
   */
  readonly customDomain?: CustomDomainOptions;
  /**
   * Options for the functions the construct creates.
   * @default - see ApiFunctionOptions
   */
  readonly functionOptions?: ApiFunctionOptions;
  /**
   * The layer that provides Powertools for AWS Lambda (TypeScript) to the built-in handlers, whose
   * bundles do not carry it: `@aws-lambda-powertools/logger`, `metrics` and `tracer` at
   * `POWERTOOLS_VERSION` under `nodejs/node_modules`. `publicPowertoolsLayer(this)` is AWS's own.
   * @default - the layer this library ships (`powertoolsLayer`), one per stack
   */
  readonly powertoolsLayer?: ILayerVersion;
  /**
   * Customer-managed KMS key of the connection table.
   * @default - DynamoDB's AWS-managed key
   */
  readonly tableEncryptionKey?: IKey;
  /**
   * Create the recommended alarms (and function alarms).
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Create a CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
}

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
export class RealtimeWebSocketApi extends Construct {
  /** The WebSocket API. */
  public readonly api: apigwv2.WebSocketApi;

  /** The stage. */
  public readonly stage: apigwv2.WebSocketStage;

  /** The stage name. */
  public readonly stageName: string;

  /** The URL clients connect to: `wss://...` (the custom domain's when there is one). */
  public readonly url: string;

  /** The `@connections` management endpoint: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  public readonly callbackUrl: string;

  /** The connection table. */
  public readonly connectionsTable: Table;

  /** The custom domain, when one was given. */
  public readonly domain?: ApiCustomDomain;

  /** The stage's access-log group. */
  public readonly accessLogGroup: ILogGroup;

  /** The built-in handler functions, by route role. */
  public readonly handlers: {
    readonly connect: LambdaFunction;
    readonly disconnect: LambdaFunction;
    readonly default: LambdaFunction;
    readonly subscribe: LambdaFunction;
    readonly unsubscribe: LambdaFunction;
    readonly publish: LambdaFunction;
    /** The JWT authorizer, with `connectAuth: ApiAuth.jwt(...)`. */
    readonly authorizer?: LambdaFunction;
  };

  /** The Powertools layer every built-in handler runs with. */
  public readonly powertoolsLayer: ILayerVersion;

  /** Every alarm (API and functions); empty when `alarms` is false. */
  public readonly alarms: Alarm[];

  /** The dashboard, unless `dashboard` is false. */
  public readonly dashboard?: Dashboard;

  /** The stage's metrics. */
  public readonly metrics: ApiMetrics;

  private readonly props: RealtimeWebSocketApiProps;
  private get apiName(): string {
    return this.props.apiName ?? this.node.path.replace(/\//g, '-');
  }
  private readonly routeNames: string[] = ['subscribe', 'unsubscribe', 'publish'];
  private readonly observability: ApiObservability;

  constructor(scope: Construct, id: string, props: RealtimeWebSocketApiProps) {
    super(scope, id);
    this.props = props;
    const { profile } = props;
    profile.validate(this);
    this.validateProps();
    Aspects.of(this).add(new ApiGatewayPermissionAcknowledger(), { priority: AspectPriority.MUTATING });

    const apiName = this.apiName;
    this.stageName = profile.stageName;
    this.powertoolsLayer = props.powertoolsLayer ?? powertoolsLayer(this);
    this.connectionsTable = new ConnectionsTable(this, 'Connections', { profile, encryptionKey: props.tableEncryptionKey }).table;
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName,
      description: props.description,
      routeSelectionExpression: '$request.body.action',
    });
    this.accessLogGroup = createStageLogGroup(this, 'AccessLogs', profile);
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: this.api, ...v2StageOptions(profile, this.accessLogGroup, ApiKind.WEBSOCKET) });
    // Execution logs; WebSocket stages take no X-Ray setting, so a tracing profile traces only the functions.
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', profile.executionLogLevel);
    cfnStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', profile.dataTrace);

    const { region, urlSuffix } = Stack.of(this);
    this.callbackUrl = `https://${this.api.apiId}.execute-api.${region}.${urlSuffix}/${profile.stageName}`;
    const environment = {
      CONNECTIONS_TABLE_NAME: this.connectionsTable.tableName,
      CHANNEL_INDEX_NAME: CONNECTIONS_SCHEMA.channelIndex,
      POWERTOOLS_SERVICE_NAME: apiName,
      POWERTOOLS_METRICS_NAMESPACE: 'RealtimeWebSocketApi',
      // The Tracer costs CPU on every promise once loaded; switch it off with the profile's tracing.
      POWERTOOLS_TRACE_ENABLED: String(profile.tracing),
    };
    const fn = (role: string, extra: Record<string, string> = {}) =>
      createApiFunction(this, `${role.charAt(0).toUpperCase()}${role.slice(1)}Handler`, {
        profile,
        source: { code: handlerCode(`websocket-${role}`) },
        description: `${apiName} WebSocket ${role} handler`,
        environment: { ...environment, ...extra },
        layers: [this.powertoolsLayer],
        options: props.functionOptions,
      });
    const handlers = {
      connect: fn('connect'),
      disconnect: fn('disconnect'),
      default: fn('default', { AVAILABLE_ROUTES: Lazy.string({ produce: () => this.routeNames.join(',') }) }),
      subscribe: fn('subscribe'),
      unsubscribe: fn('unsubscribe'),
      publish: fn('publish', { CALLBACK_URL: this.callbackUrl, FANOUT_CONCURRENCY: String(props.fanoutConcurrency ?? 100) }),
    };
    for (const role of Object.keys(TABLE_ACTIONS) as Array<keyof typeof TABLE_ACTIONS>) this.grantTable(handlers[role], TABLE_ACTIONS[role], role === 'publish');
    this.grantManageConnections(handlers.publish);

    const authorizer = this.createAuthorizer();
    this.handlers = { ...handlers, authorizer: authorizer?.fn };
    this.addBuiltInRoute('$connect', handlers.connect, authorizer?.authorizer, false);
    this.addBuiltInRoute('$disconnect', handlers.disconnect, undefined, false);
    this.addBuiltInRoute('$default', handlers.default, undefined, true);
    this.addBuiltInRoute('subscribe', handlers.subscribe, undefined, true);
    this.addBuiltInRoute('unsubscribe', handlers.unsubscribe, undefined, true);
    this.addBuiltInRoute('publish', handlers.publish, undefined, true);

    if (props.customDomain) {
      this.domain = resolveCustomDomain(this, 'Domain', props.customDomain, ApiKind.WEBSOCKET);
      const basePath = props.customDomain.basePath;
      this.domain.mapV2Stage('DomainMapping', this.api, this.stage, ApiKind.WEBSOCKET, basePath);
      this.url = this.domain.urlFor(basePath);
    } else {
      this.url = this.stage.url;
    }

    this.metrics = new ApiMetrics({ kind: ApiKind.WEBSOCKET, apiIdentifier: this.api.apiId, stageName: profile.stageName });
    this.observability = new ApiObservability(this, {
      metrics: this.metrics,
      profile,
      apiName,
      alarms: props.alarms ?? true,
      dashboard: props.dashboard ?? true,
    });
    this.alarms = this.observability.alarms;
    this.dashboard = this.observability.dashboard;
    for (const [role, handler] of Object.entries(this.handlers)) if (handler) this.observability.watchFunction(`${role}Handler`, handler);
    for (const [name, handler] of Object.entries(props.routes ?? {})) this.addUserRoute(`routes[${JSON.stringify(name)}]`, name, handler, {});
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
    this.observability.watchFunction(`${name.replace(/[^A-Za-z0-9]/g, '')}Route`, handler);
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
    const grant = Grant.addToPrincipal({ grantee, actions: ['execute-api:ManageConnections'], resourceArns: [connectionsArn] });
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      acknowledgeWildcardResource(
        principal,
        connectionsArn,
        'Connection ids are created at run time, so posting to connections needs @connections/*; the ARN is limited to this API, this stage and the POST method.',
      );
    }
    return grant;
  }

  /** Any AWS/ApiGateway metric of the stage. */
  public metric(metricName: string, props?: MetricOptions): Metric {
    return this.metrics.metric(metricName, props);
  }

  /** Execution errors (Average: the 0..1 rate, 1 minute). */
  public metricExecutionError(props?: MetricOptions): Metric {
    return this.metrics.metricServerError(props);
  }

  /** Client errors (Average: the 0..1 rate, 1 minute). */
  public metricClientError(props?: MetricOptions): Metric {
    return this.metrics.metricClientError(props);
  }

  /** Messages (Sum, 1 minute). */
  public metricMessageCount(props?: MetricOptions): Metric {
    return this.metrics.metricCount(props);
  }

  /** Connect requests (Sum, 1 minute). */
  public metricConnectCount(props?: MetricOptions): Metric {
    return this.metrics.metricConnectCount(props);
  }

  /** Integration latency (p90, 1 minute). */
  public metricIntegrationLatency(props?: MetricOptions): Metric {
    return this.metrics.metricIntegrationLatency(props);
  }

  private validateProps(): void {
    const { props } = this;
    if (props.integrationTimeout) validateIntegrationTimeout(this, 'integrationTimeout', props.integrationTimeout, ApiKind.WEBSOCKET);
    if (props.fanoutConcurrency !== undefined) {
      validateIntegerRange(this, 'FanoutConcurrencyInvalid', 'fanoutConcurrency', props.fanoutConcurrency, 1, 1000);
    }
    if (props.publicConnect && props.connectAuth) {
      throw new ApiPatternsError('ConnectAuthAmbiguous', `publicConnect is true but connectAuth is set too; choose one. Got: ${props.connectAuth.type}`, this);
    }
    if (!props.publicConnect && !props.connectAuth) {
      throw new ApiPatternsError(
        'ConnectUnauthorized',
        'connectAuth is required for $connect: use ApiAuth.jwt(...), ApiAuth.iam() or ApiAuth.lambdaRequest(...), or set publicConnect: true to accept anyone. Got: neither',
        this,
      );
    }
    if (this.props.profile.caching) {
      throw new ApiPatternsError(
        'RestOnlyFeature',
        'caching (profile.caching) needs a REST API; WebSocket APIs have no stage cache. Got: a profile with caching',
        this,
      );
    }
    const auth = props.connectAuth;
    if (auth?.options.resultsCacheTtl !== undefined && auth.options.resultsCacheTtl.toSeconds() > 0) {
      throw new ApiPatternsError(
        'ConnectAuthCacheUnsupported',
        `connectAuth.resultsCacheTtl must be unset: API Gateway does not cache authorizer results on WebSocket APIs. Got: ${auth.options.resultsCacheTtl.toSeconds()} s`,
        this,
      );
    }
    if (auth?.type === ApiAuthType.LAMBDA_REQUEST) {
      validateIdentitySources(this, 'connectAuth.identitySources', auth.options.identitySources!, WEBSOCKET_IDENTITY_SOURCE, 'route.request.querystring.token');
    }
    const supported = [ApiAuthType.JWT, ApiAuthType.IAM, ApiAuthType.LAMBDA_REQUEST];
    if (props.connectAuth && !supported.includes(props.connectAuth.type)) {
      throw new ApiPatternsError(
        'ConnectAuthUnsupported',
        `connectAuth must be ApiAuth.jwt, ApiAuth.iam or ApiAuth.lambdaRequest on a WebSocket API. Got: ${props.connectAuth.type}`,
        this,
      );
    }
  }

  private createAuthorizer(): { authorizer: apigwv2.IWebSocketRouteAuthorizer; fn?: LambdaFunction } | undefined {
    const auth = this.props.connectAuth;
    if (!auth) return undefined;
    if (auth.type === ApiAuthType.IAM) return { authorizer: new WebSocketIamAuthorizer() };
    if (auth.type === ApiAuthType.LAMBDA_REQUEST) {
      return {
        authorizer: new WebSocketLambdaAuthorizer('ConnectAuthorizer', auth.options.handler!, { identitySource: auth.options.identitySources }),
      };
    }
    const fn = createApiFunction(this, 'AuthorizerHandler', {
      profile: this.props.profile,
      source: { code: handlerCode('websocket-authorizer') },
      description: `JWT authorizer of ${this.node.path} ($connect, token query parameter)`,
      environment: { ...jwtAuthorizerEnvironment(auth), POWERTOOLS_SERVICE_NAME: this.apiName },
      layers: [this.powertoolsLayer],
      options: this.props.functionOptions,
    });
    // The token rides in the query string: browsers cannot set headers on a WebSocket.
    return { fn, authorizer: new WebSocketLambdaAuthorizer('ConnectAuthorizer', fn, { identitySource: ['route.request.querystring.token'] }) };
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
    if (key !== '$connect') {
      const reason = `API Gateway authorizes a WebSocket connection once, on $connect; "${key}" runs on a connection that has already passed it, and WebSocket routes other than $connect cannot take an authorizer.`;
      acknowledgeGuardRule(route, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(route, 'AwsSolutions', 'APIG4', reason);
    } else if (this.props.publicConnect) {
      const reason = 'The API owner set publicConnect: true, an explicit choice to accept connections without authorization (e.g. a public feed).';
      acknowledgeGuardRule(route, 'api_gw_v2_authorization_type_configured_check', reason);
      acknowledgeRule(route, 'AwsSolutions', 'APIG4', reason);
    }
  }

  /**
   * Grants table actions on the table itself and, for Query, on the channel index only; with a
   * customer-managed key, the key actions those table actions need (decrypt to read, also
   * encrypt and data keys to write), named one by one.
   */
  private grantTable(grantee: IGrantable, actions: readonly string[], channelIndex = false): void {
    const table = this.connectionsTable;
    const resources = [table.tableArn, ...(channelIndex ? [`${table.tableArn}/index/${CONNECTIONS_SCHEMA.channelIndex}`] : [])];
    Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: resources });
    const key = this.props.tableEncryptionKey;
    if (key) {
      const writes = actions.some((a) => /Put|Delete|BatchWrite|Update/.test(a));
      key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []));
    }
  }

}
