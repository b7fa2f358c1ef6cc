import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProblemFilter } from './common/filters/problem.filter.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ConversationModule } from './modules/conversation/conversation.module.js';
import { DeliveryModule } from './modules/delivery/delivery.module.js';
import { EndpointModule } from './modules/endpoint/endpoint.module.js';
import { EndpointConfigModule } from './modules/endpoint-config/endpoint-config.module.js';
import { FlowModule } from './modules/flow/flow.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { TransformerModule } from './modules/transformer/transformer.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        MetricsModule,
        RateLimitModule,
        AuthModule,
        HealthModule,
        FlowModule,
        EndpointConfigModule,
        DeliveryModule,
        TransformerModule,
        EndpointModule,
        ConversationModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
