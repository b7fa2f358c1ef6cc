import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsSelect, QueryFailedError, type Repository } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import { EndpointEntity } from './endpoint-config.entity.js';

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

  /** Returns the deleted endpoint's URL token, or null when there was none. */
  async delete(id: string): Promise<string | null> {
    const result = await this.endpoints
      .createQueryBuilder()
      .delete()
      .from(EndpointEntity)
      .where('id = :id', { id })
      .returning('url_token')
      .execute();
    const rows = result.raw as Array<{ url_token: string }>;
    return rows[0]?.url_token ?? null;
  }
}
