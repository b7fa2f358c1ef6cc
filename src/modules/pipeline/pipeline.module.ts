import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { EndpointConfigModule } from '../endpoint-config/endpoint-config.module.js';
import { FlowModule } from '../flow/flow.module.js';
import { TransformerModule } from '../transformer/transformer.module.js';
import { FlowHttpRequester } from './flow-http-requester.js';
import { FlowRuntime } from './flow-runtime.js';
import { InboxRepository } from './inbox.repository.js';
import { MessageCommitter } from './message-committer.js';
import { MessageProcessor } from './message-processor.js';
import { SessionExecutor } from './session-executor.js';
import { SessionRepository } from './session.repository.js';

/** Inbox → session executor → flow → outbox: the durable middle of the pipeline. */
@Module({
  imports: [DeliveryModule, EndpointConfigModule, FlowModule, TransformerModule],
  providers: [
    InboxRepository,
    SessionRepository,
    FlowHttpRequester,
    FlowRuntime,
    MessageProcessor,
    MessageCommitter,
    SessionExecutor,
  ],
  exports: [InboxRepository, SessionExecutor],
})
export class PipelineModule {}
