import { describe, expect, it } from 'vitest';
import { clientIpToStore, maskIpAddress } from './client-ip.util.js';

describe('client IP masking', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['203.0.113.0', '203.0.113.0'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8::'],
    ['::1', '::'],
    ['::ffff:198.51.100.9', '::ffff:198.51.100.0'],
    ['[fe80::1%eth0]', 'fe80::'],
    ['not an ip', null],
  ])('masks %s as %s', (ip, masked) => {
    expect(maskIpAddress(ip)).toBe(masked);
  });

  it('stores the address as is, masked, or not at all', () => {
    expect(clientIpToStore('203.0.113.77', { maskIPAddress: false })).toBe('203.0.113.77');
    expect(clientIpToStore('203.0.113.77', { maskIPAddress: true })).toBe('203.0.113.0');
    expect(clientIpToStore(undefined, { maskIPAddress: true })).toBeNull();
  });
});
