import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsSelect, QueryFailedError, type Repository } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import { EndpointEntity } from './endpoint-config.entity.js';
import { sessionLockOrder } from '../pipeline/session-sql.js';

/** The columns an endpoint is written with; id and timestamps come from the database. */
export type EndpointRow = Omit<EndpointEntity, 'id' | 'createdAt' | 'updatedAt'>;

/** What the pipeline reads on every message: all but `createdAt`, named so the hot query stays explicit. */
const RUNTIME_COLUMNS: FindOptionsSelect<EndpointEntity> = {
  id: true,
  name: true,
  flowId: true,
  active: true,
  urlToken: true,
  webhookUrl: true,
  basicAuthUser: true,
  basicAuthPasswordEnc: true,
  signingSecretEnc: true,
  authMethod: true,
  nluConnector: true,
  dataProtection: true,
  transformer: true,
  transformerJs: true,
  delivery: true,
  rateLimit: true,
  updatedAt: true,
};

export type EndpointRuntimeRow = Omit<EndpointEntity, 'createdAt'>;

const FOREIGN_KEY_VIOLATION = '23503';

/** The tables that reference an endpoint without a foreign key; outbox rows take their delivery attempts along. */
const ENDPOINT_RECORD_TABLES = ['outbox', 'transcript_entries', 'analytics_events'] as const;

/** True when a write failed because `flow_id` names no flow (deleted between our check and the write). */
export function isMissingFlowError(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string; constraint?: string }).code === FOREIGN_KEY_VIOLATION
  );
}

@Injectable()
export class EndpointConfigRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  async insert(row: EndpointRow): Promise<EndpointEntity> {
    const result = await this.endpoints.insert(row);
    const id = (result.identifiers[0] as { id: string }).id;
    return this.endpoints.findOneByOrFail({ id });
  }

  findById(id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOneBy({ id });
  }

  findRuntimeByToken(urlToken: string): Promise<EndpointRuntimeRow | null> {
    return this.endpoints.findOne({ where: { urlToken }, select: RUNTIME_COLUMNS });
  }

  findRuntimeById(id: string): Promise<EndpointRuntimeRow | null> {
    return this.endpoints.findOne({ where: { id }, select: RUNTIME_COLUMNS });
  }

  async findUrlToken(id: string): Promise<string | null> {
    const row = await this.endpoints.findOne({ where: { id }, select: { id: true, urlToken: true } });
    return row?.urlToken ?? null;
  }

  findByFlow(flowId: string): Promise<Array<Pick<EndpointEntity, 'id' | 'name'>>> {
    return this.endpoints.find({ where: { flowId }, select: { id: true, name: true }, order: { createdAt: 'ASC' } });
  }

  page(after: Keyset | null, limit: number): Promise<EndpointEntity[]> {
    const query = this.endpoints
      .createQueryBuilder('e')
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(limit);
    if (after) query.where('(e.created_at, e.id) > (:createdAt, :id)', after);
    return query.getMany();
  }

  /**
   * Read-modify-write under a row lock, so concurrent PATCHes and rotations cannot lose each other's change.
   * `change` must be synchronous (the embedded database serialises transactions). Null when the endpoint is gone.
   */
  updateLocked(
    id: string,
    change: (current: EndpointEntity) => Partial<EndpointRow>,
  ): Promise<{ before: EndpointEntity; after: EndpointEntity } | null> {
    return this.endpoints.manager.transaction(async (manager) => {
      const repository = manager.getRepository(EndpointEntity);
      const before = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!before) return null;
      await repository.update({ id }, { ...change(before), updatedAt: () => 'now()' });
      return { before, after: await repository.findOneByOrFail({ id }) };
    });
  }

  /**
   * Deletes the endpoint and everything stored for it; returns its URL token, or null when there was none. Its
   * sessions, inbox, keys and transformer storage go by foreign-key cascade. Outputs, transcript entries and
   * analytics events have no foreign key (see migration DropRecordForeignKeys): they are deleted here, after the
   * endpoint, each by a statement of its own. Its sessions are locked first, so it waits for a message commit in
   * progress (it holds its session's row); each later statement sees what that commit wrote, and a commit that comes
   * after finds its session gone and writes nothing. They are locked before the cascade runs, in the order every
   * statement locks sessions (sessionLockOrder), because a commit locks its session before the inbox row it marks
   * done, while the cascade deletes the inbox rows before the sessions: left to the cascade the two deadlock. The
   * endpoint row is locked before them, so no new session or inbox row of it can come in between (their foreign-key
   * checks wait).
   */
  async delete(id: string): Promise<string | null> {
    return this.endpoints.manager.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM endpoints WHERE id = $1 FOR UPDATE`, [id]);
      await manager.query(
        `SELECT 1 FROM sessions WHERE endpoint_id = $1
         ORDER BY ${sessionLockOrder('endpoint_id', 'user_id', 'session_id')} FOR UPDATE`,
        [id],
      );
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(EndpointEntity)
        .where('id = :id', { id })
        .returning('url_token')
        .execute();
      const rows = result.raw as Array<{ url_token: string }>;
      if (rows.length === 0) return null;
      for (const table of ENDPOINT_RECORD_TABLES) {
        await manager.query(`DELETE FROM ${table} WHERE endpoint_id = $1`, [id]);
      }
      return rows[0].url_token;
    });
  }
}
