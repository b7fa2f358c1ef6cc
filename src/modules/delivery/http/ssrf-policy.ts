import { BlockList } from 'node:net';
import { lookup } from 'node:dns/promises';
import { formatIpv4, hasPrefix, parseIp, stripIpDecorations, type ParsedIp } from './ip-address.util.js';
import { InvalidAllowListEntryError, SsrfError } from './ssrf.errors.js';

export interface AddressVerdict {
  forbidden: boolean;
  reason?: string;
}

/** Resolves a hostname to every address it has (A and AAAA), as the connection would. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const resolveHost: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

interface RangeRule {
  readonly list: BlockList;
  readonly reason: string;
}

function rangeRules(type: 'ipv4' | 'ipv6', ranges: ReadonlyArray<readonly [string, number, string]>): RangeRule[] {
  return ranges.map(([network, prefix, reason]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return { list, reason };
  });
}

// Everything IANA lists as not globally reachable, documentation ranges included (nothing
// legitimate listens there). Order matters: the first match names the reason, so the specific
// metadata and broadcast addresses come before the blocks that contain them.
const IPV4_RULES = rangeRules('ipv4', [
  ['169.254.169.254', 32, 'cloud metadata address'],
  ['168.63.129.16', 32, 'cloud metadata address (Azure)'],
  ['100.100.100.200', 32, 'cloud metadata address (Alibaba Cloud)'],
  ['255.255.255.255', 32, 'broadcast address'],
  ['0.0.0.0', 8, 'unspecified address'],
  ['127.0.0.0', 8, 'loopback address'],
  ['10.0.0.0', 8, 'private address'],
  ['172.16.0.0', 12, 'private address'],
  ['192.168.0.0', 16, 'private address'],
  ['169.254.0.0', 16, 'link-local address'],
  ['100.64.0.0', 10, 'carrier-grade NAT address'],
  ['192.0.0.0', 24, 'IETF protocol assignment address'],
  ['192.0.2.0', 24, 'documentation address'],
  ['198.51.100.0', 24, 'documentation address'],
  ['203.0.113.0', 24, 'documentation address'],
  ['198.18.0.0', 15, 'benchmarking address'],
  ['192.88.99.0', 24, '6to4 relay anycast address'],
  ['224.0.0.0', 4, 'multicast address'],
  ['240.0.0.0', 4, 'reserved address'],
]);

// Checked only for IPv6 addresses that embed no IPv4 address (those are handled first).
const IPV6_RULES = rangeRules('ipv6', [
  ['fd00:ec2::254', 128, 'cloud metadata address (AWS)'],
  ['fe80::', 10, 'link-local address'],
  ['fec0::', 10, 'site-local address'],
  ['fc00::', 7, 'unique local address'],
  ['ff00::', 8, 'multicast address'],
  ['100::', 64, 'discard-only address'],
  ['2001:2::', 48, 'benchmarking address'],
  ['2001:10::', 28, 'ORCHID address'],
  ['2001:20::', 28, 'ORCHID address'],
  ['2001:db8::', 32, 'documentation address'],
  ['3fff::', 20, 'documentation address'],
  ['64:ff9b:1::', 48, 'local-use NAT64 address'],
  ['::ffff:0:0:0', 96, 'IPv4-translated address'],
]);

const FIRST_96_BITS_ZERO = new Array<number>(12).fill(0);
const IPV4_MAPPED_PREFIX = [...new Array<number>(10).fill(0), 0xff, 0xff];
const NAT64_PREFIX = [0x00, 0x64, 0xff, 0x9b, ...new Array<number>(8).fill(0)];
const SIX_TO_FOUR_PREFIX = [0x20, 0x02];
const TEREDO_PREFIX = [0x20, 0x01, 0x00, 0x00];

function classifyIpv4(ip: string): string | undefined {
  return IPV4_RULES.find((rule) => rule.list.check(ip, 'ipv4'))?.reason;
}

/** Translation forms reach the IPv4 address they carry, so that address decides. */
function classifyEmbedded(form: string, ipv4: Uint8Array): string | undefined {
  const inner = classifyIpv4(formatIpv4(ipv4));
  return inner && `${form} address (embedded IPv4 ${inner})`;
}

function classifyIpv6(ip: ParsedIp): string | undefined {
  const bytes = ip.bytes;
  if (hasPrefix(bytes, FIRST_96_BITS_ZERO)) {
    const low = bytes.subarray(12).join('.');
    if (low === '0.0.0.0') return 'unspecified address';
    if (low === '0.0.0.1') return 'loopback address';
    return 'IPv4-compatible address (deprecated)';
  }
  if (hasPrefix(bytes, IPV4_MAPPED_PREFIX)) return classifyEmbedded('IPv4-mapped', bytes.subarray(12));
  if (hasPrefix(bytes, NAT64_PREFIX)) return classifyEmbedded('NAT64', bytes.subarray(12));
  if (hasPrefix(bytes, SIX_TO_FOUR_PREFIX)) return classifyEmbedded('6to4', bytes.subarray(2, 6));
  // Teredo tunnels to an obfuscated IPv4 address through a relay: refuse it outright.
  if (hasPrefix(bytes, TEREDO_PREFIX)) return 'Teredo address';
  const rule = IPV6_RULES.find((candidate) => candidate.list.check(ip.text, 'ipv6'));
  if (rule) return rule.reason;
  // Outside 2000::/3 everything is special-purpose or unassigned.
  if ((bytes[0] & 0xe0) !== 0x20) return 'reserved address';
  return undefined;
}

