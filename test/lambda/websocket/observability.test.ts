import type * as Observability from '../../../lambda/websocket/lib/observability';

describe('the Powertools Tracer of the WebSocket handlers', () => {
  afterEach(() => {
    jest.dontMock('@aws-lambda-powertools/tracer');
    jest.resetModules();
    delete process.env.POWERTOOLS_TRACE_ENABLED;
  });

  /** Loads observability.ts afresh with a Tracer module that records whether it was loaded. */
  function observabilityWithTracerSpy(): { module: typeof Observability; loaded: () => boolean } {
    let loaded = false;
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      loaded = true;
      return { Tracer: class FakeTracer {} };
    });
    let module!: typeof Observability;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      module = require('../../../lambda/websocket/lib/observability');
    });
    return { module, loaded: () => loaded };
  }

  test.each(['false', 'FALSE', '0'])('GIVEN POWERTOOLS_TRACE_ENABLED=%s WHEN a handler asks for the tracer THEN there is none and the module is never loaded', async (value) => {
    process.env.POWERTOOLS_TRACE_ENABLED = value;
    const { module, loaded } = observabilityWithTracerSpy();

    await expect(module.handlerTracer()).resolves.toBeUndefined();
    expect(loaded()).toBe(false);
  });

  test.each([undefined, 'true'])('GIVEN POWERTOOLS_TRACE_ENABLED=%s WHEN handlers ask for the tracer THEN it is loaded on first use and shared', async (value) => {
    if (value !== undefined) process.env.POWERTOOLS_TRACE_ENABLED = value;
    const { module, loaded } = observabilityWithTracerSpy();
    expect(loaded()).toBe(false);

    const [first, second] = await Promise.all([module.handlerTracer(), module.handlerTracer()]);
    expect(loaded()).toBe(true);
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });
});
