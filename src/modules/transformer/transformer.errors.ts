import { DomainError } from '../../common/errors/domain-error.js';

export enum TransformerErrorCode {
  SandboxClosed = 'sandbox-closed',
  SandboxOverloaded = 'sandbox-overloaded',
  SandboxUnavailable = 'sandbox-unavailable',
}

/** The runtime was closed (shutdown); runs still queued are refused. */
export class SandboxClosedError extends DomainError {
  constructor() {
    super('unavailable', TransformerErrorCode.SandboxClosed, 'The transformer sandbox is shutting down.');
  }
}

/** Too many runs are waiting for a worker; the caller should shed load rather than queue without bound. */
export class SandboxOverloadedError extends DomainError {
  constructor(queued: number) {
    super(
      'unavailable',
      TransformerErrorCode.SandboxOverloaded,
      `The transformer sandbox is overloaded (${queued} runs waiting).`,
      undefined,
      1,
    );
  }
}

/** Workers cannot start (for example the WebAssembly engine failed to load). */
export class SandboxUnavailableError extends DomainError {
  constructor(reason: string) {
    super('unavailable', TransformerErrorCode.SandboxUnavailable, `The transformer sandbox cannot start: ${reason}`);
  }
}
