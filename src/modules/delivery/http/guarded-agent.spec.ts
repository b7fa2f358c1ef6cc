import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGuardedAgents, type GuardedAgentOptions, type GuardedAgents } from './guarded-agent.js';
import { assertWebhookUrlAllowed, parseAllowList, type HostResolver } from './ssrf-policy.js';
import { SSRF_BLOCKED_CODE, SsrfError } from './ssrf.errors.js';

interface Receiver {
  port: number;
  connections: number;
  requests: number;
  closedSockets: number;
}

interface Outcome {
  status?: number;
  body?: string;
  error?: Error & { code?: string };
}

let server: http.Server;
let receiver: Receiver;
let agents: GuardedAgents | undefined;

beforeEach(async () => {
  // Handlers update this test's counters even when a socket closes after the next test began.
  const counters: Receiver = { port: 0, connections: 0, requests: 0, closedSockets: 0 };
  receiver = counters;
  server = http.createServer((req, res) => {
    counters.requests += 1;
    const delayMs = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end(`hello from ${req.headers.host ?? '?'}`), delayMs);
  });
  server.on('connection', (socket) => {
    counters.connections += 1;
    socket.on('close', () => (counters.closedSockets += 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  agents?.httpAgent.destroy();
  agents?.httpsAgent.destroy();
  agents = undefined;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function guarded(options: Partial<GuardedAgentOptions> & { allow?: string[] }): GuardedAgents {
  agents = createGuardedAgents({ allowList: parseAllowList(options.allow ?? []), ...options });
  return agents;
}

function get(url: string, agent: http.Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (error) => resolve({ error }));
  });
}

const resolvesTo =
  (...addresses: string[]): HostResolver =>
  () =>
    Promise.resolve(addresses);

function expectBlocked(outcome: Outcome, reason: string): void {
  expect(outcome.error).toBeInstanceOf(SsrfError);
  expect(outcome.error?.code).toBe(SSRF_BLOCKED_CODE);
  expect((outcome.error as SsrfError).reason).toContain(reason);
}

describe('createGuardedAgents', () => {
  it('refuses an IP-literal loopback host before connecting', async () => {
    const { httpAgent } = guarded({});
    const outcome = await get(`http://127.0.0.1:${receiver.port}/`, httpAgent);
    expectBlocked(outcome, 'loopback');
    expect(receiver.connections).toBe(0);
  });

  it('refuses an IPv6 literal loopback host', async () => {
    const { httpAgent } = guarded({});
    expectBlocked(await get(`http://[::1]:${receiver.port}/`, httpAgent), 'loopback');
  });

  it('delivers to an IP-literal host inside an allowed CIDR', async () => {
    const { httpAgent } = guarded({ allow: ['127.0.0.0/8'] });
    const outcome = await get(`http://127.0.0.1:${receiver.port}/`, httpAgent);
    expect(outcome).toEqual({ status: 200, body: `hello from 127.0.0.1:${receiver.port}` });
  });

  it('dials the address its lookup checked (the name does not exist in real DNS)', async () => {
    const { httpAgent } = guarded({ allow: ['127.0.0.1'], resolve: resolvesTo('127.0.0.1') });
    const outcome = await get(`http://hooks.invalid:${receiver.port}/`, httpAgent);
    expect(outcome).toEqual({ status: 200, body: `hello from hooks.invalid:${receiver.port}` });
  });

  it('lets an allow-listed hostname through whatever it resolves to', async () => {
    const { httpAgent } = guarded({ allow: ['hooks.invalid'], resolve: resolvesTo('127.0.0.1') });
    expect((await get(`http://hooks.invalid:${receiver.port}/`, httpAgent)).status).toBe(200);
  });

  it('refuses a hostname when any resolved address is forbidden', async () => {
    const { httpAgent } = guarded({ resolve: resolvesTo('93.184.216.34', '127.0.0.1') });
    const outcome = await get(`http://hooks.invalid:${receiver.port}/`, httpAgent);
    expectBlocked(outcome, 'hooks.invalid resolves to a forbidden address (loopback address)');
    expect(receiver.connections).toBe(0);
  });

  it('defeats DNS rebinding: public at save time, loopback at connect time', async () => {
    const answers = [['93.184.216.34'], ['127.0.0.1']];
    const rebinding: HostResolver = () => Promise.resolve(answers.shift() ?? ['127.0.0.1']);
    const url = `http://rebind.invalid:${receiver.port}/`;
    await expect(
      assertWebhookUrlAllowed(url, { allowList: parseAllowList([]), resolve: rebinding }),
    ).resolves.toBeUndefined();

    const { httpAgent } = guarded({ resolve: rebinding });
    expectBlocked(await get(url, httpAgent), 'loopback');
    expect(receiver.connections).toBe(0);
  });

  it('passes DNS failures through unchanged', async () => {
    const failing: HostResolver = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    const { httpAgent } = guarded({ resolve: failing });
    const outcome = await get(`http://gone.invalid:${receiver.port}/`, httpAgent);
    expect(outcome.error?.code).toBe('ENOTFOUND');
  });

  it('guards the https agent too, for literals and for resolved names', async () => {
    const { httpsAgent } = guarded({ resolve: resolvesTo('169.254.169.254') });
    expectBlocked(await get(`https://127.0.0.1:${receiver.port}/`, httpsAgent), 'loopback');
    expectBlocked(await get(`https://metadata.invalid/`, httpsAgent), 'cloud metadata address');
    expect(receiver.connections).toBe(0);
  });

  it('reuses keep-alive connections', async () => {
    const { httpAgent } = guarded({ allow: ['127.0.0.1'] });
    for (let i = 0; i < 3; i += 1) {
      expect((await get(`http://127.0.0.1:${receiver.port}/`, httpAgent)).status).toBe(200);
    }
    expect(receiver.requests).toBe(3);
    expect(receiver.connections).toBe(1);
  });

  it('closes idle sockets after the free-socket timeout, but not busy ones', async () => {
    const { httpAgent } = guarded({ allow: ['127.0.0.1'], freeSocketTimeoutMs: 100 });
    // The response takes longer than the free-socket timeout and must still arrive.
    expect((await get(`http://127.0.0.1:${receiver.port}/?delay=300`, httpAgent)).status).toBe(200);
    expect(receiver.closedSockets).toBe(0);
    await expect.poll(() => receiver.closedSockets, { timeout: 2_000 }).toBe(1);
  });
});
