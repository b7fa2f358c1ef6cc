import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { PeriodicTask } from '../../common/concurrency/periodic-task.js';
import { SessionLoops } from '../../common/concurrency/session-loops.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { InstanceId } from '../../common/instance-id.js';
import { isDatabaseUnavailable } from '../../common/filters/problem.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { ConversationTurn } from '../conversation/conversation-records.js';
import { loggable, maskLine } from '../conversation/log-masking.util.js';
import { contentFromWebhookBody } from '../conversation/output-content.util.js';
import { DeliveryWorker } from '../delivery/delivery.worker.js';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { InboxRepository, PENDING_BATCH, type PendingMessage } from './inbox.repository.js';
import { MessageCommitter } from './message-committer.js';
import { MessageProcessor, type ProcessedMessage } from './message-processor.js';
import { SessionRepository, type ClaimedSession, type SessionClaim } from './session.repository.js';
import { sessionKeyString, type SessionKey } from './session-key.js';
import { UnreadKicks } from './unread-kicks.js';

const SHUTDOWN_GRACE_MS = 7_000;
/** A kick that found the session leased elsewhere tries again after this long, before the sweeper would. */
const CONTENDED_RETRY_MS = 250;
/** How long a session's lease is kept after its last message, for the next one (capped at a quarter of the lease). */
const MAX_LINGER_MS = 1_000;
/** A loop that failed on a database error starts again after this long. */
const FAILED_RETRY_MS = 500;

class CommitRefusedError extends Error {}

/**
 * Processes each session's messages one at a time, in arrival order, on whichever instance holds the
 * session's lease; different sessions run in parallel. The accepting instance kicks the session at once
 * (fast path); a sweeper kicks sessions whose messages were left pending (an instance died, or lost a race).
 */
