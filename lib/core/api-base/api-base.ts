import { AspectPriority, Aspects, CfnOutput, Stack, Token } from 'aws-cdk-lib';
import type { Alarm, Dashboard, IMetric, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiGatewayPermissionAcknowledger } from '../compliance/acknowledgments';
import { resolveCustomDomain } from '../domain/custom-domain';
import type { ApiCustomDomain, CustomDomainOptions } from '../domain/custom-domain';
import { createApiFunction } from '../functions/api-function';
import { OpenApiDocumentFiles } from '../openapi/openapi-document';
import { RouteApi } from './route-api';
import type { RouteApiSettings } from './route-api';
import { FunctionReleases } from '../release/function-releases';
import type { FunctionRelease } from '../release/function-releases';
import type { CreateApiFunctionProps } from '../functions/api-function';
import type { FunctionAlarmOptions } from '../observability/alarms';
import { serviceMetric } from '../observability/api-metrics';
import type { ApiMetrics } from '../observability/api-metrics';
import { ApiObservability } from '../observability/api-observability';
import { ApiFeature, requireFeature } from '../routing/protocol-features';
import { createStageLogGroup } from '../stage/stage-log-group';
import type { StageProfile } from '../stage/stage-profile';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { ApiKind } from './api-kind';

/** The API names taken in each stack. */
const API_NAMES = new WeakMap<Stack, Map<string, string>>();

/** Fails when another API of the stack has the same name: their metrics, files and named resources would clash. */
function claimApiName(api: Construct, name: string): void {
  if (Token.isUnresolved(name)) return;
  const stack = Stack.of(api);
  let names = API_NAMES.get(stack);
  if (!names) {
    names = new Map();
    API_NAMES.set(stack, names);
  }
  const other = names.get(name);
  if (other !== undefined) {
    throw new ApiPatternsError('ApiNameDuplicate', `apiName is taken by another API of this stack (${other}): their metrics, OpenAPI files and named resources would clash. Got: ${describeValue(name)}`, api);
  }
  names.set(name, api.node.path);
}

/** The props every API construct of this library shares. */
export interface ApiBaseProps {
  /** The stage: name, throttling, logs, tracing, caching, retention, alarms. */
  readonly profile: StageProfile;
  /**
   * Name of the API, unique among the APIs of its stack (it names the REST `ApiName` metric
   * dimension, the OpenAPI files, and the resources a construct names after it).
   * @default - the construct path, with '-' for '/'
   */
  readonly apiName?: string;
  /**
   * Custom domain: create one, or share an `ApiCustomDomain` under a base path.
   * @default - only the execute-api URL
   */
  readonly customDomain?: CustomDomainOptions;
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
  /**
   * Output the URL clients use (`url`: the custom domain's when there is one) as a stack output.
   * @default true
   */
  readonly urlOutput?: boolean;
}

/** What a construct hands its base once it has created its API and stage. */
export interface ApiStageParts {
  /** The stage's metrics. */
  readonly metrics: ApiMetrics;
  /** The execute-api URL of the stage. */
  readonly executeApiUrl: string;
  /** Maps the stage to a custom domain under a base path. */
  mapDomain(domain: ApiCustomDomain, basePath?: string): void;
  /** Graph the cache hit ratio (REST with a stage cache). @default false */
  readonly caching?: boolean;
  /** The description of the URL output. */
  readonly urlDescription: string;
}

/**
 * What every API construct of this library does the same way: checks the profile, acknowledges
 * API Gateway's invoke permissions for cdk-nag, creates the access-log group, maps a custom domain
 * and outputs the URL, creates the alarms and the dashboard, creates functions with the library's
 * defaults (and watches them), and offers the `metric*()` helpers every API has.
 */
export abstract class ApiBase extends Construct {
  /** REST, HTTP or WebSocket. */
  public readonly kind: ApiKind;

  /** The API's name. */
  public readonly apiName: string;

  /** The stage name. */
  public readonly stageName: string;


  /** Functions the construct created (route handlers and authorizers), by construct id. */
  public readonly functions: Record<string, IFunction> = {};

  /**
   * How each function in `functions` is released (same keys): the `live` alias the API calls, and
   * the CodeDeploy deployment group that moves it with the profile's release policy.
   */
  public readonly releases: Record<string, FunctionRelease> = {};

  /** The stage profile. */
  protected readonly profile: StageProfile;

  private readonly baseProps: ApiBaseProps;
  private parts?: ApiStageParts;
  private stageUrl?: string;
  private customDomain?: ApiCustomDomain;
  private observability?: ApiObservability;
  private logGroup?: ILogGroup;
  private functionReleases?: FunctionReleases;

