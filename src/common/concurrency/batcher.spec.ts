import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';
import { Semaphore } from './semaphore.js';

describe('Batcher', () => {
  it('flushes a lone item at once and groups items that arrive during a flush', async () => {
    const flushed: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await gate;
      return items.map((item) => item * 10);
    });
    const first = batcher.add(1);
    const rest = [batcher.add(2), batcher.add(3), batcher.add(4)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(flushed).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the bad item of a batch that the database refused', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(async (items) => {
      if (items.includes(0)) await gate;
      if (items.includes(13)) throw new Error('invalid byte sequence');
      return items;
    });
    const first = batcher.add(0);
    const rest = [batcher.add(1), batcher.add(13), batcher.add(2)];
    release();
    await first;
    await expect(Promise.allSettled(rest)).resolves.toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('invalid byte sequence') },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  it('rejects every caller of a failed flush, and keeps working', async () => {
    let fail = true;
    const batcher = new Batcher<number>(() => (fail ? Promise.reject(new Error('db down')) : Promise.resolve([])));
    await expect(batcher.add(1)).rejects.toThrow('db down');
    fail = false;
    await expect(batcher.add(2)).resolves.toBeUndefined();
  });
});

describe('Semaphore', () => {
  it('never lets more than the limit through and honours a lowered limit', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      await semaphore.acquire();
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      semaphore.release();
    };
    await Promise.all(Array.from({ length: 10 }, task));
    expect(peak).toBe(2);
    semaphore.limit = 1;
    peak = 0;
    await Promise.all(Array.from({ length: 5 }, task));
    expect(peak).toBe(1);
    expect(semaphore.active).toBe(0);
  });
});
