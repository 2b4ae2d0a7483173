import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { ApiKind } from '../../../lib/core/api-base/api-kind';
import { HttpTransformValue } from '../../../lib/core/integrations/http-transform-integration';
import type { HttpTransformIntegrationOptions } from '../../../lib/core/integrations/http-transform-integration';
import { RouteIntegration } from '../../../lib/core/integrations/route-integration';
import { expectApiError } from '../../support/core-stacks';
import { matchingPatterns, routeBindingFixture } from '../../support/route-binding';
import type { Answers, BindRoute } from '../../support/route-binding';

const URL = 'https://backend.example.com/v1/items/{id}';
const CORS = { 'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'" };

let stack: Stack;
let binding: BindRoute;

beforeEach(() => {
  ({ stack, binding } = routeBindingFixture());
});

/** The status each backend status gets, by the integration responses' selection patterns (full matches, as API Gateway's). */
function answeredStatus(responses: Answers, backendStatus: number): { status: string; patterns: string[] } {
  const patterns = matchingPatterns(responses, backendStatus);
  return { status: patterns.length === 1 ? responses[patterns[0]].statusCode : responses.default.statusCode, patterns };
}

describe('REST APIs', () => {
  test('is a non-proxy HTTP integration that maps path parameters, headers and query strings', () => {
    // WHEN
    const config = RouteIntegration.httpTransform(URL, {
      requestHeaders: {
        'x-api-version': HttpTransformValue.literal('2024-01'),
        'x-request-id': HttpTransformValue.fromContext('requestId'),
        'x-tenant': HttpTransformValue.fromHeader('tenant'),
      },
      requestQueryStrings: { item: HttpTransformValue.fromPathParameter('id'), q: HttpTransformValue.fromQueryString('search') },
    })._bindRest(binding(ApiKind.REST, 'PUT /items/{id}'));
    // THEN
    expect(config.integration).toMatchObject({ type: 'http', httpMethod: 'PUT', uri: URL, passthroughBehavior: 'never' });
    expect(config.integration.requestParameters).toEqual({
      'integration.request.path.id': 'method.request.path.id',
      'integration.request.header.x-api-version': "'2024-01'",
      'integration.request.header.x-request-id': 'context.requestId',
      'integration.request.header.x-tenant': 'method.request.header.tenant',
      'integration.request.querystring.item': 'method.request.path.id',
      'integration.request.querystring.q': 'method.request.querystring.search',
    });
    expect(config.requestParameters).toEqual({ 'method.request.header.tenant': false, 'method.request.querystring.search': false });
  });

  test('forwards JSON bodies unchanged by default and refuses other content types; the body is not modelled', () => {
    const config = RouteIntegration.httpTransform(URL)._bindRest(binding(ApiKind.REST, 'POST /items/{id}'));
    expect(config.integration.passthroughBehavior).toBe('never');
    expect(config.integration.requestTemplates).toEqual({ 'application/json': '$input.body' });
    // An object-or-array model would need anyOf, which API Gateway's OpenAPI import drops.
    expect(config.defaultRequestSchema).toBeUndefined();
  });

  test('forwards no body and asks for none on GET routes without templates', () => {
    const config = RouteIntegration.httpTransform(URL, { method: 'POST' })._bindRest(binding(ApiKind.REST, 'GET /items/{id}'));
    expect(config.integration.httpMethod).toBe('POST');
    expect(config.integration.passthroughBehavior).toBe('when_no_templates');
    expect(config.integration.requestTemplates).toBeUndefined();
    expect(config.defaultRequestSchema).toBeUndefined();
  });

  test('applies the request templates and the response templates to successful answers only', () => {
    // GIVEN
    const requestTemplates = { 'application/json': '{"name": $input.json(\'$.title\')}' };
    const responseTemplates = { 'application/json': '{"title": $input.json(\'$.name\')}' };
    // WHEN
    const config = RouteIntegration.httpTransform(URL, { requestTemplates, responseTemplates })._bindRest(binding(ApiKind.REST, 'POST /items/{id}'));
    // THEN
    expect(config.integration.requestTemplates).toEqual(requestTemplates);
    const responses = config.integration.responses as Answers;
    for (const pattern of ['default', '201', '202']) expect(responses[pattern].responseTemplates).toEqual(responseTemplates);
    for (const [pattern, response] of Object.entries(responses)) {
      if (Number(response.statusCode) >= 400) expect(response.responseTemplates?.['application/json']).not.toBe(responseTemplates['application/json']);
      if (pattern === '204') expect(response.responseTemplates).toBeUndefined();
    }
  });

  test('never answers a backend error or redirect with a success, and each backend status meets one rule at most', () => {
    const responses = RouteIntegration.httpTransform(URL)._bindRest(binding(ApiKind.REST, 'GET /items/{id}')).integration.responses as Answers;
    for (let backend = 200; backend < 600; backend++) {
      const { status, patterns } = answeredStatus(responses, backend);
      expect(patterns.length).toBeLessThanOrEqual(1);
      if (backend >= 300) expect(Number(status)).toBeGreaterThanOrEqual(400);
      else expect(Number(status)).toBeLessThan(300);
    }
    expect(answeredStatus(responses, 404).status).toBe('404');
    expect(answeredStatus(responses, 418).status).toBe('400');
    expect(answeredStatus(responses, 503).status).toBe('503');
    expect(answeredStatus(responses, 500).status).toBe('502');
    expect(answeredStatus(responses, 301).status).toBe('502');
    expect(answeredStatus(responses, 201).status).toBe('201');
    expect(answeredStatus(responses, 206).status).toBe('200');
  });

  test('passes the listed backend headers and the CORS headers on every answer, and declares them', () => {
    // WHEN
    const config = RouteIntegration.httpTransform(URL, { responseHeaders: ['ETag'] })._bindRest(binding(ApiKind.REST, 'GET /items/{id}', { staticCorsHeaders: CORS }));
    // THEN
    const expected = { ...CORS, 'method.response.header.ETag': 'integration.response.header.ETag' };
    const responses = Object.values(config.integration.responses as Answers);
    expect(responses.length).toBeGreaterThan(10);
    for (const response of responses) expect(response.responseParameters).toEqual(expected);
    const declared = config.responses as Answers;
    for (const status of Object.values(config.integration.responses as Answers).map((r) => r.statusCode)) {
      expect(declared[status].headers).toEqual({ 'Access-Control-Allow-Origin': { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } } });
    }
  });

  test.each([
    ['requestPath', { requestPath: '/v2/items' }],
    ['removeRequestHeaders', { removeRequestHeaders: ['cookie'] }],
  ])('refuses the HTTP-only option %s', (option, options: HttpTransformIntegrationOptions) => {
    const integration = RouteIntegration.httpTransform(URL, options);
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'GET /items/{id}')), 'HttpTransformOptionUnsupported', new RegExp(`options\\.${option} is offered on HTTP APIs only`), /Got: /);
  });
});