  protected constructor(scope: Construct, id: string, kind: ApiKind, props: ApiBaseProps) {
    super(scope, id);
    this.kind = kind;
    this.baseProps = props;
    this.profile = props.profile;
    props.profile.validate(this);
    // Only REST stages have canaries (and deployments this library labels).
    if (props.profile.stageRelease) requireFeature(this, kind, ApiFeature.STAGE_CANARY, 'profile.stageRelease');
    Aspects.of(this).add(new ApiGatewayPermissionAcknowledger(), { priority: AspectPriority.MUTATING });
    this.apiName = props.apiName ?? this.node.path.replace(/\//g, '-');
    claimApiName(this, this.apiName);
    this.stageName = props.profile.stageName;
  }

  /**
   * The stage's access-log group, created when the construct first asks for it (after checking its
   * props, so an API that fails a check leaves nothing behind).
   */
  public get accessLogGroup(): ILogGroup {
    this.logGroup ??= createStageLogGroup(this, 'AccessLogs', this.profile);
    return this.logGroup;
  }

  /** The base URL clients use: the custom domain's when there is one, the stage's otherwise. */
  public get url(): string {
    return this.setUp().url;
  }

  /** The execute-api URL of the stage. */
  public get executeApiUrl(): string {
    return this.setUp().parts.executeApiUrl;
  }

  /** The custom domain, when one was given. */
  public get domain(): ApiCustomDomain | undefined {
    return this.customDomain;
  }

  /** The stage's metrics. */
  public get metrics(): ApiMetrics {
    return this.setUp().parts.metrics;
  }

  /** Every alarm (API and functions); empty when `alarms` is false. */
  public get alarms(): Alarm[] {
    return this.setUp().observability.alarms;
  }

  /** The dashboard, unless `dashboard` is false. */
  public get dashboard(): Dashboard | undefined {
    return this.setUp().observability.dashboard;
  }

  /** Any AWS/ApiGateway metric of the stage (Sum, 1 minute unless `props` say otherwise). */
  public metric(metricName: string, props?: MetricOptions): Metric {
    return this.metrics.metric(metricName, props);
  }

  /** Server errors: the 5xx rate on REST and HTTP, `ExecutionError` on WebSocket (Average, 1 minute). */
  public metricServerError(props?: MetricOptions): Metric {
    return this.metrics.metricServerError(props);
  }

  /** Requests on REST and HTTP, messages on WebSocket (Sum, 1 minute). */
  public metricCount(props?: MetricOptions): Metric {
    return this.metrics.metricCount(props);
  }

  /** Client errors: the 4xx rate on REST and HTTP, `ClientError` on WebSocket (Average, 1 minute). */
  public metricClientError(props?: MetricOptions): Metric {
    return this.metrics.metricClientError(props);
  }

  /** Integration latency (p90, 1 minute). */
  public metricIntegrationLatency(props?: MetricOptions): Metric {
    return this.metrics.metricIntegrationLatency(props);
  }

  /**
   * Called once by the construct after it has created its API and stage: maps the custom domain,
   * sets the URL (and its output), and creates the alarms and dashboard.
   *
   * @internal
   */
  protected _setUpStage(parts: ApiStageParts): void {
    if (this.parts) throw new ApiPatternsError('ApiBaseSetUpTwice', `the stage of ${this.node.path} is already set up. Got: a second call`, this);
    this.parts = parts;
    const { customDomain } = this.baseProps;
    if (customDomain) {
      this.customDomain = resolveCustomDomain(this, 'Domain', customDomain, this.kind);
      parts.mapDomain(this.customDomain, customDomain.basePath);
      const base = this.customDomain.urlFor(customDomain.basePath);
      // REST and HTTP base URLs end with '/', like the stage's; a WebSocket URL is used as is.
      this.stageUrl = this.kind === ApiKind.WEBSOCKET || !customDomain.basePath ? base : `${base}/`;
    } else {
      this.stageUrl = parts.executeApiUrl;
    }
    if (this.baseProps.urlOutput ?? true) new CfnOutput(this, 'Url', { value: this.stageUrl, description: parts.urlDescription });
    this.observability = new ApiObservability(this, {
      metrics: parts.metrics,
      profile: this.profile,
      apiName: this.apiName,
      alarms: this.baseProps.alarms ?? true,
      dashboard: this.baseProps.dashboard ?? true,
      caching: parts.caching,
    });
  }

  /**
   * Creates the routes of a REST or HTTP construct (route table, backend, entry and authorizer
   * functions made by `_createFunction`), sets the stage up from its backend (`_setUpStage`), and
   * writes its OpenAPI documents into the cloud assembly unless `openApiFiles` is false.
   *
   * @internal
   */
  protected _setUpRoutes(settings: RouteApiSettings, openApiFiles = true): RouteApi {
    const routes = new RouteApi(this, {
      ...settings,
      kind: this.kind,
      apiName: this.apiName,
      profile: this.profile,
      accessLogGroup: this.accessLogGroup,
      createFunction: (fnId, fnProps, alarms) => this._createFunction(fnId, fnProps, alarms),
      watchErrorCount: (alarmId, metric, what, releasedBy) => this._watchErrorCount(alarmId, metric, what, releasedBy),
    });
    const { backend } = routes;
    this._setUpStage({
      metrics: backend.metrics,
      executeApiUrl: backend.url,
      mapDomain: (domain, basePath) => backend.mapDomain(domain, basePath),
      caching: this.kind === ApiKind.REST && this.profile.caching !== undefined,
      urlDescription: `Base URL of ${this.apiName}`,
    });
    if (openApiFiles) new OpenApiDocumentFiles(this, 'OpenApiFiles', { document: backend.document, fileName: this.apiName });
    return routes;
  }

  /**
   * Creates a function with the library's defaults (see `createApiFunction`); it joins `functions`,
   * the alarms and the dashboard (named `watchName` there, which keeps alarm ids stable).
   *
   * @internal
   */
  protected _createFunction(id: string, props: CreateApiFunctionProps, alarms: FunctionAlarmOptions = {}, watchName = id): IFunction {
    const fn = createApiFunction(this, id, props);
    this.functions[id] = fn;
    const created = this._watchFunction(watchName, fn, alarms);
    // The API calls the function through its `live` alias, which CodeDeploy moves with the profile's
    // release policy and rolls back when the function's errors alarm or the API's 5xx alarm fires.
    this.functionReleases ??= new FunctionReleases(this, 'Releases', this.profile.release, this.profile.releaseGiven);
    const serverErrors = this._serverErrorAlarm;
    const rollbackAlarms = [...created.filter((a) => a.node.id.endsWith('Errors')), ...(serverErrors ? [serverErrors] : [])];
    const release = this.functionReleases.release(id, fn, rollbackAlarms, 'profile.release');
    this.releases[id] = release;
    return release.alias;
  }

  /**
   * The API's server-error alarm (5xx rate; WebSocket execution errors), when alarms are on: what
   * every release of the construct rolls back on.
   * @internal
   */
  protected get _serverErrorAlarm(): Alarm | undefined {
    return this.setUp().observability.serverErrorAlarm;
  }

  /**
   * The function behind a `live` alias `_createFunction` returned.
   * @internal
   */
  protected _releasedFunction(live: IFunction): IFunction {
    const id = Object.keys(this.releases).find((key) => this.releases[key].alias === live);
    if (id === undefined) throw new ApiPatternsError('FunctionNotReleased', `${live.node.path} is not the live alias of a function of ${this.node.path}. Got: ${live.node.path}`, this);
    return this.functions[id];
  }

  /**
   * Adds errors and throttles alarms and a dashboard graph for a function, once per function.
   * @internal
   */
  protected _watchFunction(name: string, fn: IFunction, alarms: FunctionAlarmOptions = {}): Alarm[] {
    return this.setUp().observability.watchFunction(name, fn, alarms);
  }

  /**
   * Adds an alarm and a graph for an error count the construct's handlers publish themselves; the
   * releases of `releasedBy` (live aliases `_createFunction` returned) roll back on it too.
   * @internal
   */
  protected _watchErrorCount(id: string, metric: IMetric, what: string, releasedBy: IFunction[] = []): void {
    const alarm = this.setUp().observability.watchErrorCount(id, metric, what);
    // Functions that count these errors themselves (and answer instead of throwing) roll back on this alarm too.
    if (!alarm || !this.profile.release.rollback) return;
    for (const live of releasedBy) {
      const release = Object.values(this.releases).find((r) => r.alias === live);
      release?.deploymentGroup.addAlarm(alarm);
    }
  }

  /**
   * Adds an alarm when `metric` reaches `threshold` for `periods` periods, and a graph of it.
   * @internal
   */
  protected _watchThreshold(id: string, metric: IMetric, threshold: number, periods: number, what: string): Alarm | undefined {
    return this.setUp().observability.watchThreshold(id, metric, threshold, periods, what);
  }

  /**
   * Adds a dashboard graph.
   * @internal
   */
  protected _addGraph(title: string, metrics: IMetric[]): void {
    this.setUp().observability.addGraph(title, metrics);
  }

  /**
   * A metric the construct's own handlers publish (namespace, dimension `service` = the API name; Sum, 1 minute).
   * @internal
   */
  protected _handlerMetric(namespace: string, metricName: string, props?: MetricOptions): Metric {
    return serviceMetric(namespace, this.apiName, metricName, props);
  }

  private setUp(): { readonly parts: ApiStageParts; readonly url: string; readonly observability: ApiObservability } {
    if (!this.parts || !this.observability || this.stageUrl === undefined) {
      throw new ApiPatternsError('ApiBaseNotSetUp', `the stage of ${this.node.path} is not set up yet: call _setUpStage() in the constructor. Got: no stage`, this);
    }
    return { parts: this.parts, url: this.stageUrl, observability: this.observability };
  }
}
