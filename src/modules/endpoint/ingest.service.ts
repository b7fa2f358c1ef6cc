import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RateLimitedError } from '../../common/rate-limit/rate-limit.errors.js';
import { RateLimiter } from '../../common/rate-limit/rate-limiter.js';
import { clientIpToStore } from '../conversation/client-ip.util.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotJsonError, ValidationFailedError } from '../../common/errors/common.errors.js';
import { isJsonContentType } from '../../common/http/json-body.js';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import { InboxRepository, type InboundKind } from '../pipeline/inbox.repository.js';
import { SessionExecutor } from '../pipeline/session-executor.js';
import { TransformerService, type HookOutcome } from '../transformer/transformer.service.js';
import type { HookName } from '../transformer/transformer.types.js';
import {
  EndpointInactiveError,
  MethodNotAllowedError,
  UnknownEndpointTokenError,
  WebhookKeyInvalidError,
} from './endpoint.errors.js';
import { isJsonObject, mergeTransformed, validateIngestMessage } from './ingest-message.validator.js';
import type { InboundHttpRequest, InboundMessage, IngestResult, ReceiveOutcome } from './ingest.types.js';

export type { InboundMessage, IngestResult } from './ingest.types.js';

export interface EndpointCredentials {
  urlToken: string;
  /** The X-Webhook-Key header, when sent. */
  webhookKey?: string;
}

const URL_TOKEN = /^[0-9a-f]{64}$/;
const WEBHOOK_KEY_HEADER = 'x-webhook-key';
const DROPPED: IngestResult = Object.freeze({ status: 'dropped' });
const NOT_RUN: HookOutcome = Object.freeze({ ran: false });

/** The transformer function each public route runs. */
const HOOK_OF: Readonly<Record<InboundKind, HookName>> = {
  message: 'handleInput',
  inject: 'handleInject',
  notify: 'handleNotify',
};

/**
 * Accepts messages, injects and notifications: authenticates the endpoint, lets its input transformer rewrite,
 * drop or answer the request, stores the message durably, and starts processing it.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly endpoints: EndpointDirectory,
    private readonly inbox: InboxRepository,
    private readonly executor: SessionExecutor,
    private readonly transformers: TransformerService,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: MetricsService,
  ) {}

  /** A request to an endpoint URL (`kind` says which: the message, inject or notify route). */
  async receive(urlToken: string, kind: InboundKind, request: InboundHttpRequest): Promise<ReceiveOutcome> {
    const webhookKey = request.headers[WEBHOOK_KEY_HEADER];
    const endpoint = await this.resolveEndpoint({
      urlToken,
      webhookKey: typeof webhookKey === 'string' ? webhookKey : undefined,
    });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      // Before the transformer runs, so a refused request costs no sandbox time.
      this.rateLimiter.consume(endpoint.id, endpoint.rateLimit);
      const outcome = await this.receiveFor(endpoint, kind, request);
      this.metrics.observeIngest(endpoint.id, outcome.result.status, seconds());
      return outcome;
    } catch (error) {
      this.metrics.observeIngest(
        endpoint.id,
        error instanceof RateLimitedError ? 'rate_limited' : 'rejected',
        seconds(),
      );
      throw error;
    }
  }

  private async receiveFor(
    endpoint: EndpointRuntimeConfig,
    kind: InboundKind,
    request: InboundHttpRequest,
  ): Promise<ReceiveOutcome> {
    const hook = HOOK_OF[kind];
    const outcome = this.transformers.isEnabled(endpoint, hook)
      ? await this.transformers.run(endpoint, hook, { request: withoutWebhookKey(request) })
      : NOT_RUN;
    // Not run (off, absent, or failed without abortOnError): the request must be a message by itself.
    if (!outcome.ran) return { result: await this.accept(endpoint, plainMessage(request), kind, request.clientIp) };
    const reply = outcome.response?.sent ? outcome.response : undefined;
    const withReply = (result: IngestResult): ReceiveOutcome => (reply ? { result, reply } : { result });
    if (!outcome.value) return withReply(DROPPED);
    if (!isJsonObject(outcome.value)) {
      throw new ValidationFailedError(
        [{ field: 'body', message: `${hook} must return an object, or a falsy value to drop the message` }],
        `The ${hook} transformer returned an invalid message.`,
      );
    }
    const message = validateIngestMessage(
      mergeTransformed(request.body, outcome.value),
      `The ${hook} transformer returned an invalid message.`,
    );
    return withReply(await this.accept(endpoint, message, kind, request.clientIp));
  }

  /** The admin API's inject and notify: by endpoint id, no transformer (the body is already a message). */
  async acceptById(endpointId: string, message: InboundMessage, kind: InboundKind): Promise<IngestResult> {
    const endpoint = await this.endpoints.requireExisting(endpointId);
    if (!endpoint.active) throw new EndpointInactiveError();
    return this.accept(endpoint, message, kind);
  }

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
  private async accept(
    endpoint: EndpointRuntimeConfig,
    message: InboundMessage,
    kind: InboundKind,
    clientIp?: string,
  ): Promise<IngestResult> {
    const messageId = randomUUID();
    const key = { endpointId: endpoint.id, userId: message.userId, sessionId: message.sessionId };
    const accepted = await this.inbox.insert({
      ...key,
      id: messageId,
      kind,
      text: message.text ?? null,
      data: message.data ?? null,
      traceId: `endpoint-${kind === 'message' ? 'httpIncomingMessage' : kind}-${messageId}`,
      clientIp: clientIpToStore(clientIp, endpoint.dataProtection),
    });
    this.executor.kick(key, messageId, accepted.alone ? accepted.message : undefined, accepted.claimed ?? undefined);
    return { status: 'accepted', messageId };
  }
}

/** Without an input transformer, only a JSON POST in the ingestion shape is a message. */
function plainMessage(request: InboundHttpRequest): InboundMessage {
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method);
  const contentType = request.headers['content-type'];
  if (!isJsonContentType(typeof contentType === 'string' ? contentType : undefined)) throw new NotJsonError();
  return validateIngestMessage(request.body);
}

/** The endpoint's own credential is not the transformer's business. */
function withoutWebhookKey(request: InboundHttpRequest): InboundHttpRequest {
  if (!(WEBHOOK_KEY_HEADER in request.headers)) return request;
  const headers = { ...request.headers };
  delete headers[WEBHOOK_KEY_HEADER];
  return { ...request, headers };
}
