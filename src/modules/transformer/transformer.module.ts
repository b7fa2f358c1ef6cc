import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { AppSandboxHost } from './app-sandbox-host.js';
import { SandboxCodeNodeRunner } from './sandbox-code-node-runner.js';
import { SessionStorageRepository } from './session-storage.repository.js';
import { TransformerController } from './transformer.controller.js';
import { TransformerDryRunService } from './transformer-dry-run.service.js';
import { TransformerRuntime } from './transformer-runtime.js';
import { TransformerService } from './transformer.service.js';

/**
 * User code: endpoint transformers and flow code nodes, run on ONE warm pool of sandbox worker threads per
 * instance (`SANDBOX_WORKERS`), closed at shutdown by TransformerService. The workers boot with the first run
 * (see SandboxPool): readiness never waits for them, and an instance that runs no user code never starts them.
 */
@Module({
  imports: [DeliveryModule, EndpointConfigModule],
  controllers: [TransformerController],
  providers: [
    SessionStorageRepository,
    AppSandboxHost,
    {
      provide: TransformerRuntime,
      inject: [APP_CONFIG, AppSandboxHost],
      useFactory: (config: AppConfig, host: AppSandboxHost) =>
        new TransformerRuntime({ host, poolSize: config.sandboxWorkers }),
    },
    TransformerService,
    TransformerDryRunService,
    SandboxCodeNodeRunner,
  ],
  exports: [TransformerService, SandboxCodeNodeRunner],
})
export class TransformerModule {}
