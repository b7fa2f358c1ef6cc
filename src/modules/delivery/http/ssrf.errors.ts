export const SSRF_BLOCKED_CODE = 'ERR_SSRF_BLOCKED';

/**
 * An outbound URL or connection refused by the SSRF guard. `reason` is safe to show to the
 * user who configured the URL: it never contains the addresses a hostname resolved to, so the
 * guard cannot be used to map the internal network through DNS.
 */
export class SsrfError extends Error {
  readonly code = SSRF_BLOCKED_CODE;

  constructor(readonly reason: string) {
    super(`refused by the SSRF guard: ${reason}`);
    this.name = 'SsrfError';
  }
}

export function isSsrfError(error: unknown): error is SsrfError {
  return error instanceof SsrfError;
}

/** A `WEBHOOK_ALLOWED_HOSTS` entry that is neither a hostname, an IP literal nor a CIDR. */
export class InvalidAllowListEntryError extends Error {
  constructor(
    readonly entry: string,
    detail: string,
  ) {
    super(`invalid allow-list entry "${entry}": ${detail}`);
    this.name = 'InvalidAllowListEntryError';
  }
}
