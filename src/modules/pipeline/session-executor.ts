import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InstanceId } from '../../common/instance-id.js';
import { isDatabaseUnavailable } from '../../common/filters/problem.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { DeliveryWorker } from '../delivery/delivery.worker.js';
import { OutboxRepository } from '../delivery/outbox.repository.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { InboxRepository, type PendingMessage } from './inbox.repository.js';
import { MessageProcessor, type ProcessedMessage } from './message-processor.js';
import { SessionRepository, type ClaimedSession } from './session.repository.js';
import { sessionKeyString, type SessionKey } from './session-key.js';

const BATCH = 20;
const SHUTDOWN_GRACE_MS = 7_000;
/** A kick that found the session leased elsewhere tries again after this long, before the sweeper would. */
const CONTENDED_RETRY_MS = 250;

class LeaseLostError extends Error {}

/**
 * Processes each session's messages one at a time, in arrival order, on whichever instance holds the
 * session's lease; different sessions run in parallel. The accepting instance kicks the session at once
 * (fast path); a sweeper kicks sessions whose messages were left pending (an instance died, or lost a race).
 */
@Injectable()
export class SessionExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Executor');
  private readonly running = new Map<string, Promise<void>>();
  private readonly kickedWhileRunning = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: InboxRepository,
    private readonly sessions: SessionRepository,
    private readonly outbox: OutboxRepository,
    private readonly processor: MessageProcessor,
    private readonly endpoints: EndpointDirectory,
    private readonly delivery: DeliveryWorker,
    private readonly instance: InstanceId,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
  }

  /** A message for this session was committed: process it now. */
  kick(key: SessionKey): void {
    if (this.stopping) return;
    const id = sessionKeyString(key);
    if (this.running.has(id)) {
      this.kickedWhileRunning.add(id);
      return;
    }
    const run = this.drain(key)
      .catch((error: unknown) =>
        this.logger.error(`session loop failed on endpoint ${key.endpointId}: ${describe(error)}`),
      )
      .finally(() => {
        this.running.delete(id);
        if (this.kickedWhileRunning.delete(id)) this.kick(key);
      });
    this.running.set(id, run);
  }

  private async drain(key: SessionKey): Promise<void> {
    const owner = this.instance.value;
    let session = await this.sessions.claim(key, owner, this.config.leaseMs);
    if (!session) {
      // Another instance holds it; it releases only when no message is pending, so it will see ours. This
      // retry only covers that instance dying right now.
      setTimeout(() => this.kick(key), CONTENDED_RETRY_MS).unref();
      return;
    }
    try {
      for (;;) {
        if (this.stopping) return;
        const messages = await this.inbox.pendingForSession(key, BATCH);
        if (messages.length === 0) {
          if (await this.sessions.releaseIfIdle(key, owner)) return;
          continue;
        }
        for (const message of messages) {
          if (this.stopping) return;
          session = await this.processOne(key, session, message);
        }
      }
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.logger.warn(`lost the lease of a session on endpoint ${key.endpointId}; its new owner continues`);
    } finally {
      if (this.stopping) await this.sessions.release(key, owner).catch(() => undefined);
    }
  }

  private async processOne(key: SessionKey, session: ClaimedSession, message: PendingMessage): Promise<ClaimedSession> {
    const endpoint = await this.endpoints.byId(key.endpointId);
    if (!endpoint) return session; // deleted: its rows are going away with it
    let processed: ProcessedMessage | null = null;
    let failure: string | null = null;
    try {
      processed = await this.processor.process(endpoint, key, session, message);
    } catch (error) {
      // A database outage is retried (the message stays pending); anything else would fail the same way
      // every time, so the message is marked failed rather than blocking its session forever.
      if (isDatabaseUnavailable(error)) throw error;
      failure = describe(error);
      this.logger.error(`message ${message.id} on endpoint ${key.endpointId} failed: ${failure}`);
    }
    const next = processed?.session ?? session;
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.sessions.save(manager, key, this.instance.value, this.config.leaseMs, next)))
        throw new LeaseLostError();
      await this.outbox.insertMany(manager, processed?.outputs ?? []);
      await this.inbox.markProcessed(
        manager,
        message.id,
        failure === null ? { status: 'done' } : { status: 'failed', error: failure },
      );
    });
    if (processed && processed.outputs.length > 0) this.delivery.kick(key);
    return next;
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const stranded = await this.inbox.strandedSessions(this.config.sweepIntervalMs, 200);
      for (const key of stranded) this.kick(key);
    } catch (error) {
      this.logger.warn(`could not look for stranded messages: ${describe(error)}`);
    } finally {
      this.sweeping = false;
    }
  }

  /** Stop taking work, let the message in hand finish (bounded), release the leases. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await Promise.race([Promise.allSettled(this.running.values()), sleep(SHUTDOWN_GRACE_MS)]);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
