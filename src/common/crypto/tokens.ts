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

/**
 * What lists show instead of a key: our prefix (when it is one of ours) and the last four characters. The random
 * part is base64url and may itself contain '_', so the prefix is matched, not searched for.
 */
export function previewApiKey(key: string): string {
  const prefix = /^hf_(admin|ep)_/.exec(key)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}
