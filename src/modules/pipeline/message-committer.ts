import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Batcher } from '../../common/concurrency/batcher.js';
import { InstanceId } from '../../common/instance-id.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ConversationRecorder } from '../conversation/conversation-recorder.js';
import type { ConversationTurn } from '../conversation/conversation-records.js';
import { OutboxRepository, type NewOutboxRow } from '../delivery/outbox.repository.js';
import type { DataProtectionSettings } from '../endpoint-config/endpoint-settings.js';
import { InboxRepository, type MessageOutcome } from './inbox.repository.js';
import { SessionRepository, type ClaimedSession } from './session.repository.js';
import { sessionKeyString, type SessionKey } from './session-key.js';

/** Everything one processed message changes, committed together or not at all. */
export interface MessageCommit {
  key: SessionKey;
  session: ClaimedSession;
  messageId: string;
  outcome: MessageOutcome;
  outputs: NewOutboxRow[];
  dataProtection: DataProtectionSettings;
  turn: ConversationTurn;
}

/**
 * Commits processed messages: the session state, the outputs into the outbox, the inbox row done, and the
 * conversation records — in ONE transaction. Messages of different sessions processed at the same time share
 * that transaction (group commit: one statement per table, one fsync), which is where the pipeline's
 * throughput comes from. Per item, resolves false when the session's lease was lost: nothing of it is written.
 */
@Injectable()
export class MessageCommitter {
  private readonly batcher = new Batcher<MessageCommit, boolean>((commits) => this.commitMany(commits), 200);

  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionRepository,
    private readonly outbox: OutboxRepository,
    private readonly inbox: InboxRepository,
    private readonly recorder: ConversationRecorder,
    private readonly instance: InstanceId,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  commit(commit: MessageCommit): Promise<boolean> {
    return this.batcher.add(commit);
  }

  private commitMany(commits: MessageCommit[]): Promise<boolean[]> {
    // One executor loop per session means one commit per session in a batch.
    return this.dataSource.transaction(async (manager) => {
      const owner = this.instance.value;
      const leaseMs = this.config.leaseMs;
      const kept = await this.sessions.saveMany(
        manager,
        commits.map(({ key, session }) => ({ key, owner, leaseMs, session })),
      );
      const committed = commits.filter(({ key }) => kept.has(sessionKeyString(key)));
      await this.outbox.insertMany(
        manager,
        committed.flatMap(({ outputs }) => outputs),
      );
      await this.inbox.markProcessed(
        manager,
        committed.map(({ messageId, outcome }) => ({ id: messageId, outcome })),
      );
      // Transcript and analytics commit with the outcome they describe, or not at all.
      await this.recorder.recordMany(manager, committed);
      return commits.map(({ key }) => kept.has(sessionKeyString(key)));
    });
  }
}
