import { Injectable } from '@nestjs/common';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { AnalyticsRangeInvalidError } from './conversation.errors.js';
import type { AnalyticsDto } from './dto/analytics.dto.js';

const DEFAULT_RANGE_MS = 30 * 24 * 3600 * 1000;
const TOP_INTENTS = 10;

/** An endpoint's figures over a time range: traffic, conversations, delivery health, intents. */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly analytics: AnalyticsRepository,
    private readonly endpoints: EndpointDirectory,
  ) {}

  async summary(endpointId: string, fromText?: string, toText?: string, now = new Date()): Promise<AnalyticsDto> {
    await this.endpoints.requireExisting(endpointId);
    const to = toText ? new Date(toText) : now;
    const from = fromText ? new Date(fromText) : new Date(to.getTime() - DEFAULT_RANGE_MS);
    if (from.getTime() >= to.getTime()) throw new AnalyticsRangeInvalidError();
    const [counts, deliveries, topIntents] = await Promise.all([
      this.analytics.counts(endpointId, from, to),
      this.analytics.deliveries(endpointId, from, to),
      this.analytics.topIntents(endpointId, from, to, TOP_INTENTS),
    ]);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      ...counts,
      deliveries: deliveries.byStatus,
      deliveryLatencyMs: deliveries.latencyMs,
      topIntents,
    };
  }
}
