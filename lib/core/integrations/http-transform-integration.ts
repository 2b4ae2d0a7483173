import { Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ApiKind } from '../api-base/api-kind';
import { HTTP_METHODS } from '../routing/route-key';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { errorBody, methodHasBody } from './aws-service-integration';
import { checkPathParametersRead, pathParameterMapping, urlPathParameters, validateBackendUrl } from './http-proxy-integration';
import { Integration } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { responseWithHeaders } from './mock-integration';

/** Where a value {@link HttpTransformIntegrationOptions} sends to the backend comes from. */
enum ValueSource {
  FIXED = 'fixed',
  HEADER = 'header',
  QUERY_STRING = 'querystring',
  PATH = 'path',
  CONTEXT = 'context',
}

const NAME = /^[A-Za-z0-9_-]+$/;
const CONTEXT_VARIABLE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

/**
 * A value that {@link RouteIntegration.httpTransform} sets on the request to the backend: fixed,
 * or taken from the client's request or the request context. The same value works on REST and HTTP
 * APIs; the library writes each one's mapping syntax.
 */
export class HttpTransformValue {
  /**
   * A fixed text, e.g. an API version header. It must contain neither `'` nor `$`.
   *
   * Not for secrets: it is written in clear into the API definition.
   */
  public static literal(value: string): HttpTransformValue {
    if (!Token.isUnresolved(value) && (value.length === 0 || /['$]/.test(value))) {
      throw new ApiPatternsError('HttpTransformValueInvalid', `HttpTransformValue.literal(value) must be non-empty text without ' or $. Got: ${describeValue(value)}`);
    }
    return new HttpTransformValue(ValueSource.FIXED, value);
  }

  /** The value of a header of the client's request. */
  public static fromHeader(name: string): HttpTransformValue {
    return new HttpTransformValue(ValueSource.HEADER, checkName('HttpTransformValue.fromHeader(name)', name));
  }

  /** The value of a query string parameter of the client's request. */
  public static fromQueryString(name: string): HttpTransformValue {
    return new HttpTransformValue(ValueSource.QUERY_STRING, checkName('HttpTransformValue.fromQueryString(name)', name));
  }

  /** The value of a path parameter of the route, e.g. `id` for `GET /items/{id}`. */
  public static fromPathParameter(name: string): HttpTransformValue {
    return new HttpTransformValue(ValueSource.PATH, checkName('HttpTransformValue.fromPathParameter(name)', name));
  }

  /**
   * A request context variable, e.g. `requestId` or `identity.sourceIp` (without `$context.`).
   * Both API kinds know the common ones; some exist on one kind only (see API Gateway's context
   * variable references).
   */
  public static fromContext(variable: string): HttpTransformValue {
    if (!CONTEXT_VARIABLE.test(variable)) {
      throw new ApiPatternsError(
        'HttpTransformValueInvalid',
        `HttpTransformValue.fromContext(variable) must be dot-separated names of letters, digits and '_', without '$context.', e.g. 'requestId'. Got: ${describeValue(variable)}`,
      );
    }
    return new HttpTransformValue(ValueSource.CONTEXT, variable);
  }

  private constructor(
    private readonly source: ValueSource,
    private readonly name: string,
  ) {}

  /**
   * The REST API mapping expression.
   * @internal
   */
  public _rest(): string {
    switch (this.source) {
      case ValueSource.FIXED:
        return `'${this.name}'`;
      case ValueSource.CONTEXT:
        return `context.${this.name}`;
      default:
        return `method.request.${this.source}.${this.name}`;
    }
  }

  /**
   * The HTTP API mapping expression.
   * @internal
   */
  public _http(): string {
    switch (this.source) {
      case ValueSource.FIXED:
        return this.name;
      case ValueSource.CONTEXT:
        return `$context.${this.name}`;
      default:
        return `$request.${this.source}.${this.name}`;
    }
  }

  /**
   * The method request parameter a REST API must declare for this value, if any.
   * @internal
   */
  public _restMethodParameter(): string | undefined {
    return this.source === ValueSource.HEADER || this.source === ValueSource.QUERY_STRING ? this._rest() : undefined;
  }

  /**
   * The route path parameter this value reads, if any.
   * @internal
   */
  public _pathParameter(): string | undefined {
    return this.source === ValueSource.PATH ? this.name : undefined;
  }
}

/** Options of {@link RouteIntegration.httpTransform}. */
export interface HttpTransformIntegrationOptions {
  /**
   * Method used towards the backend.
   * @default - the route's method
   */
  readonly method?: string;
  /**
   * Headers to set on the request to the backend, by name (REST and HTTP). A REST API forwards no
   * client header that is not listed here; an HTTP API forwards them all and overwrites these.
   * @default - none
   */
  readonly requestHeaders?: { [name: string]: HttpTransformValue };
  /**
   * Query string parameters to set on the request to the backend, by name (REST and HTTP). As with
   * headers, a REST API forwards only these; an HTTP API forwards all and overwrites these.
   * @default - none
   */
  readonly requestQueryStrings?: { [name: string]: HttpTransformValue };
  /**
   * Headers of the backend's answer passed on to the client. A REST API passes on only these (and
   * CORS headers); an HTTP API passes every header already, so there this changes nothing.
   * @default - none
   */
  readonly responseHeaders?: string[];
  /**
   * REST APIs only: mapping templates (Velocity) that write the body sent to the backend, by the
   * request's content type. A request of any other content type is refused with 415.
   * @default - `application/json` bodies pass unchanged (`$input.body`); other content types are refused with 415
   */
  readonly requestTemplates?: { [contentType: string]: string };
  /**
   * REST APIs only: mapping templates (Velocity) that write the client's answer from a successful
   * (2xx) backend answer, by the content type the client accepts. Error answers pass unchanged.
   * @default - the backend's body unchanged
   */
  readonly responseTemplates?: { [contentType: string]: string };
  /**
   * HTTP APIs only: the path of the request to the backend, as an HTTP API mapping value, e.g.
   * `/v2/items/$request.path.id` (REST APIs take the path from the URL, with `{name}` placeholders).
   * @default - the URL's path
   */
  readonly requestPath?: string;
  /**
   * HTTP APIs only: client headers not forwarded to the backend (a REST API forwards only the
   * headers in `requestHeaders` anyway).
   * @default - every client header is forwarded
   */
  readonly removeRequestHeaders?: string[];
}

/** The REST-only and HTTP-only options, for errors. */
const REST_ONLY: (keyof HttpTransformIntegrationOptions)[] = ['requestTemplates', 'responseTemplates'];
const HTTP_ONLY: (keyof HttpTransformIntegrationOptions)[] = ['requestPath', 'removeRequestHeaders'];

/** Headers an HTTP API refuses to map: API Gateway's and AWS's own. */
const HTTP_RESERVED_HEADER = /^(apigw-|x-amzn-)/i;

/**
 * Backend statuses a REST route answers as they are; the others of each class become 200 (2xx),
 * 400 (4xx) or 502 (3xx and 5xx). A transformed answer never turns a backend error into a success.
 */
const KEPT_SUCCESS = ['201', '202', '204'];
const KEPT_CLIENT_ERRORS = ['400', '401', '403', '404', '405', '409', '410', '412', '415', '422', '429'];
const KEPT_SERVER_ERRORS = ['503', '504'];

/**
 * An HTTP integration with an external `https://` URL (path parameters may appear as `{name}`) that
 * transforms what passes through: request headers and query strings on REST and HTTP APIs, body
 * mapping templates on REST APIs (non-proxy `http` integration), path overwrite and header removal
 * on HTTP APIs (`HTTP_PROXY` with parameter mapping).
 *
 * On REST APIs the backend's status is kept for 201, 202, 204, the common 4xx (400, 401, 403, 404,
 * 405, 409, 410, 412, 415, 422, 429), 503 and 504; other 2xx answer 200, other 4xx 400, 3xx and other
 * 5xx 502. HTTP APIs pass the backend's status and headers unchanged.
 */
export class HttpTransformIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.httpTransform';

  /**
   * @param url the backend's `https://` URL; `{name}` placeholders take the route's path parameters
   * @param options what to set on the request and pass on from the answer
   */
  constructor(
    public readonly url: string,
    public readonly options: HttpTransformIntegrationOptions = {},
  ) {
    super();
    const prop = 'RouteIntegration.httpTransform(url, options)';
    validateBackendUrl('RouteIntegration.httpTransform(url)', url);
    const fail = (message: string): never => {
      throw new ApiPatternsError('HttpTransformOptionInvalid', `${prop}: ${message}`);
    };
    if (options.method !== undefined && !(HTTP_METHODS as readonly string[]).includes(options.method)) {
      fail(`options.method must be one of ${HTTP_METHODS.join(', ')}. Got: ${describeValue(options.method)}`);
    }
    for (const [option, names] of [
      ['requestHeaders', Object.keys(options.requestHeaders ?? {})],
      ['requestQueryStrings', Object.keys(options.requestQueryStrings ?? {})],
      ['responseHeaders', options.responseHeaders ?? []],
      ['removeRequestHeaders', options.removeRequestHeaders ?? []],
    ] as const) {
      for (const name of names) {
        if (!NAME.test(name)) fail(`options.${option} names must be letters, digits, '_' or '-'. Got: ${describeValue(name)}`);
      }
    }
    for (const option of ['requestTemplates', 'responseTemplates'] as const) {
      const templates = options[option];
      if (templates === undefined) continue;
      if (Object.keys(templates).length === 0) fail(`options.${option} must map at least one content type; leave it unset for the default. Got: {}`);
      for (const contentType of Object.keys(templates)) {
        if (!CONTENT_TYPE.test(contentType)) fail(`options.${option} keys must be content types such as 'application/json'. Got: ${describeValue(contentType)}`);
      }
    }
    if (options.requestPath !== undefined && !Token.isUnresolved(options.requestPath) && !options.requestPath.startsWith('/')) {
      fail(`options.requestPath must start with '/'. Got: ${describeValue(options.requestPath)}`);
    }
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    const mapping = this.httpParameterMapping().mappings;
    // A mapping or URL that reads path parameters is only shared by routes with the same ones.
    const readsPath = this.url.includes('{') || JSON.stringify(mapping).includes('$request.path.');
    return `httpTransform ${this.url} ${this.method(binding)} ${JSON.stringify(mapping)}${readsPath ? ` ${binding.route.parameters.join(',')}` : ''}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    this.checkProtocolOptions(binding, HTTP_ONLY);
    this.checkPathParameters(binding);
    const requestParameters: Record<string, string> = { ...pathParameterMapping(binding, this.url) };
    const methodParameters: Record<string, boolean> = {};
    for (const [location, values] of [
      ['header', this.options.requestHeaders ?? {}],
      ['querystring', this.options.requestQueryStrings ?? {}],
    ] as const) {
      for (const [name, value] of Object.entries(values)) {
        requestParameters[`integration.request.${location}.${name}`] = value._rest();
        const declared = value._restMethodParameter();
        if (declared) methodParameters[declared] = false;
      }
    }
    const answerHeaders: Record<string, string> = {
      ...binding.staticCorsHeaders,
      ...Object.fromEntries((this.options.responseHeaders ?? []).map((h) => [`method.response.header.${h}`, `integration.response.header.${h}`])),
    };
    const parameters = Object.keys(answerHeaders).length > 0 ? { responseParameters: answerHeaders } : {};
    const templates = this.options.responseTemplates ? { responseTemplates: this.options.responseTemplates } : {};
    const badGateway = { responseTemplates: { 'application/json': errorBody('The backend failed') } };
    const responses: Record<string, unknown> = {
      default: { statusCode: '200', ...templates, ...parameters },
      '201': { statusCode: '201', ...templates, ...parameters },
      '202': { statusCode: '202', ...templates, ...parameters },
      '204': { statusCode: '204', ...parameters },
      '3\\d{2}': { statusCode: '502', ...badGateway, ...parameters },
      ...Object.fromEntries(KEPT_CLIENT_ERRORS.map((s) => [s, { statusCode: s, ...parameters }])),
      [`(?!${KEPT_CLIENT_ERRORS.join('|')})4\\d{2}`]: { statusCode: '400', ...parameters },
      ...Object.fromEntries(KEPT_SERVER_ERRORS.map((s) => [s, { statusCode: s, ...parameters }])),
      [`(?!${KEPT_SERVER_ERRORS.join('|')})5\\d{2}`]: { statusCode: '502', ...badGateway, ...parameters },
    };
    const hasBody = methodHasBody(binding);
    const requestTemplates = this.options.requestTemplates ?? (hasBody ? { 'application/json': '$input.body' } : undefined);
    const statuses = ['200', ...KEPT_SUCCESS, ...KEPT_CLIENT_ERRORS, '502', ...KEPT_SERVER_ERRORS];
    return {
      integration: {
        type: 'http',
        httpMethod: this.method(binding),
        uri: this.url,
        // With templates, content types without one are refused (415); a body-less method without
        // templates forwards no body.
        passthroughBehavior: requestTemplates ? 'never' : 'when_no_templates',
        ...(requestTemplates ? { requestTemplates } : {}),
        ...(Object.keys(requestParameters).length > 0 ? { requestParameters } : {}),
        responses,
      },
      responses: Object.fromEntries(statuses.map((s) => [s, responseWithHeaders(`The backend answered ${s}`, answerHeaders)])),
      ...(Object.keys(methodParameters).length > 0 ? { requestParameters: methodParameters } : {}),
    };
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    this.checkProtocolOptions(binding, REST_ONLY);
    this.checkPathParameters(binding);
    for (const name of [...Object.keys(this.options.requestHeaders ?? {}), ...(this.options.removeRequestHeaders ?? [])]) {
      if (HTTP_RESERVED_HEADER.test(name)) {
        throw new ApiPatternsError(
          'HttpTransformHeaderReserved',
          `${binding.prop}.integration: ${this.kindName} cannot map the header ${describeValue(name)}: HTTP APIs reserve the apigw-* and x-amzn-* headers. Got: ${describeValue(name)}`,
          binding.scope,
        );
      }
    }
    const mapping = this.httpParameterMapping();
    return {
      integration: new HttpUrlIntegration(binding.integrationId, this.url, {
        method: this.method(binding) as apigwv2.HttpMethod,
        ...(Object.keys(mapping.mappings).length > 0 ? { parameterMapping: mapping } : {}),
      }),
    };
  }

  private method(binding: RouteBinding): string {
    return this.options.method ?? binding.route.method;
  }

  /** The HTTP API parameter mapping of the options. */
  private httpParameterMapping(): apigwv2.ParameterMapping {
    const mapping = new apigwv2.ParameterMapping();
    for (const [name, value] of Object.entries(this.options.requestHeaders ?? {})) mapping.overwriteHeader(name, apigwv2.MappingValue.custom(value._http()));
    for (const [name, value] of Object.entries(this.options.requestQueryStrings ?? {})) mapping.overwriteQueryString(name, apigwv2.MappingValue.custom(value._http()));
    for (const name of this.options.removeRequestHeaders ?? []) mapping.removeHeader(name);
    if (this.options.requestPath !== undefined) mapping.overwritePath(apigwv2.MappingValue.custom(this.options.requestPath));
    return mapping;
  }

  /** Fails when an option the route's API kind lacks is set. */
  private checkProtocolOptions(binding: RouteBinding, lacking: (keyof HttpTransformIntegrationOptions)[]): void {
    const given = lacking.find((option) => this.options[option] !== undefined);
    if (given === undefined) return;
    const offeredOn = binding.kind === ApiKind.HTTP ? 'REST APIs' : 'HTTP APIs';
    throw new ApiPatternsError(
      'HttpTransformOptionUnsupported',
      `${binding.prop}.integration: ${this.kindName} options.${given} is offered on ${offeredOn} only; remove it for this ${binding.kind} API. Got: ${describeValue(this.options[given])}`,
      binding.scope,
    );
  }

  /** Fails when the URL or a mapped value reads a path parameter the route does not have. */
  private checkPathParameters(binding: RouteBinding): void {
    const values = [...Object.values(this.options.requestHeaders ?? {}), ...Object.values(this.options.requestQueryStrings ?? {})];
    const read = [...urlPathParameters(this.url), ...values.map((v) => v._pathParameter()).filter((p): p is string => p !== undefined)];
    checkPathParametersRead(binding, this.kindName, read, 'HttpTransformParameterUnknown');
  }
}


function checkName(prop: string, name: string): string {
  if (!NAME.test(name)) {
    throw new ApiPatternsError('HttpTransformValueInvalid', `${prop} must be letters, digits, '_' or '-'. Got: ${describeValue(name)}`);
  }
  return name;
}
