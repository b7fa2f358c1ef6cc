import { Module } from '@nestjs/common';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { AnalyticsController } from './analytics.controller.js';
import { AnalyticsService } from './analytics.service.js';
import { ConversationRecordingModule } from './conversation-recording.module.js';
import { RetentionPurger } from './retention-purger.js';
import { RetentionRepository } from './retention.repository.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/** Sessions and transcripts API, analytics, and the retention purge. */
@Module({
  imports: [EndpointConfigModule, ConversationRecordingModule],
  controllers: [SessionsController, AnalyticsController],
  providers: [SessionsRepository, SessionsService, AnalyticsService, RetentionRepository, RetentionPurger],
  exports: [SessionsService, RetentionPurger],
})
export class ConversationModule {}
