import { accessLogFieldNames, accessLogFormat } from '../../../lib/core/stage/access-log-format';
import { ApiKind } from '../../../lib';

const KINDS = [ApiKind.REST, ApiKind.HTTP, ApiKind.WEBSOCKET];

describe('accessLogFormat', () => {
  test.each(KINDS)('%s: one line of valid JSON, every value a $context variable, under 3 KB', (kind) => {
    // WHEN
    const format = accessLogFormat(kind);
    const parsed = JSON.parse(format) as Record<string, string>;

    // THEN
    expect(format).not.toMatch(/[\r\n]/);
    expect(Buffer.byteLength(format)).toBeLessThan(3 * 1024);
    for (const value of Object.values(parsed)) expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
    expect(Object.keys(parsed)).toEqual(accessLogFieldNames(kind));
  });

  test.each([
    [
      ApiKind.REST,
      [
        '$context.requestId',
        '$context.extendedRequestId',
        '$context.identity.sourceIp',
        '$context.requestTime',
        '$context.httpMethod',
        '$context.resourcePath',
        '$context.status',
        '$context.protocol',
        '$context.responseLength',
        '$context.integration.status',
        '$context.integration.latency',
        '$context.integration.error',
        '$context.authorizer.error',
        '$context.waf.status',
        '$context.xrayTraceId',
        '$context.identity.apiKeyId',
      ],
    ],
    [
      ApiKind.HTTP,
      [
        '$context.requestId',
        '$context.identity.sourceIp',
        '$context.requestTime',
        '$context.httpMethod',
        '$context.routeKey',
        '$context.status',
        '$context.protocol',
        '$context.responseLength',
        '$context.integrationErrorMessage',
        '$context.authorizer.error',
      ],
    ],
    [
      ApiKind.WEBSOCKET,
      [
        '$context.requestId',
        '$context.identity.sourceIp',
        '$context.requestTime',
        '$context.eventType',
        '$context.routeKey',
        '$context.status',
        '$context.connectionId',
        '$context.integration.error',
        '$context.authorizer.error',
      ],
    ],
  ])('%s logs every field FACTS.md lists', (kind, variables) => {
    const values = Object.values(JSON.parse(accessLogFormat(kind)) as Record<string, string>);
    expect(values).toEqual(expect.arrayContaining(variables));
  });

  test('names the common fields the same way for every kind', () => {
    for (const kind of KINDS) {
      const parsed = JSON.parse(accessLogFormat(kind)) as Record<string, string>;
      expect(parsed).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        status: '$context.status',
        authorizerError: '$context.authorizer.error',
      });
    }
  });

  test('uses the variable spelling of each kind', () => {
    expect(JSON.parse(accessLogFormat(ApiKind.REST))).toMatchObject({ integrationError: '$context.integration.error', apiKeyId: '$context.identity.apiKeyId' });
    expect(JSON.parse(accessLogFormat(ApiKind.HTTP))).toMatchObject({ integrationError: '$context.integrationErrorMessage', routeKey: '$context.routeKey' });
    expect(JSON.parse(accessLogFormat(ApiKind.WEBSOCKET))).toMatchObject({ connectionId: '$context.connectionId', eventType: '$context.eventType' });
  });

  test('HTTP and WebSocket formats do not use REST-only variables', () => {
    for (const kind of [ApiKind.HTTP, ApiKind.WEBSOCKET]) {
      expect(accessLogFormat(kind)).not.toContain('$context.waf.status');
      expect(accessLogFormat(kind)).not.toContain('$context.identity.apiKeyId');
      expect(accessLogFormat(kind)).not.toContain('$context.resourcePath');
    }
    expect(accessLogFieldNames(ApiKind.WEBSOCKET)).not.toContain('httpMethod');
  });

  test('field names are unique', () => {
    for (const kind of KINDS) {
      const names = accessLogFieldNames(kind);
      expect(new Set(names).size).toBe(names.length);
    }
  });
});
