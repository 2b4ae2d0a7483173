import { relative, sep } from 'node:path';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Authorization } from '../auth/authorization';
import type { JwtAuthorization } from '../auth/jwt-authorization';
import type { ApiBackend, ApiBackendProps } from '../backends/api-backend';
import { HttpBackend } from '../backends/http-backend';
import { RestBackend } from '../backends/rest-backend';
import { validateApiFunctionOptions } from '../functions/api-function';
import type { ApiFunctionOptions, CreateApiFunctionProps } from '../functions/api-function';
import { handlerCode } from '../functions/handler-asset';
import type { EntryIntegrationOptions } from '../integrations/entry-integration';
import type { FunctionAlarmOptions } from '../observability/alarms';
import type { ResolvedCors } from '../routing/cors';
import type { RouteOptions } from '../routing/route-options';
import { RouteTable } from '../routing/route-table';
import type { TableRoute } from '../routing/route-table';
import type { StageProfile } from '../stage/stage-profile';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { ApiKind } from './api-kind';
import { pascalCase } from './construct-ids';

/** A path relative to the app's directory, with forward slashes. */
function relativeToApp(path: string): string {
  return relative(process.cwd(), path).split(sep).join('/');
}

/** The construct id of an entry's function, from its path relative to the app: `lambda/items/handler.ts` -> `LambdaItemsHandlerFunction`. */
function entryFunctionId(entry: string): string {
  return `${pascalCase(relativeToApp(entry).replace(/\.[cm]?[jt]sx?$/, ''))}Function`;
}

/** The entries of an options object whose value is set. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Two entry option objects that set the same values (objects compared by identity, plain records by content). */
function sameOptions(a: EntryIntegrationOptions, b: EntryIntegrationOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof EntryIntegrationOptions>;
  const same = (x: unknown, y: unknown): boolean => {
    if (x === y) return true;
    try {
      return JSON.stringify(x) === JSON.stringify(y);
    } catch {
      return false; // constructs (a VPC, a key) are the same only when they are the same object
    }
  };
  return [...keys].every((key) => same(a[key], b[key]));
}

/** What a {@link RouteApi} needs from the construct that owns it. Internal. */
export interface RouteApiProps {
  readonly kind: ApiKind;
  readonly apiName: string;
  readonly description?: string;
  readonly profile: StageProfile;
  readonly accessLogGroup: ILogGroup;
  readonly defaultAuth?: Authorization;
  readonly cors?: ResolvedCors;
  readonly disableExecuteApiEndpoint?: boolean;
  readonly functionOptions?: ApiFunctionOptions;
  /** REST only. */
  readonly tracing?: boolean;
  readonly endpointType?: apigw.EndpointType;
  readonly webAclArn?: string;
  readonly webAclAssociatedByConstruct?: boolean;
  readonly resourcePolicy?: PolicyDocument;
  readonly clientCertificate?: boolean;
  readonly apiKeySource?: apigw.ApiKeySourceType;
  /** The CloudWatch namespace the bundled JWT authorizer publishes `AuthorizerErrors` in. */
  readonly handlerMetricsNamespace: string;
  /** The construct's `AuthorizerErrors` metric, alarmed once an authorizer function exists. */
  readonly authorizerErrors: IMetric;
  /** Creates a function with the library's defaults; it joins the construct's functions, alarms and dashboard. */
  createFunction(id: string, props: CreateApiFunctionProps, alarms?: FunctionAlarmOptions): IFunction;
  /** Alarms on an error count the construct's handlers publish themselves. */
  watchErrorCount(id: string, metric: IMetric, what: string, releasedBy?: IFunction[]): void;
}

/** What a construct gives `ApiBase._setUpRoutes`: the rest comes from the construct itself. Internal. */
export type RouteApiSettings = Omit<RouteApiProps, 'kind' | 'apiName' | 'profile' | 'accessLogGroup' | 'createFunction' | 'watchErrorCount'>;

/**
 * The routes of a REST or HTTP API construct: the route table, the backend of its kind, the
 * functions of entry routes (one per entry path) and the bundled JWT authorizer functions. Every
 * route-based construct (ServerlessApi, MeteredPublicApi) holds one, so none of them repeats it.
 */
export class RouteApi {
  public readonly backend: ApiBackend;
  public readonly restApi?: apigw.SpecRestApi;
  public readonly restStage?: apigw.Stage;
  public readonly httpApi?: apigwv2.HttpApi;
  public readonly httpStage?: apigwv2.HttpStage;
  public readonly executionLogGroup?: ILogGroup;

  private readonly routeTable: RouteTable;
  private readonly entryFunctions = new Map<string, { readonly fn: IFunction; readonly options: EntryIntegrationOptions; readonly prop: string }>();

