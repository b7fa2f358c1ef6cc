import { DomainError, type FieldError } from './domain-error.js';

export enum CommonErrorCode {
  ValidationFailed = 'validation-failed',
  RouteNotFound = 'route-not-found',
  Unauthorized = 'unauthorized',
  DatabaseUnavailable = 'database-unavailable',
}

export class ValidationFailedError extends DomainError {
  constructor(fieldErrors: FieldError[], message = 'The request is invalid.') {
    super('invalid', CommonErrorCode.ValidationFailed, message, fieldErrors);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'A valid API key is required.') {
    super('unauthorized', CommonErrorCode.Unauthorized, message);
  }
}
