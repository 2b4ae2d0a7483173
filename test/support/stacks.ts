import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { ApiPatternsError } from '../../lib';

/** A fresh App and Stack in a fixed environment-agnostic shape, for construct tests. */
export function newStack(id = 'TestStack'): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, id);
  return { app, stack };
}

/** A small inline function to put behind routes. */
export function inlineFunction(stack: Stack, id = 'Backend'): LambdaFunction {
  return new LambdaFunction(stack, id, {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });'),
  });
}

/** Path of the fixture entry file used by RouteIntegration.entry tests. */
export const ECHO_ENTRY = path.join(__dirname, '..', 'fixtures', 'echo-handler.ts');

/** Runs `fn`, expects an ApiPatternsError, and returns it so its id and message can be checked. */
export function expectApiError(fn: () => unknown): ApiPatternsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiPatternsError);
    return e as ApiPatternsError;
  }
  throw new Error('expected an ApiPatternsError, but nothing was thrown');
}

/** The template of a stack. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}
