import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import { FlowEntity, type StoredFlowDefinition } from './flow.entity.js';

export interface FlowContent {
  name: string;
  definition: StoredFlowDefinition;
}

const FOREIGN_KEY_VIOLATION = '23503';

const UPDATE_SQL =
  'UPDATE flows SET name = $2, definition = $3, version = version + 1, updated_at = now() WHERE id = $1';

@Injectable()
export class FlowRepository {
  constructor(@InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>) {}

  // Writes use plain SQL: TypeORM's deep-partial typing cannot follow the recursive JSON type of a definition.
  async insert(flow: FlowContent & { id: string }): Promise<FlowEntity> {
    await this.flows.query('INSERT INTO flows (id, name, definition) VALUES ($1, $2, $3)', [
      flow.id,
      flow.name,
      JSON.stringify(flow.definition),
    ]);
    return this.flows.findOneByOrFail({ id: flow.id });
  }

  findById(id: string): Promise<FlowEntity | null> {
    return this.flows.findOneBy({ id });
  }

  /** The pipeline's read: only what running the flow needs. */
  findDefinition(id: string): Promise<Pick<FlowEntity, 'id' | 'name' | 'definition' | 'version'> | null> {
    return this.flows.findOne({ where: { id }, select: { id: true, name: true, definition: true, version: true } });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.flows.countBy({ id })) > 0;
  }

  async listIds(): Promise<string[]> {
    const rows = await this.flows.find({ select: { id: true } });
    return rows.map((row) => row.id);
  }

  page(after: Keyset | null, limit: number): Promise<FlowEntity[]> {
    const query = this.flows
      .createQueryBuilder('f')
      .orderBy('f.created_at', 'ASC')
      .addOrderBy('f.id', 'ASC')
      .limit(limit);
    if (after) query.where('(f.created_at, f.id) > (:createdAt, :id)', after);
    return query.getMany();
  }

  /** Overwrites the flow; null when it does not exist. */
  async replace(id: string, content: FlowContent): Promise<FlowEntity | null> {
    await this.flows.query(UPDATE_SQL, [id, content.name, JSON.stringify(content.definition)]);
    return this.findById(id);
  }

  /**
   * Read-modify-write under a row lock, so two concurrent PATCHes cannot lose each other's change. `change` must be
   * synchronous and may throw to abort. Null when the flow does not exist.
   */
  updateLocked(id: string, change: (current: FlowEntity) => FlowContent): Promise<FlowEntity | null> {
    return this.flows.manager.transaction(async (manager) => {
      const repository = manager.getRepository(FlowEntity);
      const current = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) return null;
      const next = change(current);
      await manager.query(UPDATE_SQL, [id, next.name, JSON.stringify(next.definition)]);
      return repository.findOneBy({ id });
    });
  }

  /** 'missing' when there was no such flow, 'referenced' when an endpoint's foreign key still points at it. */
  async delete(id: string): Promise<'deleted' | 'missing' | 'referenced'> {
    try {
      const result = await this.flows.delete({ id });
      return (result.affected ?? 0) > 0 ? 'deleted' : 'missing';
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === FOREIGN_KEY_VIOLATION
      ) {
        return 'referenced';
      }
      throw error;
    }
  }

  /** Other flows whose goTo or executeFlow nodes name this flow. */
  findReferencingFlows(id: string): Promise<Array<{ id: string; name: string }>> {
    return this.flows.query(
      `SELECT id, name FROM flows
        WHERE id <> $1
          AND jsonb_path_exists(definition, '$.nodes[*] ? (@.flowId == $id || @.target.flowId == $id)', jsonb_build_object('id', $1::text))
        ORDER BY created_at, id`,
      [id],
    );
  }
}
