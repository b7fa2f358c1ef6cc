import { Global, Module } from '@nestjs/common';
import { AnalyticsRepository } from './analytics.repository.js';
import { ConversationRecorder } from './conversation-recorder.js';
import { TranscriptRepository } from './transcript.repository.js';

/**
 * The write side of transcripts and analytics, used by the session executor inside its transaction. Global so
 * the pipeline records without a module import cycle (conversation reads endpoints and pipeline tables).
 */
@Global()
@Module({
  providers: [TranscriptRepository, AnalyticsRepository, ConversationRecorder],
  exports: [TranscriptRepository, AnalyticsRepository, ConversationRecorder],
})
export class ConversationRecordingModule {}
