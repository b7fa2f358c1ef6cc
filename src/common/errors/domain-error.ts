/**
 * What a failure means to the caller, independent of transport. The problem filter maps each kind to an HTTP
 * status with an exhaustive switch, so adding a kind forces a decision there.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every error a service throws on purpose. `code` is the module's own code (from its `*.errors.ts`
 * enum) and becomes the problem `type`; `message` is safe to show to clients.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly fieldErrors?: FieldError[],
    /** Seconds, for `rate_limited` and `unavailable`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
