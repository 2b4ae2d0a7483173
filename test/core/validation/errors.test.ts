import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApiPatternsError } from '../../../lib';
import { describeValue } from '../../../lib/core/validation/errors';

describe('ApiPatternsError', () => {
  test('carries the errorId, a prefixed message and the scope path', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const scope = new Construct(stack, 'Api');

    // WHEN
    const error = new ApiPatternsError('StageNameInvalid', 'profile.stageName is bad. Got: "a b"', scope);

    // THEN
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ApiPatternsError);
    expect(error.name).toBe('ApiPatternsError');
    expect(error.errorId).toBe('StageNameInvalid');
    expect(error.constructPath).toBe('Stack/Api');
    expect(error.message).toBe('StageNameInvalid: profile.stageName is bad. Got: "a b" [at Stack/Api]');
  });

  test('without a scope, has no path and no location suffix', () => {
    // WHEN
    const error = new ApiPatternsError('HandlerAssetMissing', 'missing');

    // THEN
    expect(error.constructPath).toBeUndefined();
    expect(error.message).toBe('HandlerAssetMissing: missing');
  });

  test('names the root as <root> when the scope is the App', () => {
    // WHEN
    const error = new ApiPatternsError('X', 'at the root', new App());

    // THEN
    expect(error.constructPath).toBe('');
    expect(error.message).toBe('X: at the root [at <root>]');
  });

  test('can be thrown and caught with its errorId', () => {
    expect(() => {
      throw new ApiPatternsError('RouteKeyInvalid', 'routes[0] bad');
    }).toThrow(/^RouteKeyInvalid: routes\[0\] bad$/);
  });
});

describe('describeValue', () => {
  test.each([
    ['a string, quoted', 'api', '"api"'],
    ['a string with quotes, escaped', 'a"b', '"a\\"b"'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['NaN (JSON would say null)', NaN, 'null'],
    ['a boolean', true, 'true'],
    ['an array', ['*', 'https://a.example'], '["*","https://a.example"]'],
    ['an object', { rateLimit: -1 }, '{"rateLimit":-1}'],
  ])('renders %s', (_label, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  test('falls back to String() for values JSON cannot render', () => {
    // GIVEN
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    // THEN
    expect(describeValue(circular)).toBe('[object Object]');
    expect(describeValue(BigInt(7))).toBe('7');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
  });
});
