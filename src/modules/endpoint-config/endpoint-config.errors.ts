import { DomainError } from '../../common/errors/domain-error.js';

export enum EndpointConfigErrorCode {
  EndpointNotFound = 'endpoint-not-found',
  EndpointApiKeyNotFound = 'endpoint-api-key-not-found',
  TransformerCodeInvalid = 'transformer-code-invalid',
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

/** The transformer code does not compile: 422 naming `transformer.code`, with the line and column of the fault. */
export class TransformerCodeInvalidError extends DomainError {
  constructor(message: string, line: number, column: number) {
    super('unprocessable', EndpointConfigErrorCode.TransformerCodeInvalid, 'The transformer code does not compile.', [
      { field: 'transformer.code', message: `${message} (line ${line}, column ${column})` },
    ]);
  }
}
