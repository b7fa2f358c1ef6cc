import { parseIp } from '../delivery/http/ip-address.util.js';

/**
 * IP masking as analytics tools do it: keep the network, drop the host — IPv4 to its /24 (`203.0.113.7` →
 * `203.0.113.0`), IPv6 to its /48 (`2001:db8:abcd:12::1` → `2001:db8:abcd::`), an IPv4-mapped IPv6 address
 * by its IPv4 part. Anything that is not an IP address masks to null (nothing is stored).
 */
export function maskIpAddress(ip: string): string | null {
  const parsed = parseIp(ip);
  if (!parsed) return null;
  if (parsed.family === 4) return [...parsed.bytes.subarray(0, 3), 0].join('.');
  const bytes = parsed.bytes;
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${[...bytes.subarray(12, 15), 0].join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 3; i++) groups.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  while (groups.length > 0 && groups.at(-1) === 0) groups.pop();
  return `${groups.map((group) => group.toString(16)).join(':')}::`;
}

/** The client IP as it may be stored for an endpoint: masked under `maskIPAddress`, null when unknown. */
export function clientIpToStore(
  ip: string | null | undefined,
  dataProtection: { maskIPAddress: boolean },
): string | null {
  if (!ip) return null;
  return dataProtection.maskIPAddress ? maskIpAddress(ip) : ip;
}
