import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { NewOutboxRow } from '../delivery/outbox.repository.js';
import { buildWebhookPayload, type OutputContent } from '../delivery/webhook-payload.js';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import { TransformerService } from '../transformer/transformer.service.js';
import { FlowRuntime } from './flow-runtime.js';
import type { PendingMessage } from './inbox.repository.js';
import type { ClaimedSession } from './session.repository.js';
import type { SessionKey } from './session-key.js';

export interface ProcessedMessage {
  session: ClaimedSession;
  /** Each with `content`: what the flow (or notify) said, before the output transformer reshaped the body. */
  outputs: NewOutboxRow[];
  /** What the NLU made of the input (null when it recognised nothing, or for notify), for analytics. */
  intent: { name: string; score: number | null } | null;
}

interface OutputBatch {
  key: SessionKey;
  message: PendingMessage;
  /** Null for notify outputs, which answer no input. */
  inputId: string | null;
  lastSequence: number;
}

/**
 * Turns one inbound message into the session's next state and its numbered webhook bodies, running the endpoint's
 * output and execution-finished transformers on the way. Pure of storage but for transformer session storage:
 * the executor commits the result. A transformer failure with `abortOnError` throws, and the executor marks the
 * message failed with no outputs and the session unchanged.
 */
@Injectable()
export class MessageProcessor {
  constructor(
    private readonly flows: FlowRuntime,
    private readonly transformers: TransformerService,
  ) {}

  async process(
    endpoint: EndpointRuntimeConfig,
    key: SessionKey,
    session: ClaimedSession,
    message: PendingMessage,
  ): Promise<ProcessedMessage> {
    if (message.kind === 'notify') {
      // Notify sends its content straight to the webhook: no flow, no state change, no input id.
      const batch = { key, message, inputId: null, lastSequence: session.lastSequence };
      const outputs = [{ text: message.text, data: message.data }];
      return { ...(await this.number(endpoint, batch, session.state, outputs)), intent: null };
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
    const batch = { key, message, inputId: message.id, lastSequence: session.lastSequence };
    const processed = await this.number(endpoint, batch, result.session, result.outputs);
    await this.transformers.run(endpoint, 'handleExecutionFinished', { userId: key.userId, sessionId: key.sessionId });
    const { intent, intentScore } = result.input;
    return { ...processed, intent: intent === null ? null : { name: intent, score: intentScore } };
  }

  /**
   * Numbers the outputs the output transformer keeps: one it skips is never written and takes no sequence
   * number, so a session's sequence stays gapless. Outputs run through the transformer one at a time, in order.
   */
  private async number(
    endpoint: EndpointRuntimeConfig,
    batch: OutputBatch,
    state: unknown,
    contents: OutputContent[],
  ): Promise<Omit<ProcessedMessage, 'intent'>> {
    const { key, message, inputId } = batch;
    let sequence = batch.lastSequence;
    const outputs: NewOutboxRow[] = [];
    for (const output of contents) {
      // Time-ordered ids: the delivery log lists by (created_at, id), and one transaction's outputs share created_at.
      const id = uuidv7();
      const payload = buildWebhookPayload({
        key,
        outputId: id,
        sequence: sequence + 1,
        inputId,
        traceId: message.traceId,
        output,
        disableSensitiveLogging: endpoint.dataProtection.maskLogging,
        createdAt: new Date(),
      });
      const body = await this.webhookBody(endpoint, key, output, payload);
      if (body === null) continue;
      sequence += 1;
      const content = { text: output.text, data: output.data };
      outputs.push({ ...key, id, sequence, inputId, traceId: message.traceId, body, content });
    }
    return { session: { state, lastSequence: sequence }, outputs };
  }

  /** The body to POST: the default payload, or what handleOutput returned (null: skip the output). */
  private async webhookBody(
    endpoint: EndpointRuntimeConfig,
    key: SessionKey,
    output: OutputContent,
    payload: Record<string, unknown>,
  ): Promise<string | null> {
    if (!this.transformers.isEnabled(endpoint, 'handleOutput')) return JSON.stringify(payload);
    const outcome = await this.transformers.run(endpoint, 'handleOutput', {
      output: { text: output.text, data: output.data ?? {} },
      processedOutput: payload,
      userId: key.userId,
      sessionId: key.sessionId,
    });
    if (!outcome.ran) return JSON.stringify(payload);
    // The return value is the body, sent unchanged; a falsy one sends nothing for this output.
    return outcome.value ? JSON.stringify(outcome.value) : null;
  }
}
