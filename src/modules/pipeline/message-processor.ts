import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { NewOutboxRow } from '../delivery/outbox.repository.js';
import { buildWebhookPayload, type OutputContent } from '../delivery/webhook-payload.js';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import { FlowRuntime } from './flow-runtime.js';
import type { PendingMessage } from './inbox.repository.js';
import type { ClaimedSession } from './session.repository.js';
import type { SessionKey } from './session-key.js';

export interface ProcessedMessage {
  session: ClaimedSession;
  outputs: NewOutboxRow[];
}

/**
 * Turns one inbound message into the session's next state and its numbered webhook bodies. Pure of storage:
 * the executor commits the result.
 */
@Injectable()
export class MessageProcessor {
  constructor(private readonly flows: FlowRuntime) {}

  async process(
    endpoint: EndpointRuntimeConfig,
    key: SessionKey,
    session: ClaimedSession,
    message: PendingMessage,
  ): Promise<ProcessedMessage> {
    if (message.kind === 'notify') {
      // Notify sends its content straight to the webhook: no flow, no state change, no input id.
      return this.number(
        endpoint,
        key,
        session.state,
        session.lastSequence,
        message,
        [{ text: message.text, data: message.data }],
        null,
      );
    }
    const result = await this.flows.run(endpoint, session.state, {
      text: message.text,
      data: message.data,
      userId: key.userId,
      sessionId: key.sessionId,
      inputId: message.id,
      traceId: message.traceId,
      urlToken: endpoint.urlToken,
    });
    return this.number(endpoint, key, result.session, session.lastSequence, message, result.outputs, message.id);
  }

  private number(
    endpoint: EndpointRuntimeConfig,
    key: SessionKey,
    state: unknown,
    lastSequence: number,
    message: PendingMessage,
    contents: OutputContent[],
    inputId: string | null,
  ): ProcessedMessage {
    let sequence = lastSequence;
    const outputs = contents.map((output): NewOutboxRow => {
      sequence += 1;
      // Time-ordered ids: the delivery log lists by (created_at, id), and one transaction's outputs share created_at.
      const id = uuidv7();
      const payload = buildWebhookPayload({
        key,
        outputId: id,
        sequence,
        inputId,
        traceId: message.traceId,
        output,
        disableSensitiveLogging: endpoint.dataProtection.maskLogging,
        createdAt: new Date(),
      });
      return { ...key, id, sequence, inputId, traceId: message.traceId, body: JSON.stringify(payload) };
    });
    return { session: { state, lastSequence: sequence }, outputs };
  }
}
