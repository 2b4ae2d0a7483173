import { Token } from 'aws-cdk-lib';
import { JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';
import type { RestIntegrationConfig, RouteBinding } from './integration';
import { responseWithHeaders } from './mock-integration';

/*
 * What the AWS service integrations (SQS, EventBridge, Kinesis, Step Functions, DynamoDB) share:
 * values taken from the request and written into mapping templates, the one mapping of a service's
 * answers and errors to the API's answers, and the HTTP API integration they bind to.
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
 * The VTL that writes a string reference (`$var`, `$input.json('$')`, `"$!input.path('$.a')"`) as
 * the inside of a JSON string. `$util.escapeJavaScript` escapes `'` as `\'`, which JSON does not
 * allow, so that one is turned back (a Java regex; Velocity passes the string literal through).
 */
export function vtlJsonString(reference: string): string {
  return `$util.escapeJavaScript(${reference}).replaceAll("\\\\'","'")`;
}

/** A constant as the inside of a JSON string in a VTL template: `$` and `#` escaped so Velocity leaves them alone. */
export function vtlJsonStringContent(constant: string): string {
  if (Token.isUnresolved(constant)) return constant;
  return JSON.stringify(constant).slice(1, -1).replace(/\$/g, '\\u0024').replace(/#/g, '\\u0023');
}

/** A request value as the inside of a JSON string in a REST mapping template; `variable` names the VTL variable a header is read into. */
export function requestValueInJson(value: RequestValue, variable: string): VtlValue {
  if (value.source === RequestValueSource.STATIC) return { setup: '', text: vtlJsonStringContent(value.name) };
  const read = vtlRead(value, variable);
  return { setup: read.setup, text: vtlJsonString(read.text) };
}

/** A request value URL-encoded in a REST mapping template that writes a form (`a=b&c=d`); `variable` as for {@link requestValueInJson}. */
export function requestValueUrlEncoded(value: RequestValue, variable: string): VtlValue {
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

/** Whether requests of the route's method carry a body that an integration forwards. */
export function methodHasBody(binding: RouteBinding): boolean {
  return ['POST', 'PUT', 'PATCH', 'ANY'].includes(binding.route.method);
}

/**
 * The default body schema of a route that forwards its JSON body to an AWS service: a JSON object,
 * so API Gateway answers 400 before calling the service. None for methods without a body.
 */
export function forwardedBodySchema(binding: RouteBinding): JsonSchema | undefined {
  return methodHasBody(binding) ? { type: JsonSchemaType.OBJECT } : undefined;
}

/**
 * The body of every error answer the API writes itself: a fixed message, and the request id to
 * find the call in the logs. Never the service's own text, which names accounts, roles and resources.
 */
export function errorBody(message: string): string {
  return `{"message":"${message}","requestId":"$context.requestId"}`;
}

/** The mapping template lines of an error answer: the status it overrides, then its body. */
export function errorAnswerLines(status: string, message: string): string[] {
  return [`#set($context.responseOverride.status = ${status})`, errorBody(message)];
}

/** Where an AWS service's error body names the error. */
export enum ServiceErrorFormat {
  /**
   * The JSON protocol (DynamoDB, Step Functions, Kinesis, EventBridge): the error's `__type`, e.g.
   * `{"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "..."}`.
   */
  JSON_PROTOCOL = '$.__type',
  /**
   * The query protocol answered in JSON (SQS with `Accept: application/json`): the error's code, e.g.
   * `{"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "...", "Type": "Sender"}, "RequestId": "..."}`.
   */
  QUERY_PROTOCOL = '$.Error.Code',
}

/** One answer to a service's 4xx: its status, its message, and the parts of error codes that select it. */
interface ServiceErrorRule {
  readonly status: string;
  readonly message: string;
  readonly codes: readonly string[];
}

/** The service, or the KMS key behind it, throttled the request: the client may retry later. */
const THROTTLED: ServiceErrorRule = {
  status: '429',
  message: 'Too many requests: retry later',
  // ThrottlingException, KMS(.)ThrottlingException, RequestThrottled; ProvisionedThroughputExceededException
  // (Kinesis, DynamoDB); RequestLimitExceeded (DynamoDB); ExecutionLimitExceeded (Step Functions).
  codes: ['Throttl', 'ThroughputExceeded', 'RequestLimitExceeded', 'ExecutionLimitExceeded'],
};

/** The service refused a value the client sent. */
const REFUSED: ServiceErrorRule = {
  status: '400',
  message: 'The request was refused',
  // ValidationException (DynamoDB, Step Functions, EventBridge, Kinesis); InvalidExecutionInput (Step
  // Functions: input over 256 KiB); InvalidArgumentException (Kinesis); InvalidParameterValue,
  // InvalidMessageContents, MissingParameter (SQS: message too long, characters SQS refuses, empty group id).
  codes: ['Validation', 'InvalidExecutionInput', 'InvalidArgument', 'InvalidParameterValue', 'InvalidMessageContents', 'MissingParameter'],
};

/** Any other 4xx: the service refused the API itself (access denied, KMS key, missing target, unknown code). */
const UNDELIVERED = { status: '500', message: 'The API could not deliver the request' };
/** A 5xx of the service. */
const SERVICE_FAILED = { status: '502', message: 'The backend service failed: retry later' };
/** A condition of the request failed (the codes are the service's own, see {@link ServiceResponsesOptions.conflictCodes}). */
const CONFLICT_MESSAGE = 'A condition of the request failed';

/** The template lines of a throttled answer, for success templates that find a throttled failure in a 2xx body. */
export const THROTTLED_ANSWER_LINES: readonly string[] = errorAnswerLines(THROTTLED.status, THROTTLED.message);

/** What {@link serviceResponses} needs to know of the service and of its success answer. */
export interface ServiceResponsesOptions {
  /** Where the service's error body names the error. */
  readonly errorFormat: ServiceErrorFormat;
  /**
   * Parts of the service's error codes that mean a condition of the request failed: those answer 409.
   * @default - none: the service has no conditional requests
   */
  readonly conflictCodes?: readonly string[];
  /** The mapping template of the service's 2xx answer. */
  readonly successTemplate: string;
  /** Every status the success template answers (`200`, and any it overrides), with its OpenAPI description. */
  readonly successStatuses: Readonly<Record<string, string>>;
}

/**
 * The integration responses and the OpenAPI responses of an AWS service integration, the one way
 * every service kind maps its service's answers:
 *
 * | service answer | answer |
 * | --- | --- |
 * | 2xx | `successTemplate` (200, or what it overrides) |
 * | 4xx, code of `conflictCodes` | 409 |
 * | 4xx, throttling code | 429 |
 * | 4xx, validation code (a value the client sent) | 400 |
 * | any other 4xx (access denied, KMS, missing target, unknown or no code) | 500 |
 * | 5xx | 502 |
 *
 * The code is read where the service's protocol puts it (`errorFormat`), never matched in the
 * error's text: that text may echo what the client sent. An unknown code answers 500, so a
 * misconfiguration shows in the API's 5xx metrics instead of being blamed on the client. Every
 * answer has a generic body ({@link errorBody}) and the API's static CORS headers, and every status
 * is declared in the OpenAPI responses. Never a 200 with an error body.
 */
export function serviceResponses(
  binding: RouteBinding,
  options: ServiceResponsesOptions,
): { readonly integration: Record<string, unknown>; readonly openApi: Record<string, unknown> } {
  const headers = binding.staticCorsHeaders;
  const rules: ServiceErrorRule[] = [
    ...(options.conflictCodes?.length ? [{ status: '409', message: CONFLICT_MESSAGE, codes: options.conflictCodes }] : []),
    THROTTLED,
    REFUSED,
  ];
  const clientError = [`#set($errorCode = "$!input.path('${options.errorFormat}')")`];
  rules.forEach((rule, i) => {
    clientError.push(`#${i === 0 ? 'if' : 'elseif'}(${rule.codes.map((code) => `$errorCode.contains('${code}')`).join(' || ')})`, ...errorAnswerLines(rule.status, rule.message));
  });
  clientError.push('#else', ...errorAnswerLines(UNDELIVERED.status, UNDELIVERED.message), '#end');
  const answer = (statusCode: string, template: string): Record<string, unknown> => ({
    statusCode,
    responseTemplates: { 'application/json': template },
    ...(headers ? { responseParameters: headers } : {}),
  });
  const statuses: Record<string, string> = {
    ...Object.fromEntries([...rules, UNDELIVERED, SERVICE_FAILED].map((rule) => [rule.status, rule.message])),
    ...options.successStatuses,
  };
  return {
    integration: {
      default: answer('200', options.successTemplate),
      '4\\d{2}': answer(REFUSED.status, clientError.join('\n')),
      '5\\d{2}': answer(SERVICE_FAILED.status, errorBody(SERVICE_FAILED.message)),
    },
    openApi: Object.fromEntries(Object.entries(statuses).map(([status, description]) => [status, responseWithHeaders(description, headers)])),
  };
}

/** What an HTTP API AWS service integration needs: its subtype, the role API Gateway assumes, and the parameters. */
export interface AwsServiceHttpIntegrationProps {
  /** The service action, e.g. `SQS-SendMessage`. */
  readonly subtype: apigwv2.HttpIntegrationSubtype;
  /** The role API Gateway assumes to call the service: the API's one role for the target and action. */
  readonly role: IRole;
  /** The subtype's parameters, as HTTP API mapping values (`$request.body`, constants, tokens). */
  readonly parameters: Record<string, string>;
}

/**
 * An HTTP API AWS service ("first-class", `AWS_PROXY` with a subtype) integration with a given role:
 * SQS-SendMessage, EventBridge-PutEvents, Kinesis-PutRecord, StepFunctions-StartExecution.
 * aws-cdk-lib's `HttpSqsIntegration`, `HttpEventBridgeIntegration` and `HttpStepFunctionsIntegration`
 * create a role of their own under the route, without the KMS grant an encrypted target needs (and
 * the last takes only a `StateMachine` created in the app); this one takes the API's shared role.
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

/** What {@link awsServiceRestConfig} builds a REST AWS service integration from. */
export interface AwsServiceRestProps {
  /** The `arn:...:apigateway:...` URI of the service action. */
  readonly uri: string;
  /** The role API Gateway assumes. */
  readonly role: IRole;
  /** Fixed headers of the request to the service, e.g. `X-Amz-Target`. */
  readonly headers?: Record<string, string>;
  /** The `application/json` request template (other content types are refused with 415). */
  readonly requestTemplate: string;
  /** The integration and OpenAPI responses, from {@link serviceResponses}. */
  readonly responses: { readonly integration: Record<string, unknown>; readonly openApi: Record<string, unknown> };
  /** Method request parameters the template reads, name -> required. */
  readonly methodParameters?: Record<string, boolean>;
  /** The body schema when the route sets none. */
  readonly bodySchema?: JsonSchema;
}

/**
 * The REST config of an AWS service integration: a POST to the service action with the role as
 * credentials, a JSON-only request template (`passthroughBehavior: never`), and the service's
 * answers mapped by `serviceResponses`.
 */
export function awsServiceRestConfig(props: AwsServiceRestProps): RestIntegrationConfig {
  const headers = Object.entries(props.headers ?? {}).map(([name, value]) => [`integration.request.header.${name}`, `'${value}'`]);
  return {
    integration: {
      type: 'aws',
      httpMethod: 'POST',
      uri: props.uri,
      credentials: props.role.roleArn,
      passthroughBehavior: 'never',
      ...(headers.length > 0 ? { requestParameters: Object.fromEntries(headers) } : {}),
      requestTemplates: { 'application/json': props.requestTemplate },
      responses: props.responses.integration,
    },
    responses: props.responses.openApi,
    ...(props.methodParameters && Object.keys(props.methodParameters).length > 0 ? { requestParameters: props.methodParameters } : {}),
    ...(props.bodySchema ? { defaultRequestSchema: props.bodySchema } : {}),
  };
}
