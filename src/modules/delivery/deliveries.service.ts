import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage, type Page } from '../../common/pagination/pagination.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { DeliveryLogRepository, type DeliveryFilter, type DeliveryRow } from './delivery-log.repository.js';
import { DeliveryWorker } from './delivery.worker.js';
import { DeliveryAlreadyDeliveredError, DeliveryNotFoundError } from './delivery.errors.js';
import type { DeliveryDetailDto, DeliveryDto } from './dto/delivery.dto.js';

/** The delivery log: what was sent where, every attempt, and the operator's retry buttons. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly log: DeliveryLogRepository,
    private readonly endpoints: EndpointDirectory,
    private readonly worker: DeliveryWorker,
  ) {}

  async list(filter: DeliveryFilter, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<DeliveryDto>> {
    await this.endpoints.requireExisting(filter.endpointId);
    const rows = await this.log.page(filter, decodeCursor(cursor), limit + 1);
    return toPage(rows, limit, toDeliveryDto);
  }

  async get(id: string): Promise<DeliveryDetailDto> {
    const found = await this.log.findWithBody(id);
    if (!found) throw new DeliveryNotFoundError(id);
    const attempts = await this.log.attempts(id);
    return {
      ...toDeliveryDto(found.row),
      body: JSON.parse(found.body) as unknown,
      attempts: attempts.map((attempt) => ({ ...attempt, startedAt: attempt.startedAt.toISOString() })),
    };
  }

  async retry(id: string): Promise<DeliveryDetailDto> {
    const found = await this.log.findWithBody(id);
    if (!found) throw new DeliveryNotFoundError(id);
    if (!(await this.log.retryNow(id))) throw new DeliveryAlreadyDeliveredError(id);
    this.worker.kick(found.row);
    return this.get(id);
  }

  async retryDead(endpointId: string, since?: string, until?: string): Promise<{ retried: number }> {
    await this.endpoints.requireExisting(endpointId);
    const retried = await this.log.retryDead(
      endpointId,
      since ? new Date(since) : null,
      until ? new Date(until) : null,
    );
    return { retried };
  }
}

function toDeliveryDto(row: DeliveryRow): DeliveryDto {
  return {
    id: row.id,
    endpointId: row.endpointId,
    userId: row.userId,
    sessionId: row.sessionId,
    sequence: row.sequence,
    inputId: row.inputId,
    status: row.status,
    attemptCount: row.attemptCount,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
