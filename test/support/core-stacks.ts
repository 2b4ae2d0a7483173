import { App, Stack } from 'aws-cdk-lib';
import { ApiPatternsError } from '../../lib';

/**
 * A fresh App and environment-agnostic Stack: one per test. As in cdk.json, CloudFormation schema
 * findings fail synthesis in the suites that turn template validation on (see
 * ../support/setup-env.ts).
 */
export function newStack(id = 'TestStack'): { app: App; stack: Stack } {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, id);
  return { app, stack };
}

/** Runs `fn`, expects it to throw an ApiPatternsError, and returns that error. */
export function catchApiError(fn: () => unknown): ApiPatternsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiPatternsError) return e;
    throw new Error(`expected an ApiPatternsError, got: ${String(e)}`, { cause: e });
  }
  throw new Error('expected an ApiPatternsError, but nothing was thrown');
}

/**
 * Expects `fn` to throw an ApiPatternsError whose stable `errorId` is `errorId` and whose message
 * matches every pattern (each test passes one that names the prop and one that echoes the value).
 * Runs `fn` once, so callbacks that create constructs do not collide with themselves.
 */
export function expectApiError(fn: () => unknown, errorId: string, ...patterns: RegExp[]): ApiPatternsError {
  const error = catchApiError(fn);
  for (const pattern of patterns) {
    expect(() => {
      throw error;
    }).toThrow(pattern);
  }
  expect(error.errorId).toBe(errorId);
  expect(error.message.startsWith(`${errorId}: `)).toBe(true);
  return error;
}
