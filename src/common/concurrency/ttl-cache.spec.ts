import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('shares one load among concurrent misses and serves hits until the TTL passes', async () => {
    const cache = new TtlCache<string, number>(50);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    expect(await cache.get('a', load)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache.get('a', load)).toBe(2);
  });

  it('does not cache a value whose load was invalidated midway', async () => {
    const cache = new TtlCache<string, string>(10_000);
    let finish: (value: string) => void = () => {};
    const pending = cache.get('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.delete('k');
    finish('old');
    expect(await pending).toBe('old');
    expect(await cache.get('k', () => Promise.resolve('new'))).toBe('new');
  });
});
