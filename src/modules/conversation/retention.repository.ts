import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What the retention purge deletes, each with the timestamp that dates a row and the rows it may touch. */
export const PURGE_TARGETS = {
  transcripts: { table: 'transcript_entries', key: 'position', where: 'created_at < $2' },
  analytics: { table: 'analytics_events', key: 'id', where: 'created_at < $2' },
  // Only finished deliveries (their attempts go with them through the FK cascade); pending ones are live work.
  deliveries: {
    table: 'outbox',
    key: 'id',
    where: `created_at < $2 AND status IN ('delivered', 'dead') AND finished_at < $2`,
  },
  // Only processed messages; pending ones are accepted work that must still run.
  inbox: { table: 'inbound_messages', key: 'id', where: `received_at < $2 AND status IN ('done', 'failed')` },
} as const;

export type PurgeTarget = keyof typeof PURGE_TARGETS;

/**
 * The retention purge's deletes: one bounded batch per call, served by each table's (endpoint_id, timestamp)
 * index. `FOR UPDATE SKIP LOCKED` lets several instances purge at once without waiting on each other or
 * deleting a row twice, and the outer WHERE re-checks the conditions on the locked rows (a dead delivery an
 * operator just queued again is pending, and stays).
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes up to `limit` rows of `endpointId` older than `cutoff`; returns how many. */
  async purgeBatch(target: PurgeTarget, endpointId: string, cutoff: Date, limit: number): Promise<number> {
    const { table, key, where } = PURGE_TARGETS[target];
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM ${table} WHERE ${key} IN (
         SELECT ${key} FROM ${table} WHERE endpoint_id = $1 AND ${where} LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND endpoint_id = $1 AND ${where}`,
      [endpointId, cutoff, limit],
    );
    return affected;
  }
}
