import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { AlarmTopic, ApiAuth, ApiKind, LogEncryptionKey, RouteIntegration, ServerlessApi, StageProfile } from '../../lib';
import { createApiFunction } from '../../lib/core/functions/api-function';
import type { RouteOptions, ServerlessApiProps } from '../../lib';
import { ECHO_ENTRY, inlineFunction, newStack, templateOf } from './stacks';

/** The smallest useful ServerlessApi: one public route to an existing function. */
export function minimalApi(stack: Stack, kind: ApiKind): ServerlessApi {
  const profile = StageProfile.dev();
  // A function made with the library's own defaults, as a platform team would hand its users.
  const fn = createApiFunction(stack, 'Backend', {
    profile,
    source: { code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });') },
  });
  return new ServerlessApi(stack, 'Api', {
    profile,
    kind,
    apiName: 'minimal',
    routes: { 'GET /hello': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none() } },
  });
}

/** A ServerlessApi with every major feature its protocol offers. */
export function fullApi(stack: Stack, kind: ApiKind): ServerlessApi {
  const rest = kind === ApiKind.REST;
  const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const topic = new AlarmTopic(stack, 'AlarmTopic');
  const logKey = new LogEncryptionKey(stack, 'LogKey');
  const profile = StageProfile.prod({
    alarmTopic: topic.topic,
    logEncryptionKey: logKey.key,
    caching: rest ? { clusterSize: '0.5' } : undefined,
  });
  const echo = RouteIntegration.entry(ECHO_ENTRY);
  const api = new ServerlessApi(stack, 'Api', {
    profile,
    kind,
    apiName: 'full',
    description: 'Every feature',
    defaultAuth: ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['full-api'], scopes: ['full/read'] }),
    cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true },
    customDomain: { domainName: `${kind.toLowerCase()}.example.com`, hostedZone: zone, basePath: 'v1' },
    routes: {
      'GET /items': { integration: echo, ...(rest ? { cache: { ttl: Duration.seconds(60) } } : {}) },
      'GET /items/{id}': { integration: echo, timeout: Duration.seconds(10) },
      'POST /items': {
        integration: echo,
        ...(rest ? { requestSchema: { type: JsonSchemaType.OBJECT, required: ['name'], properties: { name: { type: JsonSchemaType.STRING } } } } : {}),
      },
      'GET /upstream/{proxy+}': { integration: RouteIntegration.httpProxy('https://upstream.example.com/{proxy}'), auth: ApiAuth.iam() },
    },
  });
  if (rest) {
    api.addRoute('GET /health', { integration: RouteIntegration.mock({ body: JSON.stringify({ status: 'ok' }) }), auth: ApiAuth.none() });
    // The docs' full example: a function that may flush cached answers (its wildcard grant is acknowledged by the grant).
    api.grantInvalidateCache(createApiFunction(stack, 'CacheFlusher', { profile, source: { code: Code.fromInline('exports.handler = async () => {};') } }));
  }
  return api;
}

/**
 * GIVEN a stack with one inline function; WHEN a ServerlessApi named 'items' is built with one
 * public `GET /items` route to it (merged with `route`) and these props. The template is read lazily,
 * so a test can still add to the stack first.
 */
export function itemsApi(kind: ApiKind, props: Partial<ServerlessApiProps> = {}, route: Partial<RouteOptions> = {}) {
  const { stack } = newStack();
  const fn = inlineFunction(stack);
  const api = new ServerlessApi(stack, 'Api', {
    profile: StageProfile.dev(),
    kind,
    apiName: 'items',
    routes: { 'GET /items': { integration: RouteIntegration.fromFunction(fn), auth: ApiAuth.none(), ...route } },
    ...props,
  });
  return {
    stack,
    fn,
    api,
    get template() {
      return templateOf(stack);
    },
  };
}
