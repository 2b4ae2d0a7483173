/**
 * A bounded worker pool: runs `work` over every item of a (possibly asynchronous, paginated)
 * source with at most `concurrency` calls in flight. Workers pull items as they finish, so one slow
 * item delays only its own worker, and items flow while later pages are still being read.
 */

/**
 * Calls `work(item)` for every item of `source`, at most `concurrency` at a time, and resolves
 * when all calls have settled. A call that throws does not stop the others; after all have settled
 * the pool rejects with the first such error (give `work` its own error handling to avoid that).
 * Reading `source` failing stops the pool from taking new items and rejects after in-flight calls.
 */
export async function forEachConcurrently<T>(
  source: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  }
  const iterator = toAsyncIterator(source);
  let sourceDone = false;
  const errors: unknown[] = [];

  // Async iterators queue concurrent next() calls, so the workers can share one.
  const worker = async (): Promise<void> => {
    while (!sourceDone) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (err) {
        sourceDone = true;
        errors.push(err);
        return;
      }
      if (next.done) {
        sourceDone = true;
        return;
      }
      try {
        await work(next.value);
      } catch (err) {
        errors.push(err);
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  if (errors.length > 0) {
    throw errors[0];
  }
}

function toAsyncIterator<T>(source: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) {
    return source[Symbol.asyncIterator]();
  }
  const syncIterator = source[Symbol.iterator]();
  return {
    next: async () => syncIterator.next(),
  };
}
