import { describe, expect, it } from 'vitest';
import { generateApiKey, generateUrlToken, hashApiKey, previewApiKey } from './tokens.js';

describe('tokens', () => {
  it('makes 64-hex URL tokens', () => {
    expect(generateUrlToken()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('previews a key by its prefix and last four characters only, even when the random part has underscores', () => {
    const key = 'hf_admin_abc_def_ghi_jkl_mno_pqr_stu_vwx_yz0_123';
    expect(previewApiKey(key)).toBe('hf_admin_…_123');
    expect(previewApiKey('my-own-configured-admin-key')).toBe('…-key');
    const generated = generateApiKey('hf_ep');
    expect(previewApiKey(generated)).toBe(`hf_ep_…${generated.slice(-4)}`);
  });

  it('hashes deterministically without revealing the key', () => {
    expect(hashApiKey('k')).toBe(hashApiKey('k'));
    expect(hashApiKey('k')).toMatch(/^[0-9a-f]{64}$/);
  });
});
