import { Inject, Injectable } from '@nestjs/common';
import { Batcher } from '../../common/concurrency/batcher.js';
import { InstanceId } from '../../common/instance-id.js';
import { Sql, statement, type Statement } from '../../database/sql.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ConversationRecorder } from '../conversation/conversation-recorder.js';
import type { ConversationTurn } from '../conversation/conversation-records.js';
import { OutboxRepository, type EarlierOutputs, type NewOutboxRow } from '../delivery/outbox.repository.js';
import type { DataProtectionSettings } from '../endpoint-config/endpoint-settings.js';
import {
  InboxRepository,
  PENDING_BATCH,
  type MessageOutcome,
  type PendingMessage,
  type PendingJsonRow,
} from './inbox.repository.js';
import { SessionRepository, type SessionSave } from './session.repository.js';
import { rowKey, sessionKeyString, type SessionKeyRow } from './session-key.js';

/** Everything one processed message changes, committed together or not at all. */
export interface MessageCommit extends SessionSave {
  outcome: MessageOutcome;
  outputs: NewOutboxRow[];
  dataProtection: DataProtectionSettings;
  turn: ConversationTurn;
  /** How long the outputs stay leased to this instance for delivery (see OutboxRepository.insertPart). */
  deliveryLeaseMs: number;
}

interface CommitResultRow extends SessionKeyRow {
  earlier_outputs: EarlierOutputs;
  next_messages: PendingJsonRow[] | null;
}

/** A committed message, and what the statement saw of its session. */
export interface CommittedMessage {
  /** Where outputs of the session written before it were still waiting for delivery (for DeliveryWorker.handOff). */
  earlierOutputs: EarlierOutputs;
  /** The session's next pending messages, in arrival order (up to PENDING_BATCH); null unless `readNext`. */
  nextMessages: PendingMessage[] | null;
}

/**
 * Commits processed messages: the session state, the outputs into the outbox, the inbox row done, and the
 * conversation records — in ONE statement (see CommitPart), so together or not at all. Messages of different
 * sessions processed at the same time share it (group commit: one statement, one fsync), which is where the
 * pipeline's throughput comes from. Per item, resolves null when the session's lease was lost, or its message was
 * processed already: nothing of it is written. Otherwise it tells what the statement saw of the session, so the
 * caller need not ask again: where earlier outputs stood, and the next pending messages.
 */
@Injectable()
export class MessageCommitter {
  private readonly batcher = new Batcher<MessageCommit, CommittedMessage | null>(
    (commits) => this.commitMany(commits),
    200,
  );
  /** The commit's text is the same for every batch: its Statement (with its prepared name) is made once. */
  private commitStatement: Statement | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly sessions: SessionRepository,
    private readonly outbox: OutboxRepository,
    private readonly inbox: InboxRepository,
    private readonly recorder: ConversationRecorder,
    private readonly instance: InstanceId,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  commit(commit: MessageCommit): Promise<CommittedMessage | null> {
    return this.batcher.add(commit);
  }

  private async commitMany(commits: MessageCommit[]): Promise<Array<CommittedMessage | null>> {
    // One executor loop per session means one commit per session in a batch.
    const owner = this.instance.value;
    const leaseMs = this.config.leaseMs;
    const head = this.sessions.saveHead(commits, owner, leaseMs);
    const inboxPart = this.inbox.processedPart(
      commits.map(({ key, messageId, outcome }) => ({ key, id: messageId, outcome })),
    );
    const parts = [
      this.outbox.insertPart(
        commits.flatMap(({ outputs, deliveryLeaseMs }) =>
          outputs.map((output) => ({ ...output, lease: { owner, leaseMs: deliveryLeaseMs } })),
        ),
      ),
      inboxPart,
      ...this.recorder.commitParts(commits),
    ];
    const ctes = parts.map((part, index) => `${part.name} AS (${part.sql(`$${index + 2}`)})`);
    const text = `WITH ${head.ctes}, ${ctes.join(', ')}
      SELECT endpoint_id, user_id, session_id,
        ${OutboxRepository.earlierOutputs('saved', 'saved.lease_owner')} AS earlier_outputs,
        CASE WHEN saved.read_next
          THEN ${InboxRepository.nextPendingJson('saved', inboxPart.name, PENDING_BATCH)} END AS next_messages
      FROM saved`;
    if (this.commitStatement?.text !== text) this.commitStatement = statement(text);
    const { rows } = await this.sql.query<CommitResultRow>(this.commitStatement, [
      head.rows,
      ...parts.map((part) => part.rows),
    ]);
    const kept = new Map(
      rows.map((row) => [
        rowKey(row),
        {
          earlierOutputs: row.earlier_outputs,
          nextMessages: row.next_messages && InboxRepository.fromPendingJson(row.next_messages),
        },
      ]),
    );
    return commits.map(({ key }) => kept.get(sessionKeyString(key)) ?? null);
  }
}
