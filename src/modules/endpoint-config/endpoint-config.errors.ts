import { DomainError } from '../../common/errors/domain-error.js';

export enum EndpointConfigErrorCode {
  EndpointNotFound = 'endpoint-not-found',
  EndpointApiKeyNotFound = 'endpoint-api-key-not-found',
}

export class EndpointNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', EndpointConfigErrorCode.EndpointNotFound, `Endpoint ${id} does not exist.`);
  }
}

export class EndpointApiKeyNotFoundError extends DomainError {
  constructor(endpointId: string, keyId: string) {
    super(
      'not_found',
      EndpointConfigErrorCode.EndpointApiKeyNotFound,
      `Endpoint ${endpointId} has no API key ${keyId}.`,
    );
  }
}
