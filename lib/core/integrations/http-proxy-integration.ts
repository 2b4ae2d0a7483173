import { Token } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { Integration } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';

/** Options of {@link RouteIntegration.httpProxy}. */
export interface HttpProxyIntegrationOptions {
  /**
   * Method used towards the backend.
   * @default - the route's method (ANY for ANY)
   */
  readonly method?: string;
}

/** Fails unless `url` is an `https://` URL with a host: requests, tokens included, must not cross the internet unencrypted. */
export function validateBackendUrl(prop: string, url: string): void {
  if (!Token.isUnresolved(url) && !/^https:\/\/[^/\s]+/i.test(url)) {
    throw new ApiPatternsError('HttpProxyUrlInvalid', `${prop}: url must be an https:// URL with a host. Got: ${describeValue(url)}`);
  }
}

/** The `{name}` and `{name+}` placeholders of a backend URL (a token inside the URL, `${Token[...]}`, is none). */
export function urlPathParameters(url: string): string[] {
  return [...url.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\+?\}/g)].map((m) => m[1]);
}

/** Fails when an integration reads a path parameter (`read`) that the route does not have. */
export function checkPathParametersRead(binding: RouteBinding, kindName: string, read: readonly string[], errorId: string): void {
  const unknown = read.find((p) => !binding.route.parameters.includes(p));
  if (unknown === undefined) return;
  throw new ApiPatternsError(
    errorId,
    `${binding.prop}.integration: ${kindName} reads the path parameter ${describeValue(unknown)}, which the route ${describeValue(binding.route.key)} does not have. Got: ${describeValue(binding.route.parameters)}`,
    binding.scope,
  );
}

/** The route's path parameters that a backend URL's placeholders use, passed on to them. */
export function pathParameterMapping(binding: RouteBinding, url: string): Record<string, string> {
  const used = new Set(urlPathParameters(url));
  return Object.fromEntries(
    binding.route.parameters.filter((name) => used.has(name)).map((name) => [`integration.request.path.${name}`, `method.request.path.${name}`]),
  );
}

/**
 * HTTP proxy to an external `https://` URL (path parameters may appear as `{name}`): the request
 * and the answer pass through unchanged. REST and HTTP.
 */
export class HttpProxyIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.httpProxy';

  /** The backend URL. */
  public readonly url: string;

  /** The options given to the factory. */
  public readonly options: HttpProxyIntegrationOptions;

  constructor(url: string, options: HttpProxyIntegrationOptions = {}) {
    super();
    this.url = url;
    this.options = options;
    validateBackendUrl('RouteIntegration.httpProxy(url)', url);
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    return `http ${this.url} ${this.options.method ?? binding.route.method}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    checkPathParametersRead(binding, this.kindName, urlPathParameters(this.url), 'HttpProxyParameterUnknown');
    const requestParameters = pathParameterMapping(binding, this.url);
    return {
      integration: {
        type: 'http_proxy',
        httpMethod: this.options.method ?? binding.route.method,
        uri: this.url,
        passthroughBehavior: 'when_no_match',
        ...(Object.keys(requestParameters).length > 0 ? { requestParameters } : {}),
      },
    };
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    checkPathParametersRead(binding, this.kindName, urlPathParameters(this.url), 'HttpProxyParameterUnknown');
    const method = (this.options.method ?? binding.route.method) as apigwv2.HttpMethod;
    return { integration: new HttpUrlIntegration(binding.integrationId, this.url, { method }) };
  }
}
