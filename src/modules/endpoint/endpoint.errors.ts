import { DomainError } from '../../common/errors/domain-error.js';

export enum IngestErrorCode {
  EndpointNotFound = 'endpoint-not-found',
  EndpointInactive = 'endpoint-inactive',
  WebhookKeyInvalid = 'webhook-key-invalid',
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
