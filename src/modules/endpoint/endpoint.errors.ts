import { DomainError } from '../../common/errors/domain-error.js';

export enum IngestErrorCode {
  EndpointNotFound = 'endpoint-not-found',
  EndpointInactive = 'endpoint-inactive',
  WebhookKeyInvalid = 'webhook-key-invalid',
  MethodNotAllowed = 'method-not-allowed',
}

export class UnknownEndpointTokenError extends DomainError {
  constructor() {
    super('not_found', IngestErrorCode.EndpointNotFound, 'No endpoint has this URL token.');
  }
}

export class EndpointInactiveError extends DomainError {
  constructor() {
    super('forbidden', IngestErrorCode.EndpointInactive, 'This endpoint is not active.');
  }
}

export class WebhookKeyInvalidError extends DomainError {
  constructor(missing: boolean) {
    super(
      'unauthorized',
      IngestErrorCode.WebhookKeyInvalid,
      missing ? 'This endpoint requires an X-Webhook-Key header.' : 'The X-Webhook-Key is not valid for this endpoint.',
    );
  }
}

/** Only POST carries a message; other methods reach an endpoint only through its input transformer. */
export class MethodNotAllowedError extends DomainError {
  constructor(method: string) {
    super(
      'method_not_allowed',
      IngestErrorCode.MethodNotAllowed,
      `${method} is not allowed here: send messages with POST (other methods need an input transformer).`,
    );
  }
}
