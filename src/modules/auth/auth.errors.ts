import { DomainError } from '../../common/errors/domain-error.js';

export enum AuthErrorCode {
  ApiKeyNotFound = 'api-key-not-found',
}

export class ApiKeyNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', AuthErrorCode.ApiKeyNotFound, `API key ${id} does not exist.`);
  }
}