  constructor(
    private readonly scope: Construct,
    private readonly props: RouteApiProps,
  ) {
    this.routeTable = new RouteTable(scope, { kind: props.kind, profile: props.profile, defaultAuth: props.defaultAuth });
    const backendProps: ApiBackendProps = {
      apiName: props.apiName,
      description: props.description,
      profile: props.profile,
      accessLogGroup: props.accessLogGroup,
      cors: props.cors,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      jwtAuthorizerFunction: (auth, fnId) => this.jwtAuthorizerFunction(auth, fnId),
      entryFunction: (entry, options, prop) => this.entryFunction(entry, options, prop),
    };
    if (props.kind === ApiKind.REST) {
      const rest = new RestBackend(scope, {
        ...backendProps,
        tracing: props.tracing ?? props.profile.tracing,
        endpointType: props.endpointType,
        webAclArn: props.webAclArn,
        webAclAssociatedByConstruct: props.webAclAssociatedByConstruct,
        resourcePolicy: props.resourcePolicy,
        clientCertificate: props.clientCertificate ?? false,
        apiKeySource: props.apiKeySource,
      });
      this.restApi = rest.api;
      this.restStage = rest.stage;
      this.executionLogGroup = rest.executionLogGroup;
      this.backend = rest;
    } else {
      const http = new HttpBackend(scope, backendProps);
      this.httpApi = http.api;
      this.httpStage = http.stage;
      this.backend = http;
    }
  }

  /**
   * Sets the authorization of routes that set none, when the construct can only make it after the
   * stage (e.g. a bundled authorizer function). Only before the first route.
   */
  public useDefaultAuth(auth: Authorization): void {
    this.routeTable.useDefaultAuth(auth);
  }

  /** Checks a route and renders it; returns the checked route. */
  public addRoute(prop: string, routeKey: string, options: RouteOptions): TableRoute {
    const route = this.routeTable.add(prop, routeKey, options);
    this.backend.addRoute(route);
    return route;
  }

  /**
   * The function behind an entry route; one per entry path, however many routes use it.
   * Its construct id comes from the entry's path relative to the app (`lambda/items/handler.ts` ->
   * `LambdaItemsHandlerFunction`), so adding or reordering routes never replaces a function.
   */
  private entryFunction(entry: string, entryOptions: EntryIntegrationOptions, prop: string): IFunction {
    const existing = this.entryFunctions.get(entry);
    if (existing) {
      if (existing.options !== entryOptions && !sameOptions(existing.options, entryOptions)) {
        throw new ApiPatternsError(
          'EntryOptionsConflict',
          `${prop}: the entry ${describeValue(relativeToApp(entry))} already has a function with other options (see ${existing.prop}); ` +
            'routes of one entry share one function: pass the same RouteIntegration (or the same options) to each. Got: different options',
          this.scope,
        );
      }
      return existing.fn;
    }
    validateApiFunctionOptions(this.scope, `${prop} (RouteIntegration.entry options)`, entryOptions);
    const fnId = entryFunctionId(entry);
    if (this.scope.node.tryFindChild(fnId)) {
      throw new ApiPatternsError(
        'EntryFunctionIdClash',
        `${prop}: the entry ${describeValue(relativeToApp(entry))} would get the construct id ${fnId}, which another entry or construct already has; rename one of the files. Got: ${describeValue(entry)}`,
        this.scope,
      );
    }
    const { handler, environment, description, depsLockFilePath, projectRoot, bundling, ...functionOptions } = entryOptions;
    const fn = this.props.createFunction(fnId, {
      profile: this.props.profile,
      source: { entry, handler, depsLockFilePath, projectRoot, bundling },
      // Relative to the app's directory: an absolute path would change the template from machine to machine.
      description: description ?? `${this.scope.node.path} route handler ${relativeToApp(entry)}`,
      environment,
      options: { ...this.props.functionOptions, ...definedOnly(functionOptions) },
    });
    this.entryFunctions.set(entry, { fn, options: entryOptions, prop });
    return fn;
  }

  /**
   * The bundled JWT authorizer (REST) for `auth`. It refuses a token by throwing `Unauthorized`, so
   * its Lambda Errors metric counts every refused caller: it is alarmed instead on the
   * `AuthorizerErrors` it counts itself (IdP unreachable, bad configuration), once per API.
   */
  private jwtAuthorizerFunction(auth: JwtAuthorization, fnId: string): IFunction {
    const { props } = this;
    const environment = {
      ...auth.authorizerEnvironment(),
      POWERTOOLS_SERVICE_NAME: props.apiName,
      POWERTOOLS_METRICS_NAMESPACE: props.handlerMetricsNamespace,
    };
    const fn = props.createFunction(
      fnId,
      { profile: props.profile, source: { code: handlerCode('jwt-token-authorizer') }, description: `JWT authorizer for ${auth.options.issuer}`, environment, options: props.functionOptions },
      { errors: false },
    );
    // One alarm per API, whichever authorizers count into it; each authorizer's release rolls back on it.
    props.watchErrorCount('AuthorizerErrors', props.authorizerErrors, `${props.apiName} (${props.profile.stageName}): JWT authorizer errors (IdP or configuration)`, [fn]);
    return fn;
  }
}
