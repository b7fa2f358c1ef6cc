import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { commitPart, type CommitPart } from '../../database/commit-part.js';
import type { SessionKey } from '../pipeline/session-key.js';
import type { AnalyticsEvent } from './conversation-records.js';

export interface EventCounts {
  inputs: number;
  outputs: number;
  sessions: number;
  users: number;
}

export interface DeliveryStats {
  byStatus: { pending: number; delivered: number; dead: number };
  /** Output created → delivered, over delivered outputs; null when none. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
}

/** Analytics events (one per processed message, see analyticsEvents) and the aggregate queries over them. */
@Injectable()
export class AnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The message commit's analytics part (see CommitPart). */
  insertPart(rows: ReadonlyArray<{ key: SessionKey; event: AnalyticsEvent }>): CommitPart {
    return commitPart(
      'analytics_rows',
      (param) => `INSERT INTO analytics_events (endpoint_id, user_id, session_id, kind, source, message_id, intent,
           intent_score, text, data, client_ip, output_count)
         SELECT a.endpoint_id, a.user_id, a.session_id, a.kind, a.source, a.message_id, a.intent, a.intent_score,
                a.text, a.data, a.client_ip, a.output_count
         FROM jsonb_to_recordset(${param}::jsonb) AS a(endpoint_id uuid, user_id text, session_id text, kind text,
           source text, message_id uuid, intent text, intent_score float8, text text, data jsonb, client_ip text,
           output_count int)
         JOIN saved k ON k.endpoint_id = a.endpoint_id AND k.user_id = a.user_id AND k.session_id = a.session_id`,
      rows.map(({ key, event }) => ({
        endpoint_id: key.endpointId,
        user_id: key.userId,
        session_id: key.sessionId,
        kind: event.kind,
        source: event.source,
        message_id: event.messageId,
        intent: event.intent,
        intent_score: event.intentScore,
        text: event.text,
        data: event.data,
        client_ip: event.clientIp,
        output_count: event.outputCount,
      })),
    );
  }

  /** Range scan of IDX_ANALYTICS_ENDPOINT_CREATED; every column read is in the index. */
  async counts(endpointId: string, from: Date, to: Date): Promise<EventCounts> {
    const rows: Array<{ inputs: string; outputs: string; sessions: string; users: string }> =
      await this.dataSource.query(
        `SELECT count(*) FILTER (WHERE kind = 'input') AS inputs,
                coalesce(sum(output_count), 0) AS outputs,
                count(DISTINCT (user_id, session_id)) AS sessions,
                count(DISTINCT user_id) AS users
         FROM analytics_events WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3`,
        [endpointId, from, to],
      );
    const row = rows[0];
    return {
      inputs: Number(row?.inputs ?? 0),
      outputs: Number(row?.outputs ?? 0),
      sessions: Number(row?.sessions ?? 0),
      users: Number(row?.users ?? 0),
    };
  }

  async topIntents(
    endpointId: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<Array<{ intent: string; count: number }>> {
    const rows: Array<{ intent: string; count: string }> = await this.dataSource.query(
      `SELECT intent, count(*) AS count FROM analytics_events
       WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3 AND kind = 'input' AND intent IS NOT NULL
       GROUP BY intent ORDER BY count(*) DESC, intent LIMIT $4`,
      [endpointId, from, to, limit],
    );
    return rows.map((row) => ({ intent: row.intent, count: Number(row.count) }));
  }

  /**
   * Deliveries of outputs created in the range, from the outbox through IDX_OUTBOX_ENDPOINT_CREATED. Operational
   * figures: reported whatever `useAnalytics` says, and gone once the retention purge removed the rows.
   */
  async deliveries(endpointId: string, from: Date, to: Date): Promise<DeliveryStats> {
    const rows: Array<{ status: string; count: string; p50: number | null; p95: number | null; p99: number | null }> =
      await this.dataSource.query(
        `SELECT status, count(*) AS count,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM (SELECT status, (extract(epoch FROM finished_at - created_at) * 1000)::float8 AS latency_ms FROM outbox
               WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3) d
         GROUP BY status`,
        [endpointId, from, to],
      );
    const byStatus = { pending: 0, delivered: 0, dead: 0 };
    let latencyMs: DeliveryStats['latencyMs'] = null;
    for (const row of rows) {
      if (row.status === 'pending' || row.status === 'delivered' || row.status === 'dead') {
        byStatus[row.status] = Number(row.count);
      }
      if (row.status === 'delivered' && row.p50 !== null) {
        latencyMs = { p50: round(row.p50), p95: round(Number(row.p95)), p99: round(Number(row.p99)) };
      }
    }
    return { byStatus, latencyMs };
  }
}

function round(ms: number): number {
  return Math.round(Number(ms) * 10) / 10;
}
