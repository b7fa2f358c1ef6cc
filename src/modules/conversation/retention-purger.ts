import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EndpointConfigService } from '../endpoint-config/endpoint-config.service.js';
import { PURGE_TARGETS, RetentionRepository, type PurgeTarget } from './retention.repository.js';

const INTERVAL_MS = 10 * 60 * 1000;
/** ±20 %: instances started together drift apart instead of purging in lockstep. */
const JITTER = 0.2;
const BATCH_SIZE = 1000;
/** Per table and endpoint per run: a backlog is worked off over several runs, never in one long burst. */
const MAX_BATCHES = 50;
const ENDPOINT_PAGE = 200;
const DAY_MS = 24 * 3600 * 1000;
const SHUTDOWN_GRACE_MS = 3_000;

export type PurgeCounts = Record<PurgeTarget, number>;

/**
 * Deletes what is older than each endpoint's `dataProtection.retentionDays`: transcripts, analytics events,
 * finished deliveries with their attempts, processed inbox rows. Runs on every instance on a jittered timer;
 * concurrent runs are safe (see RetentionRepository), so no leader is needed.
 */
@Injectable()
export class RetentionPurger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeCounts> | null = null;
  private stopping = false;

  constructor(
    private readonly endpoints: EndpointConfigService,
    private readonly retention: RetentionRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /** One full pass over all endpoints; `now` fixes the clock (tests). A call during a run joins that run. */
  runOnce(now: Date = new Date()): Promise<PurgeCounts> {
    this.running ??= this.purgeAll(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopping) return;
    const delay = INTERVAL_MS * (1 - JITTER + Math.random() * 2 * JITTER);
    this.timer = setTimeout(() => {
      this.runOnce()
        .then((counts) => {
          const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
          if (total > 0) this.logger.log(`purged ${JSON.stringify(counts)}`);
        })
        .catch((error: unknown) =>
          this.logger.warn(`retention purge failed: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async purgeAll(now: Date): Promise<PurgeCounts> {
    const counts: PurgeCounts = { transcripts: 0, analytics: 0, deliveries: 0, inbox: 0 };
    let cursor: string | undefined;
    do {
      const page = await this.endpoints.list(ENDPOINT_PAGE, cursor);
      for (const endpoint of page.items) {
        if (this.stopping) return counts;
        const cutoff = new Date(now.getTime() - endpoint.dataProtection.retentionDays * DAY_MS);
        for (const target of Object.keys(PURGE_TARGETS) as PurgeTarget[]) {
          counts[target] += await this.purgeTarget(target, endpoint.id, cutoff);
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && !this.stopping);
    return counts;
  }

  private async purgeTarget(target: PurgeTarget, endpointId: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.stopping; batch++) {
      const deleted = await this.retention.purgeBatch(target, endpointId, cutoff, BATCH_SIZE);
      total += deleted;
      if (deleted < BATCH_SIZE) break;
    }
    return total;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.running) {
      await Promise.race([
        this.running.catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
      ]);
    }
  }
}
