import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import { EndpointApiKeyEntity } from './endpoint-api-key.entity.js';

@Injectable()
export class EndpointApiKeysRepository {
  constructor(@InjectRepository(EndpointApiKeyEntity) private readonly keys: Repository<EndpointApiKeyEntity>) {}

  async insert(
    key: Pick<EndpointApiKeyEntity, 'endpointId' | 'name' | 'keyHash' | 'keyPreview'>,
  ): Promise<EndpointApiKeyEntity> {
    const result = await this.keys.insert(key);
    const id = (result.identifiers[0] as { id: string }).id;
    return this.keys.findOneByOrFail({ id });
  }

  page(endpointId: string, after: Keyset | null, limit: number): Promise<EndpointApiKeyEntity[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .where('k.endpoint_id = :endpointId', { endpointId })
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .limit(limit);
    if (after) query.andWhere('(k.created_at, k.id) > (:createdAt, :id)', after);
    return query.getMany();
  }

  async delete(endpointId: string, id: string): Promise<boolean> {
    const result = await this.keys.delete({ id, endpointId });
    return (result.affected ?? 0) > 0;
  }

  /** The ingestion check: one indexed lookup by hash (unique), scoped to the endpoint. */
  async exists(endpointId: string, keyHash: string): Promise<boolean> {
    const found = await this.keys.findOne({ where: { keyHash, endpointId }, select: { id: true } });
    return found !== null;
  }
}
