import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProblemFilter } from './common/filters/problem.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { DeliveryModule } from './modules/delivery/delivery.module.js';
import { EndpointModule } from './modules/endpoint/endpoint.module.js';
import { EndpointConfigModule } from './modules/endpoint-config/endpoint-config.module.js';
import { FlowModule } from './modules/flow/flow.module.js';
import { HealthModule } from './modules/health/health.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        AuthModule,
        HealthModule,
        FlowModule,
        EndpointConfigModule,
        DeliveryModule,
        EndpointModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
