import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export interface ParsedIp {
  /** The address as given, without brackets or zone id. */
  readonly text: string;
  readonly family: IpFamily;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
}

/**
 * Strips `[...]` and a zone id (`fe80::1%eth0`): `BlockList.check` silently answers `false`
 * for an address carrying a zone id, which would let a link-local address through.
 */
export function stripIpDecorations(ip: string): string {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  return zone === -1 ? text : text.slice(0, zone);
}

/** Parses an IPv4 or IPv6 literal; undefined when it is neither. */
export function parseIp(ip: string): ParsedIp | undefined {
  const text = stripIpDecorations(ip);
  const family = isIP(text);
  if (family === 4) return { text, family, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (family === 6) return { text, family, bytes: ipv6Bytes(text) };
  return undefined;
}

/** Expands an IPv6 literal already validated by `net.isIP`, including a trailing dotted quad. */
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let hex = text;
  let dottedTail: number[] | undefined;
  const lastColon = hex.lastIndexOf(':');
  if (hex.includes('.', lastColon)) {
    dottedTail = hex
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    hex = `${hex.slice(0, lastColon + 1)}0:0`;
  }
  const [head, tail] = hex.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  if (dottedTail) bytes.set(dottedTail, 12);
  return bytes;
}

export function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** True when `bytes` starts with the given prefix bytes. */
export function hasPrefix(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((value, i) => bytes[i] === value);
}
