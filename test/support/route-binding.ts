import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import type { ApiKind } from '../../lib/core/api-base/api-kind';
import { ServiceErrorFormat } from '../../lib/core/integrations/aws-service-integration';
import type { RestIntegrationConfig, RouteBinding } from '../../lib/core/integrations/integration';
import { parseRouteKey } from '../../lib/core/routing/route-key';

/*
 * What the integration unit tests share: a stack with an API scope and the bindings of its routes,
 * and readers of what a bind returns (roles' statements, integration responses, service errors).
 */

/** What a test may set on a binding besides the API kind and the route key. */
export interface RouteBindingOptions {
  /** The CORS headers of answers API Gateway writes itself. @default - none (an API without CORS) */
  readonly staticCorsHeaders?: Record<string, string>;
  /** The construct id of an HTTP API integration. @default 'Integration1' */
  readonly integrationId?: string;
}

/** The binding of one route of the fixture's API, as a backend gives it to an integration. */
export type BindRoute = (kind: ApiKind, routeKey?: string, options?: RouteBindingOptions) => RouteBinding;

/** A stack, the API scope in it, and the bindings of the API's routes. */
export interface RouteBindingFixture {
  readonly stack: Stack;
  /** The API construct: every binding's scope, so what integrations create (roles) has ids starting with `Api`. */
  readonly api: Construct;
  readonly binding: BindRoute;
}

/**
 * GIVEN a stack in account 111111111111 and eu-west-1 (with its own cdk.out in a temporary folder,
 * so test files running at once never share one) and an API scope `Api` in it: `binding(kind,
 * routeKey)` binds a route of that API, by default `defaultRouteKey`.
 */
export function routeBindingFixture(defaultRouteKey?: string): RouteBindingFixture {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk.out-integration-')) });
  const stack = new Stack(app, 'TestStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new Construct(stack, 'Api');
  const binding: BindRoute = (kind, routeKey = defaultRouteKey, options = {}) => {
    if (routeKey === undefined) throw new Error('binding(kind, routeKey): this fixture has no default route key');
    return {
      scope: api,
      prop: `routes["${routeKey}"]`,
      kind,
      route: parseRouteKey(api, 'prop', routeKey),
      integrationId: options.integrationId ?? 'Integration1',
      staticCorsHeaders: options.staticCorsHeaders,
      entryFunction: () => {
        throw new Error('unused');
      },
    };
  };
  return { stack, api, binding };
}

/** The statements of the IAM policy attached to the role whose ARN `credentials` resolves to. */
export function statementsOfRole(stack: Stack, credentials: unknown): unknown[] {
  const [roleId] = (stack.resolve(credentials) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

/** An integration response of `x-amazon-apigateway-integration.responses`, or an OpenAPI response. */
export interface Answer {
  readonly statusCode: string;
  readonly responseTemplates?: Record<string, string>;
  readonly responseParameters?: Record<string, string>;
  readonly headers?: Record<string, unknown>;
}
export type Answers = Record<string, Answer>;

/** The selection patterns of the integration responses that match a backend status (API Gateway matches the whole status). */
export function matchingPatterns(responses: Record<string, unknown>, backendStatus: number): string[] {
  return Object.keys(responses).filter((p) => p !== 'default' && new RegExp(`^(?:${p})$`).test(String(backendStatus)));
}

/** The value at a `$.a.b` path of a JSON document, as a mapping template's `"$!input.path(...)"` writes it. */
function pathValue(document: unknown, path: string): string {
  const value = path
    .split('.')
    .slice(1)
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), document);
  return value === undefined || value === null ? '' : String(value);
}

/**
 * What a REST integration answers when its backend answers `backendStatus` with `body`: the status
 * and body of the integration response API Gateway selects, run on that body. The template may be
 * what `serviceResponses` writes for errors: `#set($x = "$!input.path('<path>')")` lines, one
 * `#if`/`#elseif`/`#else`/`#end` chain of `$x.contains('...')` tests joined by `||`, status overrides
 * and body lines. Anything else fails the test.
 */
export function answerTo(config: RestIntegrationConfig, backendStatus: number, body: unknown): { status: string; body: string } {
  const responses = config.integration.responses as Answers;
  const patterns = matchingPatterns(responses, backendStatus);
  expect(patterns.length).toBeLessThanOrEqual(1);
  const response = responses[patterns[0] ?? 'default'];
  const variables = new Map<string, string>();
  let status = response.statusCode;
  const lines: string[] = [];
  // Outside the chain: undefined; inside: whether this branch runs, and whether one already did.
  let running: boolean | undefined;
  let ran = false;
  const runs = (condition: string): boolean =>
    condition.split(' || ').some((test) => {
      const match = /^\$(\w+)\.contains\('([^']*)'\)$/.exec(test);
      if (!match) throw new Error(`answerTo reads no condition like ${test}`);
      return (variables.get(match[1]) ?? '').includes(match[2]);
    });
  for (const line of (response.responseTemplates?.['application/json'] ?? '').split('\n')) {
    const read = /^#set\(\$(\w+) = "\$!input\.path\('([^']+)'\)"\)$/.exec(line);
    const branch = /^#(if|elseif)\((.*)\)$/.exec(line);
    const override = /^#set\(\$context\.responseOverride\.status = (\d{3})\)$/.exec(line);
    if (branch) {
      if (branch[1] === 'if') ran = false;
      running = !ran && runs(branch[2]);
      ran ||= running;
    } else if (line === '#else') {
      running = !ran;
      ran = true;
    } else if (line === '#end') running = undefined;
    else if (running === false) continue;
    else if (read) variables.set(read[1], pathValue(body, read[2]));
    else if (override) status = override[1];
    else if (line.startsWith('#')) throw new Error(`answerTo reads no directive like ${line}`);
    else lines.push(line);
  }
  return { status, body: lines.join('\n') };
}

/** An error body of an AWS service, in the format its protocol writes, with a message that names a resource. */
function serviceError(format: ServiceErrorFormat, code: string): unknown {
  const message = 'User: arn:aws:sts::111111111111:assumed-role/secret-role is not allowed on arn:aws:sqs:eu-west-1:111111111111:secret-queue';
  return format === ServiceErrorFormat.QUERY_PROTOCOL
    ? { Error: { Code: code, Message: message, Type: 'Sender' }, RequestId: 'service-request-id' }
    : { __type: code, message };
}

/**
 * Expects a REST AWS service integration to answer each 4xx error code of the service (`answers`:
 * code -> status) with that status, a 5xx with 502, and a 4xx without a code with 500; every answer
 * a generic body (`message` and `requestId`) that never echoes the service's text.
 */
export function expectServiceErrorAnswers(config: RestIntegrationConfig, format: ServiceErrorFormat, answers: Record<string, string>): void {
  const cases: Array<[number, unknown, string]> = [
    ...Object.entries(answers).map(([code, status]): [number, unknown, string] => [400, serviceError(format, code), status]),
    [500, serviceError(format, 'InternalFailure'), '502'],
    [403, {}, '500'],
  ];
  for (const [backendStatus, body, status] of cases) {
    const answer = answerTo(config, backendStatus, body);
    expect({ body, status: answer.status }).toEqual({ body, status });
    expect(Object.keys(JSON.parse(answer.body))).toEqual(['message', 'requestId']);
    expect(JSON.parse(answer.body).requestId).toBe('$context.requestId');
    expect(answer.body).not.toMatch(/secret|arn:/);
  }
}
