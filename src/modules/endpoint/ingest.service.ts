import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { InboxRepository, type InboundKind } from '../pipeline/inbox.repository.js';
import { SessionExecutor } from '../pipeline/session-executor.js';
import { EndpointInactiveError, UnknownEndpointTokenError, WebhookKeyInvalidError } from './endpoint.errors.js';

export interface InboundMessage {
  userId: string;
  sessionId: string;
  text?: string;
  data?: Record<string, unknown> | null;
}

export interface EndpointCredentials {
  urlToken: string;
  /** The X-Webhook-Key header, when sent. */
  webhookKey?: string;
}

export type IngestResult = { status: 'accepted'; messageId: string } | { status: 'dropped' };

const URL_TOKEN = /^[0-9a-f]{64}$/;

/** Accepts a message: authenticates the endpoint, stores the message durably, and starts processing it. */
@Injectable()
export class IngestService {
  constructor(
    private readonly endpoints: EndpointDirectory,
    private readonly inbox: InboxRepository,
    private readonly executor: SessionExecutor,
  ) {}

  async resolveEndpoint(credentials: EndpointCredentials): Promise<EndpointRuntimeConfig> {
    // A malformed token cannot exist: answer without a lookup.
    const endpoint = URL_TOKEN.test(credentials.urlToken) ? await this.endpoints.byToken(credentials.urlToken) : null;
    if (!endpoint) throw new UnknownEndpointTokenError();
    if (!endpoint.active) throw new EndpointInactiveError();
    if (endpoint.authMethod === 'apiKey') {
      if (!credentials.webhookKey) throw new WebhookKeyInvalidError(true);
      if (!(await this.endpoints.verifyApiKey(endpoint.id, credentials.webhookKey)))
        throw new WebhookKeyInvalidError(false);
    }
    return endpoint;
  }

  /** Resolves once the message is committed (the 202 promise: accepted means kept). */
  async accept(endpoint: EndpointRuntimeConfig, message: InboundMessage, kind: InboundKind): Promise<IngestResult> {
    const messageId = randomUUID();
    const key = { endpointId: endpoint.id, userId: message.userId, sessionId: message.sessionId };
    await this.inbox.insert({
      ...key,
      id: messageId,
      kind,
      text: message.text ?? null,
      data: message.data ?? null,
      traceId: `endpoint-${kind === 'message' ? 'httpIncomingMessage' : kind}-${messageId}`,
    });
    this.executor.kick(key);
    return { status: 'accepted', messageId };
  }
}
