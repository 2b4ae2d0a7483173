import type { IConstruct } from 'constructs';

/**
 * The error this library throws for bad input, at synth time.
 *
 * Every error carries a stable `errorId` (safe to match on in tests and tooling; the message text
 * may improve between releases) and the path of the construct that rejected the input. Messages
 * name the prop and echo the bad value, in the style of aws-cdk's own validation errors.
 *
 * TypeScript only: jsii cannot model a subclass of JavaScript's `Error`, so other languages see the
 * error as the JavaScript exception it is (its message starts with the `errorId`).
 *
 * @jsii ignore
 */
export class ApiPatternsError extends Error {
  /** Stable identifier of this kind of error, e.g. `StageNameInvalid`. */
  public readonly errorId: string;

  /** Construct path of the scope that raised the error, when one was given. */
  public readonly constructPath?: string;

  constructor(errorId: string, message: string, scope?: IConstruct) {
    const where = scope ? ` [at ${scope.node.path || '<root>'}]` : '';
    super(`${errorId}: ${message}${where}`);
    this.name = 'ApiPatternsError';
    this.errorId = errorId;
    this.constructPath = scope?.node.path;
  }
}

/** Renders a user value for an error message: strings quoted, everything else JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
