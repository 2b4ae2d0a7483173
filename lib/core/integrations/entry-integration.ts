import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ApiFunctionOptions, EntryBundlingOptions } from '../functions/api-function';
import { lambdaProxyHttp, lambdaProxyRest } from './function-integration';
import { Integration } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';

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

/**
 * Lambda proxy integration with a function bundled from a TypeScript or JavaScript entry file
 * (REST and HTTP). The API creates one function per entry path, however many routes use it.
 */
export class EntryIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.entry';

  /**
   * @param entry path of the entry file
   * @param options function and bundling options of the entry's function
   */
  constructor(
    public readonly entry: string,
    public readonly options: EntryIntegrationOptions = {},
  ) {
    super();
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    return `function ${this.functionFor(binding).node.addr}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    return lambdaProxyRest(binding, this.functionFor(binding));
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    return lambdaProxyHttp(binding.integrationId, this.functionFor(binding));
  }

  private functionFor(binding: RouteBinding): IFunction {
    return binding.entryFunction(this.entry, this.options);
  }
}
