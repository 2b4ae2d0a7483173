import { Stack } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import type { ResolvedCors } from '../routing/cors';
import type { EntryIntegrationOptions } from './entry-integration';
import type { ParsedRouteKey } from '../routing/route-key';
import { ApiPatternsError } from '../validation/errors';

/**
 * What the API gives an integration when it binds it to one route. Internal: the shape may change
 * between releases.
 */
export interface RouteBinding {
  /** The API construct: integrations create what they need (roles, functions) in it. */
  readonly scope: Construct;
  /** How the user wrote the route, for errors, e.g. `routes["GET /items"]`. */
  readonly prop: string;
  /** REST or HTTP. */
  readonly kind: ApiKind;
  /** The parsed route key. */
  readonly route: ParsedRouteKey;
  /** The route's integration timeout, when it sets one. */
  readonly timeout?: Duration;
  /** The API's CORS settings, when it has any. */
  readonly cors?: ResolvedCors;
  /**
   * CORS headers an answer written by API Gateway itself (mock and transforming integrations) can
   * carry statically, as `method.response.header.*` -> `'value'`; undefined when there are none.
   */
  readonly staticCorsHeaders?: Record<string, string>;
  /** The construct id for an HTTP API integration this binding creates, unique in the API. */
  readonly integrationId: string;
  /** The function of an entry file: one per entry per API, created with the API's function defaults. */
  entryFunction(entry: string, options: EntryIntegrationOptions): IFunction;
}

/**
 * A REST route's integration: the `x-amazon-apigateway-integration` object of its OpenAPI
 * operation and what else the operation needs. Internal.
 */
export interface RestIntegrationConfig {
  /** The `x-amazon-apigateway-integration` object; the API adds the timeout and cache keys. */
  readonly integration: Record<string, unknown>;
  /** The operation's OpenAPI `responses`. @default - one `200` response */
  readonly responses?: Record<string, unknown>;
  /** Extra method request parameters, `method.request.header.X` -> required. */
  readonly requestParameters?: Record<string, boolean>;
  /** The function API Gateway invokes: the API grants it one invoke permission, however many routes use it. */
  readonly invokedFunction?: IFunction;
  /**
   * The JSON schema a request body must match when the route sets no `requestSchema` of its own
   * (service integrations that forward the body), so API Gateway answers 400 before calling the service.
   */
  readonly defaultRequestSchema?: JsonSchema;
}

/** An HTTP API route's integration. Internal. */
export interface HttpIntegrationConfig {
  /** The aws-cdk-lib integration to add the route with. */
  readonly integration: apigwv2.HttpRouteIntegration;
  /** The function API Gateway invokes (the L2 integration grants its permission). */
  readonly invokedFunction?: IFunction;
}

/**
 * The backend of a route. Create one with a `RouteIntegration` factory (`RouteIntegration.fromFunction(fn)`,
 * `RouteIntegration.sqs(queue)`, ...) or `new` one of the integration classes; reuse one object across
 * routes and they share its function, role and permission.
 *
 * An integration kind is one class in `lib/core/integrations/`: it binds to a REST route (an
 * OpenAPI integration object) and, where HTTP APIs offer it, to an HTTP route. A kind that a
 * protocol lacks fails at synth with `IntegrationUnsupported`.
 */
export abstract class Integration {
  /** A short name of the kind for messages, e.g. `RouteIntegration.sqs`. */
  public abstract readonly kindName: string;

  /**
   * What decides whether two routes can share one HTTP API integration: routes whose integrations
   * give the same key (and the same timeout) share one. By default, each integration object is its own.
   * @internal
   */
  public _shareKey(_binding: RouteBinding): string {
    let key = SHARE_KEYS.get(this);
    if (!key) {
      key = `integration-${SHARE_KEYS_COUNT.next++}`;
      SHARE_KEYS.set(this, key);
    }
    return key;
  }

  /**
   * Binds to a REST API route.
   * @internal
   */
  public abstract _bindRest(binding: RouteBinding): RestIntegrationConfig;

  /**
   * Binds to an HTTP API route. Kinds that HTTP APIs do not offer keep this default, which fails.
   * @internal
   */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    throw unsupported(binding, this.kindName);
  }
}

const SHARE_KEYS = new WeakMap<Integration, string>();
const SHARE_KEYS_COUNT = { next: 1 };

/** The error for an integration kind that the route's API kind does not offer. */
export function unsupported(binding: RouteBinding, kindName: string, why = ''): ApiPatternsError {
  const offered = binding.kind === ApiKind.HTTP ? 'REST APIs only' : 'HTTP APIs only';
  return new ApiPatternsError(
    'IntegrationUnsupported',
    `${binding.prop}.integration: ${kindName} is offered on ${offered}${why ? `: ${why}` : ''}. Got: kind ${binding.kind}`,
    binding.scope,
  );
}

/** The `arn:...:apigateway:<region>:<service>:action/<Action>` URI of a REST AWS service integration. */
export function restServiceUri(scope: Construct, service: string, action: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:apigateway:${stack.region}:${service}:action/${action}`;
}

/** The invocation URI of a Lambda function, for REST Lambda integrations and authorizers. */
export function lambdaInvocationUri(scope: Construct, fn: IFunction): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`;
}
