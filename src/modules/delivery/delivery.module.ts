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
import { createGuardedAgents } from './http/guarded-agent.js';
import { OutboundHttpClient } from './http/outbound-http.client.js';
import { parseAllowList } from './http/ssrf-policy.js';
import { OutboxRepository } from './outbox.repository.js';

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
      // SSRF-guarded, keep-alive agents: the address actually dialled is the one that was checked.
      provide: OutboundHttpClient,
      inject: [HttpService, APP_CONFIG],
      useFactory: (http: HttpService, config: AppConfig) =>
        new OutboundHttpClient(
          http.axiosRef,
          // Idle sockets are kept up to the busy count, so bursts reuse connections instead of reopening them.
          createGuardedAgents({
            allowList: parseAllowList(config.webhookAllowedHosts),
            maxSockets: 256,
            maxFreeSockets: 256,
          }),
        ),
    },
  ],
  exports: [OutboxRepository, DeliveryWorker, OutboundHttpClient],
})
export class DeliveryModule {}
