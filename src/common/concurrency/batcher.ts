/**
 * Group commit: callers hand in items and await the flush that carries theirs. While one flush runs, new items
 * gather for the next, so under load many requests share one round trip (and one fsync), and an idle system
 * still flushes a lone item at once. `flush` returns one result per item, in order.
 */
export class Batcher<T, R = void> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((entry) => entry.item));
          batch.forEach((entry, index) => entry.resolve(results[index]));
        } catch (error) {
          if (batch.length === 1) batch[0].reject(error);
          // One bad item (a value the database refuses) must not fail the others: retry each alone.
          else for (const entry of batch) await this.flushAlone(entry);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async flushAlone(entry: {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }): Promise<void> {
    try {
      const [result] = await this.flush([entry.item]);
      entry.resolve(result);
    } catch (error) {
      entry.reject(error);
    }
  }
}