describe('HTTP APIs', () => {
  test('is an HTTP proxy integration whose parameter mapping overwrites headers, query strings and the path, and removes headers', () => {
    // GIVEN
    const httpApi = new HttpApi(stack, 'HttpApi');
    // WHEN
    const config = RouteIntegration.httpTransform(URL, {
      method: 'POST',
      requestHeaders: { 'x-api-version': HttpTransformValue.literal('2024-01'), 'x-request-id': HttpTransformValue.fromContext('requestId') },
      requestQueryStrings: { item: HttpTransformValue.fromPathParameter('id') },
      requestPath: '/v2/items/$request.path.id',
      removeRequestHeaders: ['cookie'],
      responseHeaders: ['ETag'],
    })._bindHttp(binding(ApiKind.HTTP, 'GET /items/{id}'));
    httpApi.addRoutes({ path: '/items/{id}', methods: [HttpMethod.GET], integration: config.integration });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: URL,
      IntegrationMethod: 'POST',
      RequestParameters: {
        'overwrite:header.x-api-version': '2024-01',
        'overwrite:header.x-request-id': '$context.requestId',
        'overwrite:querystring.item': '$request.path.id',
        'overwrite:path': '/v2/items/$request.path.id',
        'remove:header.cookie': '',
      },
    });
  });

  test('maps nothing without options', () => {
    const httpApi = new HttpApi(stack, 'HttpApi');
    const config = RouteIntegration.httpTransform('https://backend.example.com/items')._bindHttp(binding(ApiKind.HTTP, 'GET /items'));
    httpApi.addRoutes({ path: '/items', methods: [HttpMethod.GET], integration: config.integration });
    const integrations = Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.values(integrations)[0].Properties.RequestParameters).toBeUndefined();
    expect(Object.values(integrations)[0].Properties.IntegrationMethod).toBe('GET');
  });

  test.each([
    ['requestTemplates', { requestTemplates: { 'application/json': '{}' } }],
    ['responseTemplates', { responseTemplates: { 'application/json': '{}' } }],
  ])('refuses the REST-only option %s', (option, options: HttpTransformIntegrationOptions) => {
    const integration = RouteIntegration.httpTransform(URL, options);
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP, 'GET /items/{id}')), 'HttpTransformOptionUnsupported', new RegExp(`options\\.${option} is offered on REST APIs only`), /Got: \{/);
  });

  test.each([['x-amzn-trace-id'], ['Apigw-Requestid']])('refuses to map the reserved header %s', (header) => {
    const integration = RouteIntegration.httpTransform(URL, { requestHeaders: { [header]: HttpTransformValue.literal('x') } });
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP, 'GET /items/{id}')), 'HttpTransformHeaderReserved', /apigw-\* and x-amzn-\*/, new RegExp(`Got: "${header}"`));
  });

  test('shares one integration between routes with the same target and mapping only', () => {
    const options = { requestHeaders: { 'x-api-version': HttpTransformValue.literal('1') } };
    const a = RouteIntegration.httpTransform(URL, options)._shareKey(binding(ApiKind.HTTP, 'GET /items/{id}'));
    expect(RouteIntegration.httpTransform(URL, options)._shareKey(binding(ApiKind.HTTP, 'GET /things/{id}'))).toBe(a);
    expect(RouteIntegration.httpTransform(URL, { requestHeaders: { 'x-api-version': HttpTransformValue.literal('2') } })._shareKey(binding(ApiKind.HTTP, 'GET /items/{id}'))).not.toBe(a);
    expect(RouteIntegration.httpTransform(URL, options)._shareKey(binding(ApiKind.HTTP, 'POST /items/{id}'))).not.toBe(a);
  });
});

