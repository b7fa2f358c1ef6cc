import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryLogRepository } from './delivery-log.repository.js';
import { DeliveryTargetSource } from './delivery-target.js';
import { DeliveryWorker } from './delivery.worker.js';
import { EndpointDeliveryTargets } from './endpoint-delivery-targets.js';
import { createGuardedAgents, type GuardedAgents } from './http/guarded-agent.js';
import { OutboundHttpClient } from './http/outbound-http.client.js';
import { parseAllowList } from './http/ssrf-policy.js';
import { WebhookPoster } from './http/webhook-poster.js';
import { OutboxRepository } from './outbox.repository.js';

const GUARDED_AGENTS = Symbol('GUARDED_AGENTS');

@Module({
  imports: [HttpModule.register({ maxRedirects: 0 }), EndpointConfigModule],
  controllers: [DeliveriesController],
  providers: [
    OutboxRepository,
    DeliveryLogRepository,
    DeliveryWorker,
    DeliveriesService,
    { provide: DeliveryTargetSource, useClass: EndpointDeliveryTargets },
    {
      // Every outbound request of the app (webhooks, transformer and flow httpRequest) goes through the
      // SSRF-guarded, keep-alive agents: the address actually dialled is the one that was checked. One pair
      // for both clients, so the process has one pool per scheme and connections are reused across them.
      provide: GUARDED_AGENTS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): GuardedAgents =>
        // Idle sockets are kept up to the busy count, so bursts reuse connections instead of reopening them.
        createGuardedAgents({
          allowList: parseAllowList(config.webhookAllowedHosts),
          maxSockets: 256,
          maxFreeSockets: 256,
        }),
    },
    {
      provide: OutboundHttpClient,
      inject: [HttpService, GUARDED_AGENTS],
      useFactory: (http: HttpService, agents: GuardedAgents) => new OutboundHttpClient(http.axiosRef, agents),
    },
    {
      provide: WebhookPoster,
      inject: [GUARDED_AGENTS],
      useFactory: (agents: GuardedAgents) => new WebhookPoster(agents),
    },
  ],
  exports: [OutboxRepository, DeliveryWorker, OutboundHttpClient, WebhookPoster],
})
export class DeliveryModule {}
