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
import { sessionKeyString, type SessionKey } from '../pipeline/session-key.js';
import { DeliveryTargetSource, type DeliveryTarget } from './delivery-target.js';
import type { OutboundResponse } from './http/outbound-http.client.js';
import { WebhookPoster } from './http/webhook-poster.js';
import {
  OutboxRepository,
  type AttemptOutcome,
  type ClaimedDelivery,
  type EarlierOutputs,
  type NewOutboxRow,
} from './outbox.repository.js';
import { isSuccessStatus, RetryPolicy } from './retry-policy.js';
import { webhookHeaders } from './signer.js';

const SHUTDOWN_GRACE_MS = 7_000;
/** Outputs of one session claimed together and sent one after another: one claim statement per run, not per output. */
const RUN_LENGTH = 20;
const USER_AGENT = `hookflow/${APP_VERSION}`;
/** How long a lane outlives its session's loop (a commit in flight when the loop ended still finds it). */
const IDLE_LANE_MS = 10_000;

/** An output this instance holds leased, and since when (`performance.now()`). */
interface HeldDelivery extends ClaimedDelivery {
  leasedAt: number;
}

/**
 * A session's outputs that this instance holds leased and its loop has not taken yet, in sequence order, and the
 * sequence that may join them: once everything before it is sent, that output is the session's head.
 */
interface Lane {
  held: HeldDelivery[];
  nextSequence: number;
  /** When the session's loop last ended with nothing held (`performance.now()`); null while in use. */
  idleSince: number | null;
}

