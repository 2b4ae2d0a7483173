import { Token } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ApiFunctionOptions, EntryBundlingOptions } from '../core/api-function';
import { ApiPatternsError, describeValue } from '../core/errors';

/** Kinds of backend a route can have. */
export enum RouteIntegrationType {
  /** Lambda proxy integration with an existing function. */
  LAMBDA = 'LAMBDA',
  /** Lambda proxy integration with a function bundled from an entry file. */
  ENTRY = 'ENTRY',
  /** A fixed answer from API Gateway itself (REST only). */
  MOCK = 'MOCK',
  /** HTTP proxy to an external URL. */
  HTTP_PROXY = 'HTTP_PROXY',
}

/**
 * Options of {@link RouteIntegration.entry}. Function options set here (memory, timeout, VPC, ...)
 * apply to this entry's function on top of the API-wide `functionOptions`.
 */
export interface EntryIntegrationOptions extends ApiFunctionOptions, EntryBundlingOptions {
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Environment variables of the function.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Description of the function.
   * @default - '<construct path> route handler <entry relative to the working directory>'
   */
  readonly description?: string;
}

/** Options of {@link RouteIntegration.mock}. */
export interface MockIntegrationOptions {
  /**
   * Status code of the answer.
   * @default 200
   */
  readonly statusCode?: number;
  /**
   * Body of the answer; objects are sent as JSON.
   * @default '{}'
   */
  readonly body?: string | Record<string, unknown>;
}

/** Options of {@link RouteIntegration.httpProxy}. */
export interface HttpProxyIntegrationOptions {
  /**
   * Method used towards the backend.
   * @default - the route's method (ANY for ANY)
   */
  readonly method?: string;
}

/**
 * The backend of a route. Reuse one object (or one function, or one entry path) across routes and
 * they share a single function, integration and invoke permission.
 */
export class RouteIntegration {
  /** Lambda proxy integration with an existing function. */
  public static lambda(fn: IFunction): RouteIntegration {
    return new RouteIntegration(RouteIntegrationType.LAMBDA, { fn });
  }

  /**
   * Lambda proxy integration with a function bundled from a TypeScript or JavaScript entry file with
   * esbuild (Node.js 24, arm64, minified ESM with source maps, X-Ray active tracing).
   */
  public static entry(entry: string, options: EntryIntegrationOptions = {}): RouteIntegration {
    return new RouteIntegration(RouteIntegrationType.ENTRY, { entry, entryOptions: options });
  }

  /** A fixed answer from API Gateway, e.g. a health check. REST APIs only. */
  public static mock(options: MockIntegrationOptions = {}): RouteIntegration {
    return new RouteIntegration(RouteIntegrationType.MOCK, { mock: options });
  }

  /**
   * HTTP proxy to an external `https://` URL (path parameters may appear as `{name}`). Plain
   * `http://` is refused: requests, tokens included, would cross the internet unencrypted.
   */
  public static httpProxy(url: string, options: HttpProxyIntegrationOptions = {}): RouteIntegration {
    if (!Token.isUnresolved(url) && !/^https:\/\/[^/\s]+/i.test(url)) {
      throw new ApiPatternsError('HttpProxyUrlInvalid', `RouteIntegration.httpProxy(url): url must be an https:// URL with a host. Got: ${describeValue(url)}`);
    }
    return new RouteIntegration(RouteIntegrationType.HTTP_PROXY, { url, httpProxy: options });
  }

  private constructor(
    /** The kind of backend. */
    public readonly type: RouteIntegrationType,
    /** The factory's arguments. */
    public readonly config: {
      readonly fn?: IFunction;
      readonly entry?: string;
      readonly entryOptions?: EntryIntegrationOptions;
      readonly mock?: MockIntegrationOptions;
      readonly url?: string;
      readonly httpProxy?: HttpProxyIntegrationOptions;
    },
  ) {}
}
