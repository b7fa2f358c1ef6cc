import { DomainError, type FieldError } from './domain-error.js';

export enum CommonErrorCode {
  ValidationFailed = 'validation-failed',
  RouteNotFound = 'route-not-found',
  Unauthorized = 'unauthorized',
  DatabaseUnavailable = 'database-unavailable',
  UnsupportedMediaType = 'unsupported-media-type',
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

export class NotJsonError extends DomainError {
  constructor() {
    super('unsupported_media_type', CommonErrorCode.UnsupportedMediaType, 'The request body must be application/json.');
  }
}
