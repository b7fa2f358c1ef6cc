import { DomainError } from '../../common/errors/domain-error.js';
import type { HookName, RunError } from './transformer.types.js';

export enum TransformerErrorCode {
  SandboxClosed = 'sandbox-closed',
  SandboxOverloaded = 'sandbox-overloaded',
  SandboxUnavailable = 'sandbox-unavailable',
  TransformerFailed = 'transformer-failed',
  TransformerCodeMissing = 'transformer-code-missing',
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

/** A transformer function failed on an endpoint with `abortOnError`: the message stops (ingestion answers 422). */
export class TransformerFailedError extends DomainError {
  constructor(hook: HookName, error: RunError, maskLogging = false) {
    super(
      'unprocessable',
      TransformerErrorCode.TransformerFailed,
      `${hook} failed: ${describeRunError(error, maskLogging)}`,
    );
  }
}

/** A dry run needs code: the endpoint has none stored and the request sent none. */
export class TransformerCodeMissingError extends DomainError {
  constructor(endpointId: string) {
    super(
      'unprocessable',
      TransformerErrorCode.TransformerCodeMissing,
      `Endpoint ${endpointId} has no transformer code; send \`code\` to test unsaved code.`,
    );
  }
}

/**
 * `<message> (line L, column C)`, the location only when known. `withhold`: for endpoints with maskLogging the
 * message — free text of user code that may quote user data — is reduced to its error name.
 */
export function describeRunError(error: Pick<RunError, 'message' | 'line' | 'column'>, withhold = false): string {
  const message = withhold
    ? `${/^[A-Za-z]*Error\b/.exec(error.message)?.[0] ?? 'Error'} (message masked)`
    : error.message;
  if (error.line === undefined) return message;
  return `${message} (line ${error.line}${error.column === undefined ? '' : `, column ${error.column}`})`;
}
