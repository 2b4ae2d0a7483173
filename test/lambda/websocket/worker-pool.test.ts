import { setTimeout as sleep } from 'node:timers/promises';
import { forEachConcurrently } from '../../../lambda/websocket/lib/worker-pool';

describe('forEachConcurrently', () => {
  async function* paged(pages: number, perPage: number): AsyncGenerator<number> {
    for (let page = 0; page < pages; page += 1) {
      await sleep(2);
      for (let i = 0; i < perPage; i += 1) yield page * perPage + i;
    }
  }

  test('processes every item of an async source with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently(paged(5, 20), 7, async (item) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(item % 3);
      seen.push(item);
      inFlight -= 1;
    });
    expect(peak).toBe(7);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test('takes plain iterables and fewer items than workers', async () => {
    const seen: string[] = [];
    await forEachConcurrently(['a', 'b'], 10, async (item) => {
      seen.push(item);
    });
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  test('a failing item does not stop the others; the pool rejects afterwards with that error', async () => {
    const seen: number[] = [];
    const run = forEachConcurrently([1, 2, 3, 4, 5], 2, async (item) => {
      if (item === 2) throw new Error('boom');
      await sleep(1);
      seen.push(item);
    });
    await expect(run).rejects.toThrow('boom');
    expect(seen.sort()).toEqual([1, 3, 4, 5]);
  });

  test('rejects when the source fails, after the items in flight', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page failed');
    }
    const seen: number[] = [];
    await expect(
      forEachConcurrently(failing(), 3, async (item) => {
        seen.push(item);
      }),
    ).rejects.toThrow('page failed');
    expect(seen).toEqual([1]);
  });

  test('rejects a concurrency that is not a positive integer', async () => {
    await expect(forEachConcurrently([1], 0, async () => undefined)).rejects.toThrow(RangeError);
  });
});
