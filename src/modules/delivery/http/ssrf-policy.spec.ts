import { describe, expect, it } from 'vitest';
import {
  assertWebhookUrlAllowed,
  isForbiddenAddress,
  isHostAllowed,
  parseAllowList,
  type HostResolver,
} from './ssrf-policy.js';
import { InvalidAllowListEntryError, SSRF_BLOCKED_CODE, SsrfError } from './ssrf.errors.js';

const noAllowList = parseAllowList([]);

/** Fails the test's expectation on the reason if the guard ever consults DNS. */
const noDns: HostResolver = () => Promise.reject(new Error('DNS must not be consulted'));

const resolvesTo =
  (...addresses: string[]): HostResolver =>
  () =>
    Promise.resolve(addresses);

async function refusal(promise: Promise<void>): Promise<SsrfError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SsrfError);
  return error as SsrfError;
}

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'link-local'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.0.1', 'IETF'],
    ['192.0.0.192', 'IETF'],
    ['192.0.2.1', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['FE80::ABCD', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped address (embedded IPv4 loopback address)'],
    ['::ffff:7f00:1', 'IPv4-mapped address (embedded IPv4 loopback address)'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'IPv4-mapped address (embedded IPv4 private address)'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['64:ff9b::127.0.0.1', 'NAT64 address (embedded IPv4 loopback address)'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 address (embedded IPv4 loopback address)'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:0a00:0001::5', 'private'],
    ['2001::1', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['100::1', 'discard-only'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
    ['', 'not an IP address'],
    ['127.1', 'not an IP address'],
    ['0177.0.0.1', 'not an IP address'],
  ])('refuses %s (%s)', (ip, reason) => {
    const verdict = isForbiddenAddress(ip);
    expect(verdict.forbidden).toBe(true);
    expect(verdict.reason).toContain(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '198.20.0.1',
    '11.0.0.1',
    '223.255.255.254',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:830::200e',
    '::ffff:93.184.216.34',
    '64:ff9b::8.8.8.8',
    '2002:5db8:d822::1',
  ])('allows the public address %s', (ip) => {
    expect(isForbiddenAddress(ip)).toEqual({ forbidden: false });
  });
});

describe('parseAllowList / isHostAllowed', () => {
  const allowList = parseAllowList([
    'localhost',
    ' Hooks.Internal. ',
    '127.0.0.0/8',
    '::1/128',
    '10.1.2.3',
    '',
    'fd00::/8',
  ]);

  it.each([
    ['localhost', '127.0.0.1'],
    ['LOCALHOST.', '192.0.2.1'],
    ['hooks.internal', '10.9.9.9'],
    ['other.test', '127.5.5.5'],
    ['other.test', '::1'],
    ['other.test', '::ffff:127.0.0.1'],
    ['other.test', '::ffff:7f00:1'],
    ['other.test', '10.1.2.3'],
    ['other.test', 'fd00:ec2::254'],
    [undefined, '[::1]'],
  ])('exempts %s at %s', (hostname, ip) => {
    expect(isHostAllowed(hostname, ip, allowList)).toBe(true);
  });

  it.each([
    ['other.test', '10.1.2.4'],
    ['other.test', 'fe80::1'],
    ['sub.localhost', '192.168.0.1'],
    ['hooks.internal.evil.test', '10.0.0.1'],
    [undefined, undefined],
  ])('does not exempt %s at %s', (hostname, ip) => {
    expect(isHostAllowed(hostname, ip, allowList)).toBe(false);
  });

  it('exempts nothing when empty', () => {
    expect(isHostAllowed('localhost', '127.0.0.1', noAllowList)).toBe(false);
  });

  it.each([
    'http://localhost',
    'localhost:3000',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/x',
    '10.0.0.0/',
    'a b',
    '10.0.0.0/8/9',
    'fe80::1%eth0/64',
  ])('rejects the entry %j', (entry) => {
    expect(() => parseAllowList([entry])).toThrow(InvalidAllowListEntryError);
  });
});

describe('assertWebhookUrlAllowed', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1:8080/hook', 'loopback'],
    ['http://１２７.０.０.１/', 'loopback'],
    ['http://0/', 'unspecified'],
    ['http://0xa9fea9fe/latest/meta-data/', 'metadata'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[::1]:3000/', 'loopback'],
    ['http://[::]/', 'unspecified'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped'],
    ['https://[fd00:ec2::254]/', 'metadata'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://10.0.0.5:8443/hook', 'private'],
  ])('refuses the IP-literal URL %s without DNS', async (url, reason) => {
    const error = await refusal(assertWebhookUrlAllowed(url, { allowList: noAllowList, resolve: noDns }));
    expect(error.reason).toContain('is not allowed');
    expect(error.reason).toContain(reason);
    expect(error.code).toBe(SSRF_BLOCKED_CODE);
  });

  it.each([
    ['ftp://example.com/', 'http and https'],
    ['file:///etc/passwd', 'http and https'],
    ['gopher://example.com/', 'http and https'],
    ['https://user:pass@example.com/', 'credentials'],
    ['https://user@example.com/', 'credentials'],
    ['not a url', 'not a valid URL'],
  ])('refuses %s', async (url, reason) => {
    const error = await refusal(assertWebhookUrlAllowed(url, { allowList: noAllowList, resolve: noDns }));
    expect(error.reason).toContain(reason);
  });

  it('refuses a hostname that resolves to a loopback address', async () => {
    const check = assertWebhookUrlAllowed('https://hooks.example/x', {
      allowList: noAllowList,
      resolve: resolvesTo('127.0.0.1'),
    });
    const error = await refusal(check);
    expect(error.reason).toBe('hooks.example resolves to a forbidden address (loopback address)');
  });

  it('refuses when any one of the resolved addresses is forbidden, without naming it', async () => {
    const check = assertWebhookUrlAllowed('https://hooks.example/', {
      allowList: noAllowList,
      resolve: resolvesTo('93.184.216.34', '2606:4700::1111', '10.20.30.40'),
    });
    const error = await refusal(check);
    expect(error.reason).toContain('private address');
    expect(error.reason).not.toContain('10.20.30.40');
  });

  it('allows a hostname that resolves only to public addresses', async () => {
    await expect(
      assertWebhookUrlAllowed('https://hooks.example/x?y=1', {
        allowList: noAllowList,
        resolve: resolvesTo('93.184.216.34', '2606:4700::1111'),
      }),
    ).resolves.toBeUndefined();
  });

  it('allows public IP literals', async () => {
    await expect(
      assertWebhookUrlAllowed('https://93.184.216.34/', { allowList: noAllowList, resolve: noDns }),
    ).resolves.toBeUndefined();
    await expect(
      assertWebhookUrlAllowed('https://[2606:4700::1111]:8443/', { allowList: noAllowList, resolve: noDns }),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['a failing lookup', (): Promise<string[]> => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))],
    ['an empty answer', resolvesTo()],
  ])('refuses with "could not resolve" on %s', async (_, resolve) => {
    const error = await refusal(
      assertWebhookUrlAllowed('https://nowhere.example/', { allowList: noAllowList, resolve }),
    );
    expect(error.reason).toBe('could not resolve host nowhere.example');
  });

  it('resolves with the system resolver by default (localhost is loopback)', async () => {
    const error = await refusal(assertWebhookUrlAllowed('http://localhost:3000/', { allowList: noAllowList }));
    expect(error.reason).toContain('localhost resolves to a forbidden address (loopback address)');
  });

  describe('with an allow list', () => {
    const allowList = parseAllowList(['localhost', '127.0.0.0/8', 'fd00::/8']);

    it('exempts an allow-listed hostname without resolving it', async () => {
      await expect(
        assertWebhookUrlAllowed('http://localhost:3000/hook', { allowList, resolve: noDns }),
      ).resolves.toBeUndefined();
    });

    it('exempts IP literals and resolved addresses inside an allowed CIDR', async () => {
      await expect(
        assertWebhookUrlAllowed('http://127.0.0.1:3000/', { allowList, resolve: noDns }),
      ).resolves.toBeUndefined();
      await expect(
        assertWebhookUrlAllowed('http://2130706433/', { allowList, resolve: noDns }),
      ).resolves.toBeUndefined();
      await expect(
        assertWebhookUrlAllowed('http://[fd00:ec2::254]/', { allowList, resolve: noDns }),
      ).resolves.toBeUndefined();
      await expect(
        assertWebhookUrlAllowed('http://hooks.test/', { allowList, resolve: resolvesTo('127.0.0.2') }),
      ).resolves.toBeUndefined();
    });

    it('still refuses addresses outside the allow list', async () => {
      const error = await refusal(
        assertWebhookUrlAllowed('http://hooks.test/', { allowList, resolve: resolvesTo('127.0.0.2', '192.168.0.1') }),
      );
      expect(error.reason).toContain('private address');
    });
  });
});
