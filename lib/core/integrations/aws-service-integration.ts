import { Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';
import type { RouteBinding } from './integration';
import { responseWithHeaders } from './mock-integration';

/*
 * What the AWS service integrations (SQS, EventBridge, Kinesis) share: values taken from the request,
 * the answers they give on success and on a service error, and the HTTP API integration they bind to.
 * Internal: nothing here is exported from the package.
 */

/** Where a value that an AWS service integration sends comes from. */
export enum RequestValueSource {
  /** A constant written in the code. */
  STATIC = 'STATIC',
  /** `$request.header.<name>` */
  HEADER = 'HEADER',
  /** `$request.querystring.<name>` */
  QUERYSTRING = 'QUERYSTRING',
  /** `$request.path.<name>`: a parameter of the route's path. */
  PATH = 'PATH',
  /** `$request.body.<a.b>`: a field of the JSON body. */
  BODY = 'BODY',
  /** `$context.<variable>` */
  CONTEXT = 'CONTEXT',
  /** `$stageVariables.<name>` */
  STAGE_VARIABLE = 'STAGE_VARIABLE',
}

/** A parsed request value: a constant, or an HTTP API mapping expression. */
export interface RequestValue {
  readonly source: RequestValueSource;
  /** The constant, or the name after the source's prefix (`X-Group`, `.order.id`, `requestId`). */
  readonly name: string;
  /** The value as the user wrote it (the HTTP API parameter-mapping form). */
  readonly written: string;
}

const FORMS: ReadonlyArray<readonly [RequestValueSource, RegExp]> = [
  [RequestValueSource.HEADER, /^\$request\.header\.([A-Za-z0-9_.-]+)$/],
  [RequestValueSource.QUERYSTRING, /^\$request\.querystring\.([A-Za-z0-9_.~-]+)$/],
  [RequestValueSource.PATH, /^\$request\.path\.([A-Za-z_][A-Za-z0-9_]*)$/],
  [RequestValueSource.BODY, /^\$request\.body((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/],
  [RequestValueSource.CONTEXT, /^\$context\.([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)$/],
  [RequestValueSource.STAGE_VARIABLE, /^\$stageVariables\.([A-Za-z0-9_]+)$/],
];

/**
 * Parses a value in the HTTP API parameter-mapping syntax: `$request.header.X`,
 * `$request.querystring.x`, `$request.path.x`, `$request.body.a.b`, `$context.x`,
 * `$stageVariables.x`, or a constant (1 to `maxLength` characters, no `$`). Unresolved tokens are
 * constants and are not checked.
 */
export function parseRequestValue(scope: IConstruct, prop: string, value: string, maxLength: number): RequestValue {
  if (Token.isUnresolved(value)) return { source: RequestValueSource.STATIC, name: value, written: value };
  for (const [source, form] of FORMS) {
    const match = form.exec(value);
    if (match) return { source, name: match[1], written: value };
  }
  if (value.includes('$')) {
    throw new ApiPatternsError(
      'IntegrationMappingInvalid',
      `${prop} must be '$request.header.<name>', '$request.querystring.<name>', '$request.path.<name>', '$request.body.<field>', ` +
        `'$context.<variable>', '$stageVariables.<name>', or a constant without '$'. Got: ${describeValue(value)}`,
      scope,
    );
  }
  if (value.length < 1 || value.length > maxLength) {
    throw new ApiPatternsError('IntegrationMappingInvalid', `${prop} must be 1 to ${maxLength} characters long when it is a constant. Got: ${describeValue(value)}`, scope);
  }
  return { source: RequestValueSource.STATIC, name: value, written: value };
}

/** Fails unless a `$request.path.<name>` value names a parameter of the route it is bound to. */
export function checkRouteHasValue(binding: RouteBinding, prop: string, value: RequestValue): void {
  if (value.source === RequestValueSource.PATH && !binding.route.parameters.includes(value.name)) {
    throw new ApiPatternsError(
      'IntegrationMappingInvalid',
      `${binding.prop}.integration: ${prop} reads the path parameter ${describeValue(value.name)}, which the route ${describeValue(binding.route.key)} does not have. Got: ${describeValue(value.written)}`,
      binding.scope,
    );
  }
}

/** What makes a value route-specific in a share key: path parameters exist per route. */
export function shareKeyPart(binding: RouteBinding, value: RequestValue | undefined): string {
  if (!value) return '';
  return value.source === RequestValueSource.PATH ? `${value.written}@${binding.route.key}` : value.written;
}

/**
 * A value read in a REST mapping template: `setup` (lines that print nothing, put at the top of the
 * template) and `text`, what the template writes where the value goes.
 */
export interface VtlValue {
  readonly setup: string;
  readonly text: string;
}

/**
 * The VTL expression (a string, empty when absent) of a dynamic value, and the setup it needs.
 * Header names are matched without regard to case: clients (HTTP/2, `fetch`) send them in lower
 * case, and the template's header map keeps the case they were sent in. `##` ends each setup line
 * so that it prints nothing, not even its line break.
 */
function vtlRead(value: RequestValue, variable: string): VtlValue {
  switch (value.source) {
    case RequestValueSource.HEADER:
      return {
        setup:
          `#set($${variable} = "")#foreach($headerName in $input.params().header.keySet())` +
          `#if($headerName.equalsIgnoreCase('${value.name}'))#set($${variable} = "$!input.params().header.get($headerName)")#end#end##\n`,
        text: `$${variable}`,
      };
    case RequestValueSource.QUERYSTRING:
      return { setup: '', text: `"$!input.params().querystring.get('${value.name}')"` };
    case RequestValueSource.PATH:
      return { setup: '', text: `"$!input.params().path.get('${value.name}')"` };
    case RequestValueSource.BODY:
      return { setup: '', text: `"$!input.path('$${value.name}')"` };
    case RequestValueSource.CONTEXT:
      return { setup: '', text: `"$!context.${value.name}"` };
    case RequestValueSource.STAGE_VARIABLE:
      return { setup: '', text: `"$!stageVariables.${value.name}"` };
    default:
      throw new Error(`no VTL form for a ${value.source} value`);
  }
}

/**
 * `$util.escapeJavaScript` escapes `'` as `\'`, which JSON does not allow: this undoes it (a Java
 * regex; Velocity passes the string literal through unchanged).
 */
export const VTL_UNESCAPE_SINGLE_QUOTES = String.raw`.replaceAll("\\'","'")`;

/** A constant as the inside of a JSON string in a VTL template: `$` and `#` escaped so Velocity leaves them alone. */
export function vtlJsonStringContent(constant: string): string {
  if (Token.isUnresolved(constant)) return constant;
  return JSON.stringify(constant).slice(1, -1).replace(/\$/g, '\\u0024').replace(/#/g, '\\u0023');
}

/** The value as the inside of a JSON string in a REST mapping template; `variable` names the VTL variable a header is read into. */
export function vtlJsonString(value: RequestValue, variable: string): VtlValue {
  if (value.source === RequestValueSource.STATIC) return { setup: '', text: vtlJsonStringContent(value.name) };
  const read = vtlRead(value, variable);
  return { setup: read.setup, text: `$util.escapeJavaScript(${read.text})${VTL_UNESCAPE_SINGLE_QUOTES}` };
}

/** The value URL-encoded in a REST mapping template that writes a form (`a=b&c=d`); `variable` as for {@link vtlJsonString}. */
export function vtlUrlEncoded(value: RequestValue, variable: string): VtlValue {
  if (value.source === RequestValueSource.STATIC) return { setup: '', text: Token.isUnresolved(value.name) ? value.name : encodeURIComponent(value.name) };
  const read = vtlRead(value, variable);
  return { setup: read.setup, text: `$util.urlEncode(${read.text})` };
}

/** The method request parameters a value needs: a header or query string it reads is required, so API Gateway answers 400 without it. */
export function methodRequestParameters(values: ReadonlyArray<RequestValue | undefined>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const value of values) {
    if (value?.source === RequestValueSource.HEADER) out[`method.request.header.${value.name}`] = true;
    if (value?.source === RequestValueSource.QUERYSTRING) out[`method.request.querystring.${value.name}`] = true;
  }
  return out;
}

/** The value in an HTTP API parameter mapping: the constant, or the expression as written. */
export function httpMappingValue(value: RequestValue): string {
  return value.source === RequestValueSource.STATIC ? value.name : value.written;
}

/** The answer body of an error the API writes itself: a message and the request id to find it in the logs. */
function errorBody(message: string): string {
  return `{"message":"${message}","requestId":"$context.requestId"}`;
}

/** The answer to a throttled request: 429, so clients retry later. */
const THROTTLED = ['#set($context.responseOverride.status = 429)', errorBody('Too many requests: retry later')];

/** Error codes (in the service's error body) that mean the service refused the API itself (permissions, keys, a missing target): a server fault. */
const SERVER_FAULT_MARKERS = [
  'AccessDenied', 'NotAuthorized', 'KMS', 'Kms', 'NotFound', 'NonExistent', 'DoesNotExist', 'InvalidClientTokenId', 'UnrecognizedClient', 'ExpiredToken',
  'SignatureDoesNotMatch', 'InvalidSecurity',
];

/**
 * The mapping template of a 4xx answer of the service. Many services answer 400 for what is not the
 * client's fault, so the body decides: throttling becomes 429; a refusal of the API's own
 * permissions, key or target becomes 500; anything else (the message was refused) stays 400.
 * The service's error text never reaches the client (it names accounts and resources).
 */
function clientErrorTemplate(): string {
  const contains = (markers: string[]): string => markers.map((m) => `$error.contains('${m}')`).join(' || ');
  return [
    '#set($error = "$!input.body")',
    `#if(${contains(['Throttl', 'ProvisionedThroughputExceeded'])})`,
    ...THROTTLED,
    `#elseif(${contains(SERVER_FAULT_MARKERS)})`,
    '#set($context.responseOverride.status = 500)',
    errorBody('The API could not deliver the request'),
    '#else',
    errorBody('The request was refused'),
    '#end',
  ].join('\n');
}

/** The mapping template of a 5xx answer of the service. */
const SERVER_ERROR_TEMPLATE = errorBody('The backend service failed: retry later');

/** The template lines of a throttled answer, for success templates that find a failure in a 200 body. */
export const THROTTLED_TEMPLATE_LINES: readonly string[] = THROTTLED;

/** The answer body of a 2xx that carries a failure (see EventBridge's FailedEntryCount). */
export function failedDeliveryBody(message: string): string {
  return errorBody(message);
}

/**
 * The integration responses and the OpenAPI responses of an AWS service integration: the service's
 * 2xx becomes `200` with `successTemplate`; its 4xx becomes 400 (429 when throttled, 500 when the
 * service refused the API itself); its 5xx becomes 502. Every answer carries the API's static
 * CORS headers. Never a 200 with an error body.
 */
export function serviceResponses(
  binding: RouteBinding,
  successDescription: string,
  successTemplate: string,
): { readonly integration: Record<string, unknown>; readonly openApi: Record<string, unknown> } {
  const headers = binding.staticCorsHeaders;
  const answer = (statusCode: string, template: string): Record<string, unknown> => ({
    statusCode,
    responseTemplates: { 'application/json': template },
    ...(headers ? { responseParameters: headers } : {}),
  });
  return {
    integration: {
      default: answer('200', successTemplate),
      '4\\d{2}': answer('400', clientErrorTemplate()),
      '5\\d{2}': answer('502', SERVER_ERROR_TEMPLATE),
    },
    openApi: {
      '200': responseWithHeaders(successDescription, headers),
      '400': responseWithHeaders('The request was refused', headers),
      '429': responseWithHeaders('Too many requests: retry later', headers),
      '500': responseWithHeaders('The API could not deliver the request', headers),
      '502': responseWithHeaders('The backend service failed', headers),
    },
  };
}

/** What an HTTP API AWS service integration needs: its subtype, the role API Gateway assumes, and the parameters. */
export interface AwsServiceHttpIntegrationProps {
  readonly subtype: apigwv2.HttpIntegrationSubtype;
  readonly role: IRole;
  readonly parameters: Record<string, string>;
}

/**
 * An HTTP API AWS service ("first-class") integration with a given role. aws-cdk-lib's
 * `HttpSqsIntegration` and `HttpEventBridgeIntegration` create a role of their own under the
 * route, without the KMS grant an encrypted target needs; this one takes the API's shared role.
 */
export class AwsServiceHttpIntegration extends apigwv2.HttpRouteIntegration {
  constructor(
    id: string,
    private readonly props: AwsServiceHttpIntegrationProps,
  ) {
    super(id);
  }

  public bind(_options: apigwv2.HttpRouteIntegrationBindOptions): apigwv2.HttpRouteIntegrationConfig {
    const parameterMapping = new apigwv2.ParameterMapping();
    for (const [key, value] of Object.entries(this.props.parameters)) parameterMapping.custom(key, value);
    return {
      type: apigwv2.HttpIntegrationType.AWS_PROXY,
      subtype: this.props.subtype,
      credentials: apigwv2.IntegrationCredentials.fromRole(this.props.role),
      connectionType: apigwv2.HttpConnectionType.INTERNET,
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0,
      parameterMapping,
    };
  }
}
