import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FlowController } from './flow.controller.js';
import { FlowEntity } from './flow.entity.js';
import { FlowRepository } from './flow.repository.js';
import { FlowService } from './flow.service.js';
import { FlowUsageRegistry } from './flow-usage.registry.js';

@Module({
  imports: [TypeOrmModule.forFeature([FlowEntity])],
  controllers: [FlowController],
  providers: [FlowRepository, FlowService, FlowUsageRegistry],
  exports: [FlowService, FlowUsageRegistry],
})
export class FlowModule {}