@Injectable()
export class SessionExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Executor');
  private readonly loops = new SessionLoops<SessionClaim>(
    (key, claimed) => this.drain(key, claimed),
    (key, error) => this.logger.error(`session loop failed on endpoint ${key.endpointId}: ${describe(error)}`),
  );
  private readonly sweeper: PeriodicTask;
  private readonly unread = new UnreadKicks();

  constructor(
    private readonly inbox: InboxRepository,
    private readonly sessions: SessionRepository,
    private readonly processor: MessageProcessor,
    private readonly endpoints: EndpointDirectory,
    private readonly delivery: DeliveryWorker,
    private readonly instance: InstanceId,
    private readonly committer: MessageCommitter,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.sweeper = new PeriodicTask(
      config.sweepIntervalMs,
      async () => {
        for (const key of await this.inbox.strandedSessions(config.sweepIntervalMs, 200)) this.kick(key);
      },
      (error) => this.logger.warn(`could not look for stranded messages: ${describe(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  /**
   * A message for this session was committed (`messageId`: which one, when known): process it now. `alone`: the
   * message, when nothing else of its session was pending as it was committed; the session's loop can then take
   * it without reading the inbox. `claimed`: the session, when the statement that committed the message claimed it
   * for us (InboxRepository.insert).
   */
  kick(key: SessionKey, messageId?: string, alone?: PendingMessage, claimed?: SessionClaim): void {
    if (!this.unread.add(sessionKeyString(key), messageId, alone)) return;
    // The claimed state is only as new as the statement that read it: a loop of this session that is running now
    // may commit after it, so only a loop this kick starts may take it. Otherwise the running loop holds the
    // lease anyway, or, when stopping, the lease is handed back.
    if (!this.loops.kick(key, claimed) && claimed && this.loops.isStopped) {
      void this.sessions.release(key, this.instance.value).catch(() => undefined);
    }
  }

  /** `claimed`: the session, claimed by the statement that committed the message this loop starts for. */
  private async drain(key: SessionKey, claimed?: SessionClaim): Promise<void> {
    const owner = this.instance.value;
    const id = sessionKeyString(key);
    const claim = claimed ?? (await this.sessions.claim(key, owner, this.config.leaseMs));
    if (!claim) {
      this.unread.forget(id);
      // Another instance holds it; it releases only when no message is pending, so it will see ours. This
      // retry only covers that instance dying right now.
      setTimeout(() => this.kick(key), CONTENDED_RETRY_MS).unref();
      return;
    }
    // The claim and every commit renew the lease for leaseMs (a claim by the inbox insert was a moment ago).
    let session = claim.session;
    let renewedAt = performance.now();
    let releaseRefused = false;
    try {
      let messages = await this.unreadMessages(key, id);
      for (;;) {
        // Refused, yet nothing pending: the lease is not ours any more (the conversation was erased, or our lease
        // expired and another instance took it). Stop instead of spinning.
        if (releaseRefused && messages.length === 0) return;
        releaseRefused = false;
        // What the last commit saw pending after its message; null: no commit told (read instead).
        let next: PendingMessage[] | null = messages.length === 0 ? [] : null;
        for (const [index, message] of messages.entries()) {
          if (this.loops.isStopped) return;
          const last = index === messages.length - 1;
          const processed = await this.processOne(key, session, claim.leaseToken, message, last);
          session = processed.session;
          next = processed.nextMessages;
          renewedAt = performance.now();
        }
        if (this.loops.isStopped) return;
        if (next === null) {
          messages = await this.readPending(key, id);
          continue;
        }
        if (next.length > 0) {
          this.unread.took(
            id,
            next.map((message) => message.id),
          );
          messages = next;
          continue;
        }
        if (await this.lingerForKick(key, id, renewedAt)) {
          messages = await this.unreadMessages(key, id);
          continue;
        }
        if (this.loops.isStopped) return;
        // Most likely nothing more is pending: try to let go, which checks that in the same statement.
        if (await this.sessions.releaseIfIdle(key, owner)) return;
        releaseRefused = true;
        messages = await this.readPending(key, id);
      }
    } catch (error) {
      if (error instanceof CommitRefusedError) {
        this.logger.warn(
          `could not commit a message on endpoint ${key.endpointId}: the session's lease was lost, or the message ` +
            `was processed elsewhere; the session's owner continues`,
        );
        // Fenced by owner: gives the lease back only if it is still ours (the message was processed elsewhere).
        await this.sessions.release(key, owner).catch(() => undefined);
        return;
      }
      // A passing database error (a deadlock, a dropped connection): hand the session back and try again soon,
      // rather than leaving it leased to us until the lease expires.
      await this.sessions.release(key, owner).catch(() => undefined);
      setTimeout(() => this.kick(key), FAILED_RETRY_MS).unref();
      throw error;
    } finally {
      this.unread.forget(id);
      if (this.loops.isStopped) await this.sessions.release(key, owner).catch(() => undefined);
    }
  }

  /** What the kicks so far are about: the message that came alone, or else what the inbox holds. */
  private async unreadMessages(key: SessionKey, id: string): Promise<PendingMessage[]> {
    const alone = this.unread.alone(id);
    if (!alone) return this.readPending(key, id);
    this.unread.took(id, [alone.id]);
    return [alone];
  }

  /** The session's pending messages from the inbox, which answers every kick so far. */
  private async readPending(key: SessionKey, id: string): Promise<PendingMessage[]> {
    this.unread.reading(id);
    const messages = await this.inbox.pendingForSession(key, PENDING_BATCH);
    this.unread.took(
      id,
      messages.map((message) => message.id),
    );
    return messages;
  }

  /**
   * Keeps the lease a moment for the session's next message (true when a kick may bring one we do not hold): a
   * conversation's next message tends to follow soon, and then costs neither a claim nor a release. A message
   * accepted by another instance meanwhile waits at most this long (its kick there finds the session leased; our
   * release sees the message and goes on with it). Never lingers close to the lease's end.
   */
  private async lingerForKick(key: SessionKey, id: string, renewedAt: number): Promise<boolean> {
    const linger = Math.min(MAX_LINGER_MS, this.config.leaseMs / 4);
    const until = performance.now() + linger;
    if (until - renewedAt >= this.config.leaseMs / 2) return this.unread.hasUnread(id);
    for (;;) {
      if (this.unread.hasUnread(id)) return true;
      const left = until - performance.now();
      if (left <= 0 || !(await this.loops.nextKick(key, left))) return this.unread.hasUnread(id);
    }
  }

  private async processOne(
    key: SessionKey,
    session: ClaimedSession,
    leaseToken: string,
    message: PendingMessage,
    readNext: boolean,
  ): Promise<{ session: ClaimedSession; nextMessages: PendingMessage[] | null }> {
    const endpoint = await this.endpoints.byId(key.endpointId);
    if (!endpoint) return { session, nextMessages: null }; // deleted: its rows are going away with it
    const started = performance.now();
    this.logInput(endpoint, key, message);
    let processed: ProcessedMessage | null = null;
    let failure: string | null = null;
    try {
      processed = await this.processor.process(endpoint, key, session, message);
    } catch (error) {
      // A database or sandbox outage is retried (the message stays pending); anything else would fail the same way
      // every time, so the message is marked failed rather than blocking its session forever.
      if (isDatabaseUnavailable(error) || (error instanceof DomainError && error.kind === 'unavailable')) throw error;
      failure = describe(error);
      const line = `message ${message.id} on endpoint ${key.endpointId} failed: ${failure}`;
      this.logger.error(maskLine(line, endpoint.dataProtection.maskLogging, { ...key, ...message }));
    }
    const next = processed?.session ?? session;
    const outputs = processed?.outputs ?? [];
    // The outputs' delivery lease starts with the commit statement, so no earlier than this.
    const leasedAt = performance.now();
    const committed = await this.committer.commit({
      key,
      session: next,
      leaseToken,
      messageId: message.id,
      readNext,
      outcome: failure === null ? { status: 'done' } : { status: 'failed', error: failure },
      outputs,
      dataProtection: endpoint.dataProtection,
      turn: toTurn(key, message, processed),
      deliveryLeaseMs: this.delivery.leaseMsFor(endpoint.delivery.timeoutMs),
    });
    if (!committed) throw new CommitRefusedError();
    const seconds = (performance.now() - started) / 1000;
    this.metrics.observeMessageProcessed(endpoint.id, failure === null ? 'done' : 'failed', outputs.length, seconds);
    this.delivery.handOff(key, outputs, leasedAt, committed.earlierOutputs);
    return { session: next, nextMessages: committed.nextMessages };
  }

  /** Debug trace of each input; user data masked when the endpoint asks for it. */
  private logInput(endpoint: EndpointRuntimeConfig, key: SessionKey, message: PendingMessage): void {
    if (!Logger.isLevelEnabled('debug')) return;
    const fields = {
      userId: key.userId,
      sessionId: key.sessionId,
      kind: message.kind,
      text: message.text,
      data: message.data,
    };
    this.logger.debug(
      `processing message ${message.id} on endpoint ${key.endpointId}: ${loggable(fields, endpoint.dataProtection.maskLogging)}`,
    );
  }

  /** Stop taking work, let the message in hand finish (bounded), release the leases. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sweeper.stop();
    await this.loops.stop(SHUTDOWN_GRACE_MS);
  }
}

/** The committed message as the conversation records see it. */
function toTurn(key: SessionKey, message: PendingMessage, processed: ProcessedMessage | null): ConversationTurn {
  return {
    key,
    message: {
      id: message.id,
      kind: message.kind,
      text: message.text,
      data: message.data,
      clientIp: message.clientIp,
    },
    intent: processed?.intent ?? null,
    outputs: (processed?.outputs ?? []).map((output) => ({
      id: output.id,
      sequence: output.sequence,
      inputId: output.inputId,
      content: output.content ?? contentFromWebhookBody(output.body),
    })),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