/**
 * Delivers outputs: each session is drained in order by one loop (here, or on whichever instance claims its
 * head), each endpoint has its own concurrency cap, and a poller picks up retries that came due and work that
 * a dead instance left behind. Outputs committed here arrive leased to this instance (`handOff`) and are usually
 * sent without a claim.
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
  private readonly lanes = new Map<string, Lane>();

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
        this.pruneIdleLanes();
        for (const key of await this.outbox.dueSessions(200)) this.kick(key);
      },
      (error) => this.logger.warn(`could not look for due deliveries: ${describe(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.metrics.setOutboxDepthSource(() => this.outbox.pendingCountByEndpoint());
    this.poller.start();
  }

  /** The session may have outputs to deliver: claim and send them. */
  kick(key: SessionKey): void {
    this.loops.kick(key);
  }

  /**
   * How long a delivery lease lasts: the request's own timeout plus the pipeline lease, so only a dead owner
   * loses it.
   */
  leaseMsFor(timeoutMs: number): number {
    return timeoutMs + this.config.leaseMs;
  }

  /**
   * Outputs this instance just committed, leased to it by their commit since `leasedAt` (for `leaseMsFor` the
   * endpoint's timeout), and where the session's earlier outputs were at the commit. They are sent without a claim
   * when they are the session's head ('none') or follow right on the outputs this instance holds or has just sent
   * ('here', and the lane's next sequence is theirs: were one of those to be retried, its run hands these back).
   * Otherwise earlier outputs wait elsewhere (a retry, or another instance's): their leases go back, and the
   * session's loop claims from its head.
   */
  handOff(key: SessionKey, outputs: readonly NewOutboxRow[], leasedAt: number, earlier: EarlierOutputs): void {
    if (outputs.length === 0) return;
    const id = sessionKeyString(key);
    const first = outputs[0].sequence;
    let lane = this.lanes.get(id);
    if (earlier === 'none' && (!lane || lane.held.length === 0)) {
      lane = { held: [], nextSequence: first, idleSince: null };
      this.lanes.set(id, lane);
    }
    if (earlier === 'elsewhere' || lane?.nextSequence !== first) {
      void this.handBack(outputs).finally(() => this.kick(key));
      return;
    }
    for (const output of outputs) lane.held.push(toHeld(output, leasedAt));
    lane.nextSequence = outputs[outputs.length - 1].sequence + 1;
    lane.idleSince = null;
    this.kick(key);
  }

  private async drain(key: SessionKey): Promise<void> {
    const id = sessionKeyString(key);
    let claimNext = true;
    try {
      while (!this.loops.isStopped) {
        const target = await this.targets.get(key.endpointId);
        if (!target) {
          this.lanes.delete(id); // deleted with its outputs
          return;
        }
        const held = this.takeHeld(id);
        const run = held ?? (claimNext ? await this.claimRun(key, id, target) : []);
        if (run.length === 0) return;
        const outcome = await this.sendRun(id, run);
        if (outcome === 'stop') return;
        // After held outputs went out whole, everything before the lane's next sequence is delivered, and what
        // follows is handed off as it is committed: nothing to claim. A claimed run may have left more behind it.
        claimNext = outcome === 'renew' || held === null;
      }
    } finally {
      // Kept a while: the next commit of the session may have been made before the last outputs were recorded.
      const lane = this.lanes.get(id);
      if (lane?.held.length === 0) lane.idleSince = performance.now();
    }
  }

  /** Lanes whose loop ended a while ago: any commit made before that loop's last record has been handed off. */
  private pruneIdleLanes(): void {
    const cutoff = performance.now() - IDLE_LANE_MS;
    for (const [id, lane] of this.lanes) if (lane.idleSince !== null && lane.idleSince < cutoff) this.lanes.delete(id);
  }

  private takeHeld(id: string): HeldDelivery[] | null {
    const lane = this.lanes.get(id);
    if (!lane || lane.held.length === 0) return null;
    const run = lane.held;
    lane.held = [];
    return run;
  }

  private async claimRun(key: SessionKey, id: string, target: DeliveryTarget): Promise<HeldDelivery[]> {
    const leasedAt = performance.now();
    const run = await this.outbox.claimRun(key, this.instance.value, this.leaseMsFor(target.timeoutMs), RUN_LENGTH);
    if (run.length === 0) return [];
    // Outputs handed off meanwhile are not in this run (they were leased) and stay held, to go after it; what is
    // handed off from now on must follow the run.
    this.lanes.set(id, {
      held: this.lanes.get(id)?.held ?? [],
      nextSequence: run[run.length - 1].sequence + 1,
      idleSince: null,
    });
    return run.map((delivery) => ({ ...delivery, leasedAt }));
  }

  /**
   * Sends a run in order, each output only once the one before it was delivered (or dead-lettered). Stops at the
   * first output that waits for a retry. Also stops when a lease is no longer comfortably valid (an output must never
   * be sent after its lease could have passed to another instance), and when shutting down. Whenever it stops
   * short, the unsent rest and whatever the session's lane holds go back, and the session goes on from its head.
   * 'sent': the whole run went out; 'renew': cut short only to renew the leases (claim again at once); 'stop': leave
   * the session (a retry holds it up, its endpoint is gone, or we are stopping).
   */
  private async sendRun(id: string, run: HeldDelivery[]): Promise<'sent' | 'renew' | 'stop'> {
    let attempted = 0;
    let complete = false;
    try {
      for (const delivery of run) {
        const target = await this.targets.get(delivery.endpointId);
        if (!target) return 'stop';
        const sent = await this.send(delivery, target);
        if (!sent) return this.loops.isStopped ? 'stop' : 'renew';
        attempted += 1;
        // Recorded outside the endpoint slot: the slot bounds requests to the receiver, not our own bookkeeping.
        // Dead-lettered: the next output is the head now, and already ours. To be retried: it holds the session up.
        if ((await this.record(delivery, target, sent.startedAt, sent.response)) === 'retry') return 'stop';
      }
      complete = true;
      return 'sent';
    } finally {
      if (!complete) {
        // An attempted output's lease is cleared by its record; the ones never attempted go back now.
        const unsent = [...run.slice(attempted), ...(this.lanes.get(id)?.held ?? [])];
        this.lanes.delete(id);
        await this.handBack(unsent);
      }
    }
  }

  /** Hands leases back unsent, so the outputs can be claimed again at once (they expire on their own otherwise). */
  private async handBack(deliveries: ReadonlyArray<{ id: string }>): Promise<void> {
    await this.outbox.releaseLeases(deliveries, this.instance.value).catch((error: unknown) => {
      this.logger.warn(`could not hand back delivery leases (they expire on their own): ${describe(error)}`);
    });
  }

  /** Holds one of the endpoint's slots while the receiver is being asked. Null: not sent (stopping, or lease too old). */
  private async send(
    delivery: HeldDelivery,
    target: DeliveryTarget,
  ): Promise<{ startedAt: Date; response: OutboundResponse } | null> {
    const slots = this.slotsFor(delivery.endpointId, target.maxConcurrency);
    await slots.acquire();
    try {
      // Leases run for timeoutMs + leaseMs: start a request only if it ends well inside that.
      const leaseUsedMs = performance.now() - delivery.leasedAt;
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

/** An output as its commit wrote it: leased to this instance, never attempted. */
function toHeld(output: NewOutboxRow, leasedAt: number): HeldDelivery {
  const { id, endpointId, userId, sessionId, sequence, body } = output;
  return { id, endpointId, userId, sessionId, sequence, body, attemptCount: 0, roundStart: 0, leasedAt };
}

function toOutcome(decision: ReturnType<RetryPolicy['decide']>): AttemptOutcome {
  return decision.kind === 'retry'
    ? { status: 'retry', delayMs: decision.delayMs }
    : { status: 'dead', reason: decision.reason };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
