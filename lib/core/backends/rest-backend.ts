import { Lazy, Names, Stack } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { Authorization, RestAuthConfig } from '../auth/authorization';
import { acknowledgeGuardRule, acknowledgeRule, acknowledgeRuleInPacks, REASONS } from '../compliance/acknowledgments';
import type { ApiCustomDomain } from '../domain/custom-domain';
import type { RouteBinding } from '../integrations/integration';
import { ApiMetrics } from '../observability/api-metrics';
import { emptyDocument, OperationIds, operationKey, pathParameters, requestParameterObjects } from '../openapi/operations';
import { toOpenApiSchema } from '../routing/request-schema';
import type { TableRoute } from '../routing/route-table';
import { accessLogFormat } from '../stage/access-log-format';
import { applyStageRelease } from '../release/stage-release';
import { createExecutionLogGroup } from '../stage/stage-log-group';
import type { ApiBackend, ApiBackendProps } from './api-backend';
import { BoundAuthorizations } from './bound-authorizations';

/** REST-only settings. */
export interface RestBackendProps extends ApiBackendProps {
  readonly tracing: boolean;
  readonly endpointType?: apigw.EndpointType;
  readonly webAclArn?: string;
  /** The construct associates a web ACL with the stage itself (so nothing is to be acknowledged here). */
  readonly webAclAssociatedByConstruct?: boolean;
  readonly resourcePolicy?: PolicyDocument;
  readonly clientCertificate: boolean;
  /**
   * Where API keys come from: the `x-api-key` header, or a Lambda authorizer's `usageIdentifierKey`.
   * @default - HEADER, set when a route requires a key
   */
  readonly apiKeySource?: apigw.ApiKeySourceType;
}

/** The request validator every method uses: required parameters always, the body where the route has a schema. */
const VALIDATOR = 'body-and-parameters';
/** The security scheme of API keys. */
const API_KEY_SCHEME = 'api_key';

/** Why a compliance rule does not apply to a REST stage without the matching prop. */
const STAGE_REASONS = {
  waf:
    'WAF is opt-in through webAclArn: web ACLs are usually owned and shared by the platform (for example through ' +
    'Firewall Manager); MeteredPublicApi creates one for public APIs.',
  clientCertificate:
    'API Gateway reaches its backends over authenticated channels: Lambda and AWS services through their APIs with IAM SigV4 ' +
    'over TLS, private services through a VPC link into the VPC (with optional TLS to the load balancer). A client certificate ' +
    'only lets a public HTTP backend authenticate API Gateway; set clientCertificate: true for HTTP proxy backends that verify it.',
  cache:
    'Caching is opt-in through the stage profile (caching): a cache is billed per hour and must be keyed per caller for ' +
    'authorized data. When it is on, it is always encrypted.',
  validation:
    `Every method validates its request: the API's OpenAPI definition sets the request validator "${VALIDATOR}" ` +
    '(body and parameters) for the whole API (x-amazon-apigateway-request-validator). This rule only looks for ' +
    'AWS::ApiGateway::RequestValidator resources, which an imported definition does not need.',
} as const;

/**
 * The REST API (v1) backend: the routes are rendered into one OpenAPI 3.0 document with API
 * Gateway's extensions, which the RestApi imports as its body. A route costs no CloudFormation
 * resource of its own; a function costs one invoke permission however many routes use it; the
 * deployment's logical id hashes the body, so it changes whenever the definition does.
 */
export class RestBackend implements ApiBackend {
  public readonly kind = ApiKind.REST;
  public readonly api: apigw.SpecRestApi;
  public readonly stage: apigw.Stage;
  public readonly executionLogGroup?: LogGroup;
  public readonly url: string;
  public readonly metrics: ApiMetrics;
  public readonly document: Record<string, unknown>;
  /** The labelled deployments of `profile.stageRelease`, by label. */
  public readonly releaseDeployments: Record<string, apigw.CfnDeployment>;

