/**
 * A small read-through cache with a time-to-live, for lookups on the hot path. Concurrent misses for one key
 * share a single load. `ttlMs` bounds how stale an entry can be when another instance changed the source.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const promise = load(key)
      .then((value) => {
        // A delete() during the load means the source changed: do not cache what may be the old value.
        if (this.loading.get(key) === promise) this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
      });
    this.loading.set(key, promise);
    return promise;
  }

  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  private set(key: K, value: V): void {
    if (this.entries.size >= this.maxEntries) {
      // Drop the oldest insertion; good enough to bound memory under token-guessing traffic.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }
}
