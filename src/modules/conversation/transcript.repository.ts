import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { commitPart, type CommitPart } from '../../database/commit-part.js';
import type { SessionKey } from '../pipeline/session-key.js';
import type { RecordDirection, RecordSource, StoredTranscriptEntry, TranscriptEntry } from './conversation-records.js';

/** Transcripts: what each conversation's user and bot said, in order, for endpoints with `useConversations`. */
@Injectable()
export class TranscriptRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The message commit's transcript part (see CommitPart). Inserted in `rows` order (ORDER BY the parameter's
   * ordinality): `position` follows it, so an input precedes the outputs of its transaction.
   */
  insertPart(rows: ReadonlyArray<{ key: SessionKey; entry: TranscriptEntry }>): CommitPart {
    return commitPart(
      'transcript_rows',
      (param) => `INSERT INTO transcript_entries
           (id, endpoint_id, user_id, session_id, direction, source, input_id, sequence, text, data, intent, client_ip)
         SELECT e.id, e.endpoint_id, e.user_id, e.session_id, e.direction, e.source, e.input_id, e.sequence, e.text,
                e.data, e.intent, e.client_ip
         FROM ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (id uuid, endpoint_id uuid, user_id text,
           session_id text, direction text, source text, input_id uuid, sequence int, text text, data jsonb, intent text,
           client_ip text)) WITH ORDINALITY AS e
         JOIN saved k ON k.endpoint_id = e.endpoint_id AND k.user_id = e.user_id AND k.session_id = e.session_id
         ORDER BY e.ordinality`,
      rows.map(({ key, entry }) => ({
        id: entry.id,
        endpoint_id: key.endpointId,
        user_id: key.userId,
        session_id: key.sessionId,
        direction: entry.direction,
        source: entry.source,
        input_id: entry.inputId,
        sequence: entry.sequence,
        text: entry.text,
        data: entry.data,
        intent: entry.intent,
        client_ip: entry.clientIp,
      })),
    );
  }

  /** One page of a session's transcript, oldest first, after `afterPosition` (exclusive). */
  async page(key: SessionKey, afterPosition: string | null, limit: number): Promise<StoredTranscriptEntry[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT position, id, direction, source, input_id, sequence, text, data, intent, client_ip, created_at
       FROM transcript_entries
       WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND ($4::bigint IS NULL OR position > $4::bigint)
       ORDER BY position LIMIT $5`,
      [key.endpointId, key.userId, key.sessionId, afterPosition, limit],
    );
    return rows.map((row) => ({
      position: String(row.position),
      id: row.id as string,
      direction: row.direction as RecordDirection,
      source: row.source as RecordSource,
      inputId: row.input_id as string | null,
      sequence: row.sequence as number | null,
      text: row.text as string | null,
      data: row.data as Record<string, unknown> | null,
      intent: row.intent as string | null,
      clientIp: row.client_ip as string | null,
      createdAt: row.created_at as Date,
    }));
  }
}
