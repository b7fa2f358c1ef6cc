import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Semaphore } from '../../common/concurrency/semaphore.js';
import { APP_VERSION } from '../../common/http/openapi.js';
import { InstanceId } from '../../common/instance-id.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { sessionKeyString, type SessionKey } from '../pipeline/session-key.js';
import { DeliveryTargetSource, type DeliveryTarget } from './delivery-target.js';
import { OutboundHttpClient } from './http/outbound-http.client.js';
import { OutboxRepository, type AttemptOutcome, type ClaimedDelivery } from './outbox.repository.js';
import { isSuccessStatus, RetryPolicy } from './retry-policy.js';
import { webhookHeaders } from './signer.js';

const SHUTDOWN_GRACE_MS = 7_000;
const USER_AGENT = `hookflow/${APP_VERSION}`;

/**
 * Delivers outputs: each session is drained in order by one loop (here, or on whichever instance claims its
 * head), each endpoint has its own concurrency cap, and a poller picks up retries that came due and work that
 * a dead instance left behind.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly draining = new Map<string, Promise<void>>();
  private readonly kickedWhileDraining = new Set<string>();
  private readonly endpointSlots = new Map<string, Semaphore>();
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private stopping = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly targets: DeliveryTargetSource,
    private readonly http: OutboundHttpClient,
    private readonly instance: InstanceId,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.poller = setInterval(() => void this.poll(), this.config.sweepIntervalMs);
  }

  /** New outputs were committed for this session: deliver them now (the fast path). */
  kick(key: SessionKey): void {
    if (this.stopping) return;
    const id = sessionKeyString(key);
    if (this.draining.has(id)) {
      this.kickedWhileDraining.add(id);
      return;
    }
    const run = this.drain(key)
      .catch((error: unknown) =>
        this.logger.error(`delivery loop failed for endpoint ${key.endpointId}: ${describe(error)}`),
      )
      .finally(() => {
        this.draining.delete(id);
        if (this.kickedWhileDraining.delete(id)) this.kick(key);
      });
    this.draining.set(id, run);
  }

  private async drain(key: SessionKey): Promise<void> {
    while (!this.stopping) {
      const target = await this.targets.get(key.endpointId);
      if (!target) return;
      const slots = this.slotsFor(key.endpointId, target.maxConcurrency);
      // Take the endpoint slot before claiming, so a lease never ticks away while waiting for a slot.
      await slots.acquire();
      try {
        // The lease outlives the request's own timeout by the pipeline lease, so only a dead owner loses it.
        const claimed = await this.outbox.claimHead(key, this.instance.value, target.timeoutMs + this.config.leaseMs);
        if (!claimed) return;
        await this.attempt(claimed, target);
      } finally {
        slots.release();
      }
    }
  }

  private async attempt(delivery: ClaimedDelivery, target: DeliveryTarget): Promise<void> {
    const attempt = delivery.attemptCount + 1;
    const startedAt = new Date();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(target.signingSecret, delivery.id, delivery.body),
    };
    if (target.basicAuth) {
      headers.authorization = `Basic ${Buffer.from(`${target.basicAuth.user}:${target.basicAuth.password}`).toString('base64')}`;
    }
    const response = await this.http.post({
      url: target.webhookUrl,
      headers,
      body: delivery.body,
      timeoutMs: target.timeoutMs,
    });
    const delivered = response.ok && isSuccessStatus(response.statusCode);
    const outcome: AttemptOutcome = delivered
      ? { status: 'delivered' }
      : toOutcome(
          new RetryPolicy([...target.retryScheduleSeconds]).decide({
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
        error: response.ok ? (delivered ? null : `HTTP ${response.statusCode}`) : `${response.code}: ${response.error}`,
        responseBody: response.ok ? response.bodyText : null,
      },
      outcome,
    );
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

  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    this.polling = true;
    try {
      for (const key of await this.outbox.dueSessions(200)) this.kick(key);
    } catch (error) {
      this.logger.warn(`could not look for due deliveries: ${describe(error)}`);
    } finally {
      this.polling = false;
    }
  }

  /** Finish what is in flight (bounded), then hand leases back so other instances continue at once. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.poller);
    await Promise.race([Promise.allSettled(this.draining.values()), sleep(SHUTDOWN_GRACE_MS)]);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
