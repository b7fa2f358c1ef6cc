import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import { ApiKeyEntity } from './api-key.entity.js';

/** Advisory lock taken while deciding whether to bootstrap a first admin key. */
const BOOTSTRAP_LOCK_ID = 7_264_913_002;

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  insert(key: Pick<ApiKeyEntity, 'name' | 'keyHash' | 'keyPreview'>): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(key));
  }

  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { keyHash }, select: { id: true, name: true } });
  }

  page(after: Keyset | null, limit: number): Promise<ApiKeyEntity[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .limit(limit);
    if (after) query.where('(k.created_at, k.id) > (:createdAt, :id)', after);
    return query.getMany();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.keys.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Inserts a bootstrap key under a lock, so instances starting together on one database add it once.
   * `whenMissing`: insert unless this very key exists (ADMIN_API_KEY); `whenEmpty`: insert only into an empty table
   * (the generated first key). Returns whether it inserted.
   */
  insertBootstrapKey(
    key: Pick<ApiKeyEntity, 'name' | 'keyHash' | 'keyPreview'>,
    rule: 'whenMissing' | 'whenEmpty',
  ): Promise<boolean> {
    return this.keys.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
      const repository = manager.getRepository(ApiKeyEntity);
      const blocking =
        rule === 'whenMissing' ? await repository.countBy({ keyHash: key.keyHash }) : await repository.count();
      if (blocking > 0) return false;
      await repository.save(repository.create(key));
      return true;
    });
  }
}