describe('validation', () => {
  test('refuses a plain http:// URL', () => {
    expectApiError(() => RouteIntegration.httpTransform('http://backend.example.com'), 'HttpProxyUrlInvalid', /RouteIntegration\.httpTransform\(url\)/, /Got: "http:\/\/backend\.example\.com"/);
  });

  test.each([
    ['an unknown method', { method: 'FETCH' }, /options\.method must be one of/],
    ['a header name with a space', { requestHeaders: { 'x api': HttpTransformValue.literal('1') } }, /options\.requestHeaders names/],
    ['a response header name with a colon', { responseHeaders: ['ETag:'] }, /options\.responseHeaders names/],
    ['a template key that is no content type', { requestTemplates: { json: '{}' } }, /options\.requestTemplates keys must be content types/],
    ['an empty template map', { responseTemplates: {} }, /options\.responseTemplates must map at least one content type/],
    ['a request path without a leading slash', { requestPath: 'v2/items' }, /options\.requestPath must start with '\/'/],
  ])('refuses %s', (_what, options: HttpTransformIntegrationOptions, message) => {
    expectApiError(() => RouteIntegration.httpTransform(URL, options), 'HttpTransformOptionInvalid', message, /Got: /);
  });

  test.each([
    ['a fixed value with a quote', () => HttpTransformValue.literal("it's"), /HttpTransformValue\.literal\(value\)/],
    ['a fixed value with a dollar', () => HttpTransformValue.literal('$request.header.x'), /HttpTransformValue\.literal\(value\)/],
    ['a header name with a dot', () => HttpTransformValue.fromHeader('x.y'), /HttpTransformValue\.fromHeader\(name\)/],
    ['a context variable with its prefix', () => HttpTransformValue.fromContext('$context.requestId'), /HttpTransformValue\.fromContext\(variable\)/],
  ])('refuses %s', (_what, make, message) => {
    expectApiError(make, 'HttpTransformValueInvalid', message, /Got: /);
  });

  test('fails when the URL reads a path parameter the route does not have', () => {
    const integration = RouteIntegration.httpTransform(URL);
    expectApiError(() => integration._bindRest(binding(ApiKind.REST, 'GET /items/{itemId}')), 'HttpTransformParameterUnknown', /reads the path parameter "id"/, /Got: \["itemId"\]/);
  });

  test('fails when a mapped value reads a path parameter the route does not have', () => {
    const integration = RouteIntegration.httpTransform('https://backend.example.com/items', { requestHeaders: { 'x-item': HttpTransformValue.fromPathParameter('id') } });
    expectApiError(() => integration._bindHttp(binding(ApiKind.HTTP, 'GET /items')), 'HttpTransformParameterUnknown', /routes\["GET \/items"\]/, /Got: \[\]/);
  });
});
