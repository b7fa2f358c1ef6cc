import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import type { SessionStorageWrite } from './transformer.types.js';

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * What transformers keep per conversation through `getSessionStorage(userId, sessionId)`: one JSON object per
 * (endpoint, user, session), deleted with its endpoint. A run reads at its first call and writes the objects it
 * changed after it finished; two runs of one conversation at once (an input and an output hook) write last-wins.
 */
@Injectable()
export class SessionStorageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async load(endpointId: string, userId: string, sessionId: string): Promise<Record<string, unknown>> {
    const rows: Array<{ value: Record<string, unknown> }> = await this.dataSource.query(
      `SELECT value FROM session_storage WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3`,
      [endpointId, userId, sessionId],
    );
    return rows[0]?.value ?? {};
  }

  /** One statement for all of a run's writes (a run's writes never name the same session twice). */
  async saveMany(endpointId: string, writes: readonly SessionStorageWrite[]): Promise<void> {
    if (writes.length === 0) return;
    try {
      await this.dataSource.query(
        `INSERT INTO session_storage AS s (endpoint_id, user_id, session_id, value)
         SELECT $1, w.user_id, w.session_id, w.value FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS w(user_id, session_id, value)
         ON CONFLICT (endpoint_id, user_id, session_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [
          endpointId,
          writes.map((write) => write.userId),
          writes.map((write) => write.sessionId),
          writes.map((write) => JSON.stringify(write.value)),
        ],
      );
    } catch (error) {
      // The endpoint was deleted while its transformer ran: its storage is gone with it.
      if (isForeignKeyViolation(error)) return;
      throw error;
    }
  }
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === FOREIGN_KEY_VIOLATION;
}
