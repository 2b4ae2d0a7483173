import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

/** The longest a validation plugin waits for work it runs in the background. */
const TIMEOUT_MS = 10 * 60_000;

/**
 * Work a validation plugin runs in a worker thread while synthesis goes on, and collects later,
 * synchronously (validation plugins cannot be asynchronous). The worker's code gets `input` as
 * `workerData.input`, and ends by calling `workerData.answer(result)` — set up by the wrapper below —
 * or throwing.
 */
export class BackgroundWork<T> {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private result?: T;

  /** Starts `source` (CommonJS code that computes `result` from `input`) in a worker thread. */
  constructor(
    private readonly what: string,
    source: string,
    input: unknown,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(wrap(source), { eval: true, workerData: { input, port: port2, done: this.done }, transferList: [port2] });
    // An app that fails before validation ends must still exit.
    this.worker.unref();
  }

  /** Waits for the worker's result (sleeping on a shared counter, so other threads keep the CPUs). */
  public join(): T {
    if (this.result !== undefined) return this.result;
    const deadline = Date.now() + TIMEOUT_MS;
    while (Atomics.load(this.done, 0) === 0) {
      if (Date.now() > deadline) throw new Error(`${this.what} did not finish within ${TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.done, 0, 0, 1000);
    }
    const received = receiveMessageOnPort(this.port)?.message as { result?: T; error?: string } | undefined;
    this.port.close();
    void this.worker.terminate();
    if (received?.result === undefined) throw new Error(`${this.what} failed: ${received?.error ?? 'no answer'}`);
    this.result = received.result;
    return this.result;
  }
}

/** The worker's code, with its answer posted back and the waiting thread woken, whatever happens. */
function wrap(source: string): string {
  return `
const { workerData } = require('node:worker_threads');
const { input, port, done } = workerData;
let message;
try {
  const result = (function (input) {
${source}
  })(input);
  message = { result };
} catch (e) {
  message = { error: String((e && e.stack) || e) };
}
port.postMessage(message);
port.close();
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
`;
}