  private readonly paths: Record<string, Record<string, unknown>>;
  private readonly securitySchemes: Record<string, unknown>;
  private readonly schemas: Record<string, unknown>;
  private readonly authorizations: BoundAuthorizations<RestAuthConfig>;
  private readonly invokePermissions = new Set<string>();
  private readonly routeMethodSettings: apigw.CfnStage.MethodSettingProperty[] = [];
  private readonly operationIds = new OperationIds();

  constructor(
    private readonly scope: Construct,
    private readonly props: RestBackendProps,
  ) {
    const { profile } = props;
    const caching = profile.caching;
    const clientCertificate = props.clientCertificate ? new apigw.CfnClientCertificate(scope, 'ClientCertificate', { description: `Lets HTTP backends verify calls from ${props.apiName}` }) : undefined;

    this.authorizations = new BoundAuthorizations(scope, ApiKind.REST, props.jwtAuthorizerFunction, (auth, binding) => auth._bindRest(binding));
    this.document = emptyDocument(props.apiName, props.description);
    this.paths = this.document.paths as Record<string, Record<string, unknown>>;
    const components = this.document.components as Record<string, Record<string, unknown>>;
    this.securitySchemes = components.securitySchemes;
    this.schemas = components.schemas;
    this.document['x-amazon-apigateway-request-validators'] = { [VALIDATOR]: { validateRequestBody: true, validateRequestParameters: true } };
    this.document['x-amazon-apigateway-request-validator'] = VALIDATOR;
    const gatewayResponses = this.corsGatewayResponses();
    if (gatewayResponses) this.document['x-amazon-apigateway-gateway-responses'] = gatewayResponses;
    if (props.apiKeySource) this.document['x-amazon-apigateway-api-key-source'] = props.apiKeySource;

    this.api = new apigw.SpecRestApi(scope, 'Api', {
      apiDefinition: apigw.ApiDefinition.fromInline(this.document),
      restApiName: props.apiName,
      description: props.description,
      cloudWatchRole: false,
      endpointConfiguration: { types: [props.endpointType ?? apigw.EndpointType.REGIONAL] },
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
      policy: props.resourcePolicy,
      deployOptions: {
        stageName: profile.stageName,
        throttlingRateLimit: profile.throttle.rateLimit,
        throttlingBurstLimit: profile.throttle.burstLimit,
        loggingLevel: profile.executionLogLevel,
        dataTraceEnabled: profile.dataTrace,
        tracingEnabled: props.tracing,
        metricsEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(props.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(accessLogFormat(ApiKind.REST)),
        cacheClusterEnabled: caching !== undefined,
        cacheClusterSize: caching?.clusterSize,
        cachingEnabled: caching !== undefined,
        cacheTtl: caching?.defaultTtl,
        cacheDataEncrypted: caching !== undefined ? true : undefined,
        clientCertificateId: clientCertificate?.attrClientCertificateId,
        variables: Object.keys(profile.stageVariables).length > 0 ? profile.stageVariables : undefined,
      },
    });
    this.stage = this.api.deploymentStage;
    // Labelled releases (and a canary) decide which deployment the stage serves.
    this.releaseDeployments = profile.stageRelease ? applyStageRelease(scope, this.api, this.stage, profile.stageRelease, props.apiName) : {};
    // The construct outputs the URL clients use itself (the custom domain's when there is one, opt-out).
    this.api.node.tryRemoveChild('Endpoint');
    this.api.node.addValidation({
      validate: () => [
        ...(Object.keys(this.paths).length === 0 ? ['The REST API has no routes: API Gateway cannot deploy an API without methods. Add a route.'] : []),
        ...this.unresolvedSchemaRefs().map((ref) => `A request schema refers to ${ref}, which is not a model of this API (components.schemas): the import would fail.`),
      ],
    });
    this.executionLogGroup = createExecutionLogGroup(scope, profile, ApiKind.REST, this.api.restApiId, this.stage);
    this.url = this.api.url;
    this.metrics = new ApiMetrics({ kind: ApiKind.REST, apiIdentifier: props.apiName, stageName: profile.stageName });

    // Per-route method settings (cache TTLs, throttles) join the stage-wide "/*/*" settings CDK writes.
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    const stageWide = cfnStage.methodSettings;
    cfnStage.methodSettings = Lazy.any({
      produce: () => [...((Stack.of(scope).resolve(stageWide) as unknown[] | undefined) ?? []), ...this.routeMethodSettings],
    });

    acknowledgeRule(this.api.node.defaultChild!, 'AwsSolutions', 'APIG2', STAGE_REASONS.validation);
    if (props.webAclArn) {
      new CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: this.stage.stageArn, webAclArn: props.webAclArn });
    } else if (!props.webAclAssociatedByConstruct) {
      acknowledgeRule(this.stage, 'AwsSolutions', 'APIG3', STAGE_REASONS.waf);
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'PCI.DSS.321'], 'APIGWAssociatedWithWAF', STAGE_REASONS.waf);
    }
    if (!clientCertificate) {
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'APIGWSSLEnabled', STAGE_REASONS.clientCertificate);
    }
    if (!caching) {
      acknowledgeRuleInPacks(this.stage, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'APIGWCacheEnabledAndEncrypted', STAGE_REASONS.cache);
    }
  }

  public mapDomain(domain: ApiCustomDomain, basePath?: string): void {
    domain.mapRestStage(this.scope, 'DomainMapping', this.api, this.stage, basePath);
  }

  public addRoute(r: TableRoute): void {
    const { route, options } = r;
    const binding: RouteBinding = {
      scope: this.scope,
      prop: r.prop,
      kind: ApiKind.REST,
      route,
      timeout: options.timeout,
      cors: this.props.cors,
      staticCorsHeaders: this.staticCorsHeaders(),
      integrationId: `Integration${route.key}`,
      entryFunction: (entry, entryOptions) => this.props.entryFunction(entry, entryOptions, `${r.prop}.integration`),
    };
    const config = options.integration._bindRest(binding);
    if (config.invokedFunction) this.grantInvoke(config.invokedFunction, '/*/*/*', 'Invoke');

    const requestParameters: Record<string, boolean> = { ...(config.requestParameters ?? {}) };
    const integration: Record<string, unknown> = { ...config.integration };
    if (options.timeout) integration.timeoutInMillis = options.timeout.toMilliseconds();
    const cache = r.cache;
    if (cache) {
      // Whatever identifies the caller keys the cache, so one caller's answer never reaches another.
      const identity = r.auth.isPublic ? [] : r.auth._restIdentityCacheKeys().keys;
      const keys = [...new Set([...route.parameters.map((name) => `method.request.path.${name}`), ...identity, ...(cache.keyParameters ?? [])])];
      for (const key of keys) requestParameters[key] ??= false;
      integration.cacheKeyParameters = keys;
    }
    if (options.cache || options.throttle) {
      this.routeMethodSettings.push(this.methodSetting(route.path, route.method, { cache: cache?.ttl, throttle: options.throttle }));
    }

    const schema = options.requestSchema ? toOpenApiSchema(this.scope, `${r.prop}.requestSchema`, options.requestSchema) : config.defaultRequestSchema ? toOpenApiSchema(this.scope, `${r.prop}.integration`, config.defaultRequestSchema) : undefined;
    const id = this.operationIds.next(route);
    let requestBody: Record<string, unknown> | undefined;
    if (schema) {
      const modelName = `${id.charAt(0).toUpperCase()}${id.slice(1)}Request`;
      this.schemas[modelName] = schema;
      requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${modelName}` } } } };
    }
    const operation: Record<string, unknown> = {
      operationId: id,
      ...(route.parameters.length > 0 || Object.keys(requestParameters).length > 0 ? { parameters: [...pathParameters(route), ...requestParameterObjects(requestParameters)] } : {}),
      ...(requestBody ? { requestBody } : {}),
      security: this.securityFor(r),
      responses: config.responses ?? { '200': { description: 'The answer of the backend' } },
      'x-amazon-apigateway-integration': integration,
    };
    // A greedy `{name+}` stays as API Gateway writes it.
    const item = (this.paths[route.path] ??= {});
    item[operationKey(route)] = operation;
    if (this.props.cors && route.method !== 'OPTIONS' && !('options' in item)) item.options = this.preflightOperation(route.parameters.length > 0 ? pathParameters(route) : undefined);
  }

  /** The operation's security requirement: its authorization, and the API key when required. */
  private securityFor(r: TableRoute): Array<Record<string, string[]>> {
    const requirement: Record<string, string[]> = {};
    if (!r.auth.isPublic) {
      const { name, config } = this.authorizationFor(r.prop, r.auth);
      requirement[name] = [...(config.methodScopes ?? [])];
    }
    if (r.options.apiKeyRequired) {
      this.securitySchemes[API_KEY_SCHEME] = { type: 'apiKey', name: 'x-api-key', in: 'header' };
      this.document['x-amazon-apigateway-api-key-source'] ??= apigw.ApiKeySourceType.HEADER;
      requirement[API_KEY_SCHEME] = [];
    }
    return Object.keys(requirement).length > 0 ? [requirement] : [];
  }

  /** The security scheme of an authorization, bound once per API, with its authorizer's invoke permission. */
  private authorizationFor(prop: string, auth: Authorization): { readonly name: string; readonly config: RestAuthConfig } {
    const entry = this.authorizations.of(prop, auth);
    const { name, config } = entry;
    if (config.authorizerFunction) this.grantInvoke(config.authorizerFunction, '/authorizers/*', 'AuthorizerInvoke');
    this.securitySchemes[name] = config.securityScheme;
    return entry;
  }

  /** One permission per function per API and purpose, whichever routes or authorizers use it. */
  private grantInvoke(fn: IFunction, path: string, purpose: string): void {
    const key = `${fn.node.addr} ${purpose}`;
    if (this.invokePermissions.has(key)) return;
    this.invokePermissions.add(key);
    const stack = Stack.of(this.scope);
    const id = `${purpose}${Names.uniqueId(this.api)}`;
    fn.addPermission(id, {
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: `arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:${this.api.restApiId}${path}`,
    });
    // The permission lives with the function, which may sit outside this API (and its aspects).
    const permission = fn.node.tryFindChild(id);
    if (permission) acknowledgeGuardRule(permission, 'lambda_function_public_access_prohibited_check', REASONS.permissionSourceArn);
  }

  /** `$ref`s in the document's schemas that point at no schema of the document. */
  private unresolvedSchemaRefs(): string[] {
    const refs = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.add(value);
          else visit(value);
        }
      }
    };
    visit(this.schemas);
    return [...refs].filter((ref) => !(ref.replace('#/components/schemas/', '') in this.schemas));
  }

  /** CORS preflight of one path: a mock answer with the CORS headers, public (browsers send no credentials on preflight). */
  private preflightOperation(parameters?: Array<Record<string, unknown>>): Record<string, unknown> {
    const cors = this.props.cors!;
    const headers: Record<string, string> = {
      'method.response.header.Access-Control-Allow-Headers': `'${cors.allowHeaders.join(',')}'`,
      'method.response.header.Access-Control-Allow-Methods': `'${cors.allowMethods.join(',')}'`,
      'method.response.header.Access-Control-Allow-Origin': `'${cors.allowOrigins[0]}'`,
      'method.response.header.Access-Control-Max-Age': `'${cors.maxAge.toSeconds()}'`,
    };
    if (cors.allowCredentials) headers['method.response.header.Access-Control-Allow-Credentials'] = "'true'";
    let responseTemplate = '';
    if (cors.allowOrigins.length > 1) {
      // Several origins: answer with the caller's Origin when it is one of them (and say the answer varies by it).
      headers['method.response.header.Vary'] = "'Origin'";
      const match = cors.allowOrigins.map((o) => `$origin == "${o}"`).join(' || ');
      responseTemplate = [
        '#set($origin = $input.params().header.get("Origin"))',
        '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
        `#if(${match})`,
        '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
        '#end',
      ].join('\n');
    }
    return {
      ...(parameters ? { parameters } : {}),
      security: [],
      responses: {
        '204': {
          description: 'CORS preflight',
          headers: Object.fromEntries(Object.keys(headers).map((k) => [k.replace('method.response.header.', ''), { schema: { type: 'string' } }])),
        },
      },
      'x-amazon-apigateway-integration': {
        type: 'mock',
        passthroughBehavior: 'when_no_match',
        requestTemplates: { 'application/json': '{ "statusCode": 204 }' },
        responses: { default: { statusCode: '204', responseParameters: headers, responseTemplates: { 'application/json': responseTemplate } } },
      },
    };
  }

  /** CORS headers an answer of API Gateway itself can carry statically (one origin or '*'); undefined otherwise. */
  private staticCorsHeaders(): Record<string, string> | undefined {
    const cors = this.props.cors;
    if (!cors || cors.allowOrigins.length !== 1) return undefined;
    const headers: Record<string, string> = { 'method.response.header.Access-Control-Allow-Origin': `'${cors.allowOrigins[0]}'` };
    if (cors.allowCredentials) headers['method.response.header.Access-Control-Allow-Credentials'] = "'true'";
    if (cors.exposeHeaders.length > 0) headers['method.response.header.Access-Control-Expose-Headers'] = `'${cors.exposeHeaders.join(',')}'`;
    return headers;
  }

  /**
   * 4XX and 5XX answers of API Gateway itself (authorizer denials, throttling, validation errors)
   * carry CORS headers, so browsers can read them. Gateway responses can only hold static values,
   * so this is done only when the allowed origin is one value (one origin, or `*`): echoing the
   * request's Origin would hand any site the answer, with credentials. With several origins these
   * answers carry no CORS headers, and a browser sees them as failed requests.
   */
  private corsGatewayResponses(): Record<string, unknown> | undefined {
    const headers = this.staticCorsHeaders();
    if (!headers) return undefined;
    const responseParameters = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace('method.response.header.', 'gatewayresponse.header.'), v]));
    return { DEFAULT_4XX: { responseParameters }, DEFAULT_5XX: { responseParameters } };
  }

  /** A method setting for one route; repeats the stage-wide settings, which a method setting replaces. */
  private methodSetting(path: string, method: string, set: { readonly cache?: Duration; readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number } }): apigw.CfnStage.MethodSettingProperty {
    const profile = this.props.profile;
    const caching = profile.caching;
    const ttl = set.cache;
    return {
      resourcePath: path === '/' ? '/' : `/${path.replace(/\//g, '~1')}`,
      httpMethod: method === 'ANY' ? '*' : method,
      // A route's own setting replaces the stage-wide one: only a cached route (GET or HEAD) caches.
      cachingEnabled: ttl !== undefined && ttl.toSeconds() > 0,
      cacheTtlInSeconds: ttl?.toSeconds() ?? 0,
      cacheDataEncrypted: caching ? true : undefined,
      loggingLevel: profile.executionLogLevel,
      dataTraceEnabled: profile.dataTrace,
      metricsEnabled: false,
      throttlingRateLimit: set.throttle?.rateLimit ?? profile.throttle.rateLimit,
      throttlingBurstLimit: set.throttle?.burstLimit ?? profile.throttle.burstLimit,
    };
  }
}
