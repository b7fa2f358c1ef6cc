import { createHash, randomBytes } from 'node:crypto';

/** Endpoint URL tokens: 64 hex characters (256 bits). */
export function generateUrlToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * API keys are 256-bit random strings, so a fast hash is enough at rest (no password stretching needed:
 * there is nothing to brute-force). The prefix tells admin keys from endpoint keys in logs and leaks.
 */
export function generateApiKey(prefix: 'hf_admin' | 'hf_ep'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What lists show instead of a key: its prefix and last four characters. */
export function previewApiKey(key: string): string {
  const cut = key.lastIndexOf('_') + 1;
  return `${key.slice(0, cut)}…${key.slice(-4)}`;
}
