import { Module } from '@nestjs/common';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { EndpointController } from './endpoint.controller.js';
import { IngestService } from './ingest.service.js';

/** The public ingestion surface: POST /endpoint/:urlToken. */
@Module({
  imports: [EndpointConfigModule, PipelineModule],
  controllers: [EndpointController],
  providers: [IngestService],
})
export class EndpointModule {}
