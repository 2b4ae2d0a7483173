import { Duration, SecretValue } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { JsonSchemaType, Period } from 'aws-cdk-lib/aws-apigateway';
import { AlarmTopic, LogEncryptionKey, MeteredPublicApi, RouteIntegration, StageProfile } from '../../lib';
import type { MeteredPublicApiProps, MeteredRouteOptions } from '../../lib';
import { newStack, templateOf } from './stacks';

/** The issuer and audience the tenant-key authorizer tests use. */
export const TENANT_JWT = { issuer: 'https://id.example.com/', audience: ['catalog-api'] };

/** A route answered by API Gateway itself (no function): the cheapest backend a route can have. */
export function mockRoute(options: Partial<MeteredRouteOptions> = {}): MeteredRouteOptions {
  return { integration: RouteIntegration.mock({ body: JSON.stringify({ ok: true }) }), ...options };
}

/** The smallest useful MeteredPublicApi: one tier, one keyed route. */
export function minimalMeteredApi(stack: Stack): MeteredPublicApi {
  return new MeteredPublicApi(stack, 'Api', {
    profile: StageProfile.dev(),
    apiName: 'minimal',
    tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10 }],
    routes: { 'GET /products': mockRoute() },
  });
}

/**
 * A MeteredPublicApi with every major feature: tiers with quotas and route throttles, two customers
 * (one rotating its key, one moving tier), the tenant-key authorizer, CORS, a stage cache with
 * per-route TTLs, a web ACL with its options, per-key 429 counts, a prod profile with an alarm
 * topic and encrypted logs.
 */
export function fullMeteredApi(stack: Stack): MeteredPublicApi {
  const topic = new AlarmTopic(stack, 'AlarmTopic');
  const logKey = new LogEncryptionKey(stack, 'LogKey');
  const profile = StageProfile.prod({ alarmTopic: topic.topic, logEncryptionKey: logKey.key, caching: { clusterSize: '0.5' } });
  const cache = { ttl: Duration.minutes(5) };
  return new MeteredPublicApi(stack, 'Api', {
    profile,
    apiName: 'full',
    description: 'Every feature of MeteredPublicApi',
    tiers: [
      { name: 'free', rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: Period.DAY } },
      {
        name: 'partner',
        rateLimit: 50,
        burstLimit: 100,
        quota: { limit: 1_000_000, period: Period.MONTH, offset: 1 },
        routeThrottles: { 'POST /quotes': { rateLimit: 5, burstLimit: 10 } },
        description: 'Partners under contract',
      },
    ],
    customers: [
      { name: 'acme', tier: 'partner', keys: [{ version: 1 }, { version: 2, value: SecretValue.secretsManager('full/acme-key') }] },
      { name: 'globex', tier: 'free', keys: [{ version: 1 }, { version: 2, tier: 'partner' }] },
    ],
    tenantAuthorizer: { ...TENANT_JWT, scopes: ['catalog/read'], tenantClaim: 'org_id', keyCacheTtl: Duration.minutes(1), resultsCacheTtl: Duration.minutes(2) },
    cors: { allowOrigins: ['https://app.example.com'] },
    webAcl: {
      rateLimit: 2000,
      rateLimitWindow: Duration.minutes(2),
      anonymousIpList: true,
      allowedIps: ['203.0.113.0/24'],
      blockedIps: ['198.51.100.7/32'],
      largeBodyPaths: ['/quotes'],
      blockedRequestsAlarmThreshold: 500,
      rateLimitedAlarmThreshold: 50,
    },
    throttledRequestsPerKey: true,
    routes: {
      'GET /products': mockRoute({ cache, cachePerCustomer: true }),
      'GET /products/{id}': mockRoute({ cache }),
      'POST /quotes': mockRoute({
        requestSchema: { type: JsonSchemaType.OBJECT, required: ['productId'], properties: { productId: { type: JsonSchemaType.STRING } } },
      }),
      'GET /health': mockRoute({ apiKeyRequired: false }),
    },
  });
}

/** An OpenAPI operation as the REST backend writes it. */
export interface MeteredOperation {
  readonly operationId?: string;
  readonly security?: Array<Record<string, string[]>>;
  readonly parameters?: Array<{ readonly name: string; readonly in: string }>;
  readonly 'x-amazon-apigateway-integration': Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** The OpenAPI document a REST API is imported from (its `Body`), resolved. */
export interface MeteredBody {
  readonly paths: Record<string, Record<string, MeteredOperation>>;
  readonly components: { readonly securitySchemes: Record<string, Record<string, unknown>>; readonly schemas: Record<string, unknown> };
  readonly [extension: string]: unknown;
}

/** The body of the one REST API in the template. */
export function restBodyOf(template: Template): MeteredBody {
  const apis = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
  expect(apis).toHaveLength(1);
  return apis[0].Properties.Body as MeteredBody;
}

/** The operation of `method` (lower case) under `path`; fails when there is none. */
export function operationOf(body: MeteredBody, path: string, method: string): MeteredOperation {
  const operation = body.paths[path]?.[method];
  expect(operation).toBeDefined();
  return operation;
}

/** A resource of the template as `findResources` returns it (`Type`, `Properties`, `DependsOn`, ...): loosely typed, as templates are. */
export type FoundResource = ReturnType<Template['findResources']>[string];

/** The properties of a resource of the template, loosely typed. */
export type FoundProperties = FoundResource['Properties'];

/** The resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, FoundResource> {
  return template.findResources(type) as Record<string, FoundResource>;
}

/** The one resource of `type` whose properties pass `filter`; fails unless there is exactly one. */
export function onlyResource(template: Template, type: string, filter: (props: FoundProperties) => boolean = () => true): { readonly id: string; readonly resource: FoundResource } {
  const found = Object.entries(resourcesOf(template, type)).filter(([, r]) => filter(r.Properties ?? {}));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return { id: found[0][0], resource: found[0][1] };
}

/**
 * GIVEN a stack; WHEN a MeteredPublicApi named 'catalog' (dev profile) is built with one tier
 * 'free' (5 rps, burst 10) and one keyed `GET /products` mock route, merged with `props` (which
 * replace `tiers` and `routes` when they set them). The template is read lazily, so a test can
 * still add to the stack (or the API) first.
 */
export function catalogApi(props: Partial<MeteredPublicApiProps> = {}) {
  const { app, stack } = newStack();
  const api = new MeteredPublicApi(stack, 'Api', {
    profile: StageProfile.dev(),
    apiName: 'catalog',
    tiers: [{ name: 'free', rateLimit: 5, burstLimit: 10 }],
    routes: { 'GET /products': mockRoute() },
    ...props,
  });
  return {
    app,
    stack,
    api,
    get template(): Template {
      return templateOf(stack);
    },
    get body(): MeteredBody {
      return restBodyOf(templateOf(stack));
    },
  };
}
