import { Module } from '@nestjs/common';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { TransformerModule } from '../transformer/transformer.module.js';
import { EndpointMessagesController } from './endpoint-messages.controller.js';
import { EndpointController } from './endpoint.controller.js';
import { IngestService } from './ingest.service.js';

/** The public endpoint URLs (message, inject, notify) and the admin API's inject and notify. */
@Module({
  imports: [EndpointConfigModule, PipelineModule, TransformerModule],
  controllers: [EndpointController, EndpointMessagesController],
  providers: [IngestService],
})
export class EndpointModule {}
