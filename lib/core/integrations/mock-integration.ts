import { Integration } from './integration';
import type { RestIntegrationConfig, RouteBinding } from './integration';

/** Options of {@link RouteIntegration.mock}. */
export interface MockIntegrationOptions {
  /**
   * Status code of the answer.
   * @default 200
   */
  readonly statusCode?: number;
  /**
   * Body of the answer, as JSON (or any text). It is used as a mapping template, so `$` and `#`
   * start Velocity expressions (`$context.requestId` is replaced; write `\$` for a literal dollar).
   * @default '{}'
   */
  readonly body?: string;
}

/** A fixed answer from API Gateway itself, e.g. a health check. REST APIs only. */
export class MockIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.mock';

  /** The options given to the factory. */
  public readonly options: MockIntegrationOptions;

  constructor(options: MockIntegrationOptions = {}) {
    super();
    this.options = options;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    const statusCode = String(this.options.statusCode ?? 200);
    const headers = binding.staticCorsHeaders;
    return {
      integration: {
        type: 'mock',
        passthroughBehavior: 'never',
        requestTemplates: { 'application/json': JSON.stringify({ statusCode: Number(statusCode) }) },
        responses: {
          default: { statusCode, responseTemplates: { 'application/json': this.options.body ?? '{}' }, ...(headers ? { responseParameters: headers } : {}) },
        },
      },
      responses: { [statusCode]: responseWithHeaders('Fixed answer', headers) },
    };
  }
}

/** An OpenAPI response object that declares the given `method.response.header.*` headers. */
export function responseWithHeaders(description: string, headers?: Record<string, string>): Record<string, unknown> {
  const names = Object.keys(headers ?? {}).map((k) => k.replace('method.response.header.', ''));
  return {
    description,
    ...(names.length > 0 ? { headers: Object.fromEntries(names.map((n) => [n, { schema: { type: 'string' } }])) } : {}),
  };
}
