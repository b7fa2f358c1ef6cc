import { performance } from 'node:perf_hooks';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicTask } from '../../common/concurrency/periodic-task.js';
import { Semaphore } from '../../common/concurrency/semaphore.js';
import { SessionLoops } from '../../common/concurrency/session-loops.js';
import { APP_VERSION } from '../../common/http/openapi.js';
import { InstanceId } from '../../common/instance-id.js';
import { toStorableText } from '../../common/validation/storable-json.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SessionKey } from '../pipeline/session-key.js';
import { DeliveryTargetSource, type DeliveryTarget } from './delivery-target.js';
import type { OutboundResponse } from './http/outbound-http.client.js';
import { WebhookPoster } from './http/webhook-poster.js';
import { OutboxRepository, type AttemptOutcome, type ClaimedDelivery } from './outbox.repository.js';
import { isSuccessStatus, RetryPolicy } from './retry-policy.js';
import { webhookHeaders } from './signer.js';

const SHUTDOWN_GRACE_MS = 7_000;
/** Outputs of one session claimed together and sent one after another: one claim statement per run, not per output. */
const RUN_LENGTH = 20;
const USER_AGENT = `hookflow/${APP_VERSION}`;

/**
 * Delivers outputs: each session is drained in order by one loop (here, or on whichever instance claims its
 * head), each endpoint has its own concurrency cap, and a poller picks up retries that came due and work that
 * a dead instance left behind.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly loops = new SessionLoops(
    (key) => this.drain(key),
    (key, error) => this.logger.error(`delivery loop failed for endpoint ${key.endpointId}: ${describe(error)}`),
  );
  private readonly poller: PeriodicTask;
  private readonly endpointSlots = new Map<string, Semaphore>();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly targets: DeliveryTargetSource,
    private readonly http: WebhookPoster,
    private readonly instance: InstanceId,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.poller = new PeriodicTask(
      config.sweepIntervalMs,
      async () => {
        for (const key of await this.outbox.dueSessions(200)) this.kick(key);
      },
      (error) => this.logger.warn(`could not look for due deliveries: ${describe(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.metrics.setOutboxDepthSource(() => this.outbox.pendingCountByEndpoint());
    this.poller.start();
  }

  /** New outputs were committed for this session: deliver them now (the fast path). */
  kick(key: SessionKey): void {
    this.loops.kick(key);
  }

  private async drain(key: SessionKey): Promise<void> {
    while (!this.loops.isStopped) {
      const target = await this.targets.get(key.endpointId);
      if (!target) return;
      // The lease outlives the request's own timeout by the pipeline lease, so only a dead owner loses it.
      const leaseMs = target.timeoutMs + this.config.leaseMs;
      const claimedAt = performance.now();
      const run = await this.outbox.claimRun(key, this.instance.value, leaseMs, RUN_LENGTH);
      if (run.length === 0) return;
      if (!(await this.sendRun(run, claimedAt))) return;
    }
  }

  /**
   * Sends a claimed run in order, each output only once the one before it was delivered (or dead-lettered). Stops
   * at the first output that waits for a retry and hands the unsent rest back. Also stops while our leases are still
   * comfortably valid (an output must never be sent after its lease could have passed to another instance), and
   * when shutting down. Returns whether to go on with the session: the whole run was delivered, or it was cut
   * short only to renew the leases.
   */
  private async sendRun(run: ClaimedDelivery[], claimedAt: number): Promise<boolean> {
    let attempted = 0;
    try {
      for (const delivery of run) {
        const target = await this.targets.get(delivery.endpointId);
        if (!target) return false;
        const sent = await this.send(delivery, target, claimedAt);
        if (!sent) return !this.loops.isStopped;
        attempted += 1;
        // Recorded outside the endpoint slot: the slot bounds requests to the receiver, not our own bookkeeping.
        // Dead-lettered: the next output is the head now, and already ours. To be retried: it holds the session up.
        if ((await this.record(delivery, target, sent.startedAt, sent.response)) === 'retry') return false;
      }
      return true;
    } finally {
      // An attempted output's lease is cleared by its record; the ones never attempted go back now.
      if (attempted < run.length) {
        await this.outbox.releaseLeases(run.slice(attempted), this.instance.value).catch((error: unknown) => {
          this.logger.warn(`could not hand back delivery leases (they expire on their own): ${describe(error)}`);
        });
      }
    }
  }

  /** Holds one of the endpoint's slots while the receiver is being asked. Null: not sent (stopping, or lease too old). */
  private async send(
    delivery: ClaimedDelivery,
    target: DeliveryTarget,
    claimedAt: number,
  ): Promise<{ startedAt: Date; response: OutboundResponse } | null> {
    const slots = this.slotsFor(delivery.endpointId, target.maxConcurrency);
    await slots.acquire();
    try {
      // Leases run for timeoutMs + leaseMs from the claim: start a request only if it ends well inside that.
      const leaseUsedMs = performance.now() - claimedAt;
      if (this.loops.isStopped || leaseUsedMs > this.config.leaseMs / 2) return null;
      const startedAt = new Date();
      const response = await this.http.post({
        url: target.webhookUrl,
        headers: this.headers(delivery, target),
        body: delivery.body,
        timeoutMs: target.timeoutMs,
      });
      return { startedAt, response };
    } finally {
      slots.release();
    }
  }

  private headers(delivery: ClaimedDelivery, target: DeliveryTarget): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(target.signingSecret, delivery.id, delivery.body),
    };
    if (target.basicAuth) {
      const credentials = `${target.basicAuth.user}:${target.basicAuth.password}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    return headers;
  }

  private async record(
    delivery: ClaimedDelivery,
    target: DeliveryTarget,
    startedAt: Date,
    response: OutboundResponse,
  ): Promise<AttemptOutcome['status']> {
    const attempt = delivery.attemptCount + 1;
    const delivered = response.ok && isSuccessStatus(response.statusCode);
    const outcome: AttemptOutcome = delivered
      ? { status: 'delivered' }
      : toOutcome(
          new RetryPolicy(target.retryScheduleSeconds).decide({
            attempt: attempt - delivery.roundStart,
            statusCode: response.ok ? response.statusCode : undefined,
            retryAfterMs: response.ok ? response.retryAfterMs : undefined,
          }),
        );
    await this.outbox.finishAttempt(
      delivery.id,
      this.instance.value,
      {
        attempt,
        startedAt,
        durationMs: response.durationMs,
        statusCode: response.ok ? response.statusCode : null,
        error: response.ok
          ? delivered
            ? null
            : `HTTP ${response.statusCode}`
          : toStorableText(`${response.code}: ${response.error}`),
        // A receiver may answer with any bytes; NUL cannot be stored in a text column.
        responseBody: response.ok ? toStorableText(response.bodyText) : null,
      },
      outcome,
    );
    this.metrics.observeDeliveryAttempt(delivery.endpointId, outcome.status, response.durationMs / 1000);
    return outcome.status;
  }

  private slotsFor(endpointId: string, limit: number): Semaphore {
    let slots = this.endpointSlots.get(endpointId);
    if (!slots) {
      slots = new Semaphore(limit);
      this.endpointSlots.set(endpointId, slots);
    }
    slots.limit = limit;
    return slots;
  }

  /** Finish what is in flight (bounded), then hand leases back so other instances continue at once. */
  async beforeApplicationShutdown(): Promise<void> {
    this.poller.stop();
    await this.loops.stop(SHUTDOWN_GRACE_MS);
    await this.outbox.releaseAll(this.instance.value).catch((error: unknown) => {
      this.logger.warn(`could not release delivery leases: ${describe(error)}`);
    });
  }
}

function toOutcome(decision: ReturnType<RetryPolicy['decide']>): AttemptOutcome {
  return decision.kind === 'retry'
    ? { status: 'retry', delayMs: decision.delayMs }
    : { status: 'dead', reason: decision.reason };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