/** Whether dialling `ip` could reach something other than the public internet. */
export function isForbiddenAddress(ip: string): AddressVerdict {
  const parsed = parseIp(ip);
  if (!parsed) return { forbidden: true, reason: 'not an IP address' };
  const reason = parsed.family === 4 ? classifyIpv4(parsed.text) : classifyIpv6(parsed);
  return reason ? { forbidden: true, reason } : { forbidden: false };
}

export interface AllowList {
  /** Lower-case hostnames without a trailing dot. */
  readonly hostnames: ReadonlySet<string>;
  /** IP literals (as /32 or /128) and CIDRs. */
  readonly addresses: BlockList;
}

const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

function normaliseHostname(hostname: string): string {
  const lower = stripIpDecorations(hostname).toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function addCidr(addresses: BlockList, entry: string): void {
  const [network, prefixText, ...rest] = entry.split('/');
  const parsed = parseIp(network);
  if (rest.length > 0) throw new InvalidAllowListEntryError(entry, 'expected address/prefix');
  if (!parsed || parsed.text !== network) {
    throw new InvalidAllowListEntryError(entry, 'the network is not an IP address');
  }
  const maxPrefix = parsed.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
    throw new InvalidAllowListEntryError(entry, `the prefix length must be 0-${maxPrefix}`);
  }
  addresses.addSubnet(parsed.text, prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
}

/** Parses `WEBHOOK_ALLOWED_HOSTS` entries: hostnames (exact match), IP literals and CIDRs. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hostnames = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry.includes('/')) {
      addCidr(addresses, entry);
      continue;
    }
    const ip = parseIp(entry);
    if (ip) {
      addresses.addAddress(ip.text, ip.family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const hostname = normaliseHostname(entry);
    if (!HOSTNAME_PATTERN.test(hostname)) {
      throw new InvalidAllowListEntryError(entry, 'expected a hostname (no scheme or port), an IP address or a CIDR');
    }
    hostnames.add(hostname);
  }
  return { hostnames, addresses };
}

/** A host is exempt from the guard when its name or the address being dialled is listed. */
export function isHostAllowed(hostname: string | undefined, ip: string | undefined, allowList: AllowList): boolean {
  if (hostname !== undefined && allowList.hostnames.has(normaliseHostname(hostname))) return true;
  const parsed = ip === undefined ? undefined : parseIp(ip);
  return parsed !== undefined && allowList.addresses.check(parsed.text, parsed.family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Throws unless every address `host` resolved to may be dialled: one forbidden answer is
 * enough to refuse, since the connection may pick any of them.
 */
export function assertAddressesAllowed(host: string, addresses: readonly string[], allowList: AllowList): void {
  if (addresses.length === 0) throw new SsrfError(`could not resolve host ${host}`);
  if (isHostAllowed(host, undefined, allowList)) return;
  const literal = parseIp(host) !== undefined;
  for (const address of addresses) {
    if (isHostAllowed(undefined, address, allowList)) continue;
    const verdict = isForbiddenAddress(address);
    if (!verdict.forbidden) continue;
    const reason = verdict.reason ?? 'forbidden address';
    throw new SsrfError(
      literal ? `${host} is not allowed (${reason})` : `${host} resolves to a forbidden address (${reason})`,
    );
  }
}

export interface WebhookUrlCheckOptions {
  allowList: AllowList;
  resolve?: HostResolver;
}

function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SsrfError('not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SsrfError('only http and https URLs are allowed');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new SsrfError('credentials in the URL are not allowed; use the basic-auth settings');
  }
  if (parsed.hostname === '') throw new SsrfError('the URL has no host');
  return parsed;
}

/**
 * Save-time check of a user-supplied URL. The connection itself is checked again by the
 * guarded agents, since DNS may answer differently by then (rebinding).
 */
export async function assertWebhookUrlAllowed(url: string, opts: WebhookUrlCheckOptions): Promise<void> {
  // WHATWG parsing already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1.
  const host = normaliseHostname(parseWebhookUrl(url).hostname);
  if (parseIp(host)) {
    assertAddressesAllowed(host, [host], opts.allowList);
    return;
  }
  if (isHostAllowed(host, undefined, opts.allowList)) return;
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? resolveHost)(host);
  } catch {
    throw new SsrfError(`could not resolve host ${host}`);
  }
  assertAddressesAllowed(host, addresses, opts.allowList);
}
