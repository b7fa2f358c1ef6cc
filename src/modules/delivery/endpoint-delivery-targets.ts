import { Injectable } from '@nestjs/common';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { DeliveryTargetSource, type DeliveryTarget } from './delivery-target.js';

/** Delivery targets read from the (cached) endpoint configuration. */
@Injectable()
export class EndpointDeliveryTargets extends DeliveryTargetSource {
  constructor(private readonly endpoints: EndpointDirectory) {
    super();
  }

  async get(endpointId: string): Promise<DeliveryTarget | null> {
    const endpoint = await this.endpoints.byId(endpointId);
    if (!endpoint) return null;
    return {
      webhookUrl: endpoint.webhookUrl,
      basicAuth: endpoint.basicAuth,
      signingSecret: endpoint.signingSecret,
      timeoutMs: endpoint.delivery.timeoutMs,
      retryScheduleSeconds: endpoint.delivery.retrySchedule,
      maxConcurrency: endpoint.delivery.maxConcurrency,
    };
  }
}
