import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FlowModule } from '../flow/flow.module.js';
import { EndpointApiKeyEntity } from './endpoint-api-key.entity.js';
import { EndpointApiKeysController } from './endpoint-api-keys.controller.js';
import { EndpointApiKeysRepository } from './endpoint-api-keys.repository.js';
import { EndpointApiKeysService } from './endpoint-api-keys.service.js';
import { EndpointChangeEvents } from './endpoint-change.events.js';
import { EndpointConfigController } from './endpoint-config.controller.js';
import { EndpointEntity } from './endpoint-config.entity.js';
import { EndpointConfigRepository } from './endpoint-config.repository.js';
import { EndpointConfigService } from './endpoint-config.service.js';
import { EndpointDirectory } from './endpoint-directory.js';

@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity, EndpointApiKeyEntity]), FlowModule],
  controllers: [EndpointConfigController, EndpointApiKeysController],
  providers: [
    EndpointConfigRepository,
    EndpointApiKeysRepository,
    EndpointConfigService,
    EndpointApiKeysService,
    EndpointChangeEvents,
    EndpointDirectory,
  ],
  exports: [EndpointConfigService, EndpointChangeEvents, EndpointDirectory],
})
export class EndpointConfigModule {}
