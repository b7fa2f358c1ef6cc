import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedAgents, type GuardedAgents } from './guarded-agent.js';
import { OutboundHttpClient, type OutboundRequest, type OutboundResponse } from './outbound-http.client.js';
import { parseAllowList, type HostResolver } from './ssrf-policy.js';
import { WebhookPoster } from './webhook-poster.js';

const FIVE_MB = 5 * 1024 * 1024;

interface Seen {
  method?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const hits = new Map<string, number>();
/** The client port of the last request to each path: the same port means the same (kept-alive) connection. */
const ports = new Map<string, number | undefined>();
const seen: Seen[] = [];
let endlessClosed = 0;
/** Client ports of the connections the receiver has open. */
const openPorts = new Set<number | undefined>();

/** Writes `chunk` until `total` bytes (or forever) while honouring backpressure. */
function pump(res: http.ServerResponse, chunk: Buffer, total = Infinity): void {
  let sent = 0;
  const write = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    if (!res.destroyed) res.end();
  };
  write();
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://receiver');
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
  ports.set(url.pathname, req.socket.remotePort);
  switch (url.pathname) {
    case '/echo':
      seen.push({ method: req.method, headers: req.headers, body });
      return void res.writeHead(200, { 'content-type': 'text/plain', 'x-test': ['a', 'b'] }).end('echoed');
    case '/redirect':
      return void res.writeHead(302, { location: '/target' }).end();
    case '/status':
      res.statusCode = Number(url.searchParams.get('code'));
      if (url.searchParams.has('retryAfter')) res.setHeader('retry-after', url.searchParams.get('retryAfter') ?? '');
      return void res.end(`status ${res.statusCode}`);
    case '/hang':
      return;
    case '/stall-body':
      res.writeHead(200, { 'content-length': '100' });
      return void res.write('partial');
    case '/huge':
      res.writeHead(200, { 'content-length': String(FIVE_MB) });
      return pump(res, Buffer.alloc(64 * 1024, 'x'), FIVE_MB);
    case '/endless':
      res.on('close', () => (endlessClosed += 1));
      res.writeHead(200, { 'content-type': 'text/plain' });
      return pump(res, Buffer.alloc(64 * 1024, 'y'));
    case '/utf8':
      return void res.end('é'.repeat(10));
    case '/gzip':
      // Compresses only when asked to, as receivers do.
      if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return void res.end('plain text');
      return void res.writeHead(200, { 'content-encoding': 'gzip', 'x-compressed': 'yes' }).end(gzipSync('plain text'));
    default:
      return void res.writeHead(404).end('target');
  }
}

let server: http.Server;
let base: string;
let agents: GuardedAgents;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (socket) => {
    const port = socket.remotePort;
    openPorts.add(port);
    socket.on('close', () => openPorts.delete(port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agents = createGuardedAgents({ allowList: parseAllowList(['127.0.0.0/8', '::1']) });
});

afterEach(() => {
  hits.clear();
  ports.clear();
  seen.length = 0;
});

/** Closes every pool of a set of agents (sockets and, for undici, requests still queued). */
async function destroyAgents(guarded: GuardedAgents): Promise<void> {
  guarded.httpAgent.destroy();
  guarded.httpsAgent.destroy();
  await guarded.dispatcher.destroy();
}

afterAll(async () => {
  await destroyAgents(agents);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function expectOk(result: OutboundResponse): Extract<OutboundResponse, { ok: true }> {
  if (!result.ok) throw new Error(`expected a response, got ${result.code}: ${result.error}`);
  return result;
}

function expectFailure(result: OutboundResponse): Extract<OutboundResponse, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got status ${result.statusCode}`);
  return result;
}

interface Poster {
  post(request: Omit<OutboundRequest, 'method'>): Promise<OutboundResponse>;
}

/** Webhooks go out through either client: both must behave the same, row for row. */
const implementations: { name: string; create: (agents: GuardedAgents) => Poster }[] = [
  { name: 'OutboundHttpClient (axios)', create: (guarded) => new OutboundHttpClient(axios.create(), guarded) },
  { name: 'WebhookPoster (undici)', create: (guarded) => new WebhookPoster(guarded) },
];

describe.each(implementations)('$name', ({ create }) => {
  let client: Poster;

  beforeAll(() => {
    client = create(agents);
  });

  it('sends a string body byte for byte with the given headers', async () => {
    const body = '  {"text": "héllo"}\n';
    const result = expectOk(
      await client.post({ url: `${base}/echo`, headers: { 'webhook-id': 'msg_1' }, body, timeoutMs: 2_000 }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.bodyText).toBe('echoed');
    expect(result.headers['content-type']).toBe('text/plain');
    expect(result.headers['x-test']).toBe('a, b');
    expect(result.retryAfterMs).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        body,
        headers: expect.objectContaining({
          'webhook-id': 'msg_1',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        }) as object,
      }),
    ]);
    expect(seen[0]?.headers['transfer-encoding']).toBeUndefined();
  });

  it('serialises an object body as JSON and keeps a caller-provided content type', async () => {
    await client.post({
      url: `${base}/echo`,
      headers: { 'Content-Type': 'application/vnd.test+json' },
      body: { a: [1, 2] },
      timeoutMs: 2_000,
    });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: '{"a":[1,2]}',
      headers: { 'content-type': 'application/vnd.test+json' },
    });
  });

  it('returns a redirect as a status and never follows it', async () => {
    const result = expectOk(await client.post({ url: `${base}/redirect`, body: '{}', timeoutMs: 2_000 }));
    expect(result.statusCode).toBe(302);
    expect(result.headers.location).toBe('/target');
    expect(hits.get('/target')).toBeUndefined();
  });

  it('returns error statuses instead of throwing, with Retry-After in ms', async () => {
    const seconds = expectOk(await client.post({ url: `${base}/status?code=503&retryAfter=120`, timeoutMs: 2_000 }));
    expect(seconds).toMatchObject({ statusCode: 503, bodyText: 'status 503', retryAfterMs: 120_000 });

    const date = new Date(Date.now() + 60_000).toUTCString();
    const dated = expectOk(await client.post({ url: `${base}/status?code=429&retryAfter=${date}`, timeoutMs: 2_000 }));
    expect(dated.retryAfterMs).toBeGreaterThan(55_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('times out a receiver that never answers, within the limit', async () => {
    const result = expectFailure(await client.post({ url: `${base}/hang`, body: '{}', timeoutMs: 300 }));
    expect(result.code).toBe('timeout');
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('counts DNS resolution against the deadline', async () => {
    const hanging: HostResolver = () => new Promise(() => {});
    const slowAgents = createGuardedAgents({ allowList: parseAllowList(['127.0.0.0/8']), resolve: hanging });
    try {
      const port = new URL(base).port;
      const url = `http://slow-dns.invalid:${port}/echo`;
      const result = expectFailure(await create(slowAgents).post({ url, body: '{}', timeoutMs: 300 }));
      expect(result).toMatchObject({ code: 'timeout', error: 'no response within 300 ms' });
      expect(result.durationMs).toBeLessThan(1_500);
    } finally {
      await destroyAgents(slowAgents);
    }
  });

  it('keeps the status when the body stalls past the deadline', async () => {
    const result = expectOk(await client.post({ url: `${base}/stall-body`, timeoutMs: 300 }));
    expect(result).toMatchObject({ statusCode: 200, bodyText: 'partial' });
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('reads only the first 4096 bytes of a 5 MB response', async () => {
    const result = expectOk(await client.post({ url: `${base}/huge`, timeoutMs: 5_000 }));
    expect(result.bodyText).toBe('x'.repeat(4096));
  });

  it('stops reading an endless response at the cap and drops the connection', async () => {
    const closedBefore = endlessClosed;
    const result = expectOk(await client.post({ url: `${base}/endless`, timeoutMs: 10_000, maxResponseBytes: 100 }));
    expect(result.bodyText).toBe('y'.repeat(100));
    expect(result.durationMs).toBeLessThan(5_000);
    await expect.poll(() => endlessClosed, { timeout: 2_000 }).toBe(closedBefore + 1);
    // The dropped connection never goes back to the pool: the next webhook gets a working one.
    expect(expectOk(await client.post({ url: `${base}/echo`, timeoutMs: 2_000 })).statusCode).toBe(200);
    expect(ports.get('/echo')).not.toBe(ports.get('/endless'));
  });

  /**
   * The connection that carried /status went back to the pool: still open after another exchange (node:http then
   * reuses that very socket; undici's pool may pick another idle one).
   */
  const expectKeptAlive = async (): Promise<void> => {
    expectOk(await client.post({ url: `${base}/echo`, body: '{}', timeoutMs: 2_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ports.get('/status')).toBeDefined();
    expect(openPorts.has(ports.get('/status'))).toBe(true);
  };

  it('reuses the connection once a response was read to its end', async () => {
    expectOk(await client.post({ url: `${base}/status?code=200`, body: '{}', timeoutMs: 2_000 }));
    await expectKeptAlive();
  });

  it('reuses the connection when the whole response arrived, even past the cap', async () => {
    const capped = expectOk(
      await client.post({ url: `${base}/status?code=200`, timeoutMs: 2_000, maxResponseBytes: 5 }),
    );
    expect(capped.bodyText).toBe('statu');
    await expectKeptAlive();
  });

  it('never splits a UTF-8 character at the cap', async () => {
    const result = expectOk(await client.post({ url: `${base}/utf8`, timeoutMs: 2_000, maxResponseBytes: 5 }));
    expect(result.bodyText).toBe('éé');
  });

  it('logs a readable body whether or not it asks for compression', async () => {
    const result = expectOk(await client.post({ url: `${base}/gzip`, timeoutMs: 2_000 }));
    expect(result.bodyText).toBe('plain text');
  });

  it('sends credentials from the URL as basic auth, in place of an Authorization header', async () => {
    const url = `${base.replace('://', '://hook%40user:p%3Ass@')}/echo`;
    await client.post({ url, headers: { Authorization: 'Bearer other' }, body: '{}', timeoutMs: 2_000 });
    const expected = `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`;
    expect(seen[0]?.headers.authorization).toBe(expected);
  });

  it('reaches an IPv6 literal host', async (context) => {
    const v6 = http.createServer((_req, res) => res.end('over v6'));
    const listening = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return context.skip('no IPv6 loopback on this machine');
    try {
      const url = `http://[::1]:${(v6.address() as AddressInfo).port}/`;
      expect(expectOk(await client.post({ url, body: '{}', timeoutMs: 2_000 })).bodyText).toBe('over v6');
    } finally {
      v6.closeAllConnections();
      await new Promise((resolve) => v6.close(resolve));
    }
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = expectFailure(await client.post({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000 }));
    expect(result.code).toBe('connection');
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('refuses non-http schemes that axios would otherwise handle itself', async () => {
    for (const url of ['data:text/plain,hello', 'file:///etc/passwd']) {
      expect(expectFailure(await client.post({ url, timeoutMs: 1_000 })).code).toBe('ssrf');
    }
    expect(expectFailure(await client.post({ url: 'not a url', timeoutMs: 1_000 }))).toMatchObject({
      code: 'other',
      error: 'invalid URL',
    });
  });

  it('ignores proxy environment variables', async () => {
    const saved = {
      http_proxy: process.env.http_proxy,
      no_proxy: process.env.no_proxy,
      NO_PROXY: process.env.NO_PROXY,
    };
    // A proxy that refuses connections: using it would turn the 200 into a connection failure.
    Object.assign(process.env, { http_proxy: 'http://127.0.0.1:9/', no_proxy: '', NO_PROXY: '' });
    try {
      expect(expectOk(await client.post({ url: `${base}/echo`, timeoutMs: 2_000 })).statusCode).toBe(200);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  describe('through the SSRF guard', () => {
    it('refuses a loopback receiver that is not allow-listed', async () => {
      const strictAgents = createGuardedAgents({ allowList: parseAllowList([]) });
      const strict = create(strictAgents);
      const result = expectFailure(await strict.post({ url: `${base}/echo`, body: '{}', timeoutMs: 2_000 }));
      expect(result.code).toBe('ssrf');
      expect(result.error).toContain('loopback');
      expect(hits.get('/echo')).toBeUndefined();
      await destroyAgents(strictAgents);
    });

    it('dials https through the guarded agent too', async () => {
      const strictAgents = createGuardedAgents({ allowList: parseAllowList([]) });
      const url = `${base.replace('http:', 'https:')}/echo`;
      const result = expectFailure(await create(strictAgents).post({ url, body: '{}', timeoutMs: 2_000 }));
      expect(result.code).toBe('ssrf');
      expect(result.error).toContain('loopback');
      await destroyAgents(strictAgents);
    });

    it('refuses a hostname that resolves to loopback at connect time', async () => {
      const resolve: HostResolver = () => Promise.resolve(['127.0.0.1']);
      const strictAgents = createGuardedAgents({ allowList: parseAllowList([]), resolve });
      const strict = create(strictAgents);
      const port = new URL(base).port;
      const result = expectFailure(await strict.post({ url: `http://rebind.invalid:${port}/echo`, timeoutMs: 2_000 }));
      expect(result).toMatchObject({ code: 'ssrf' });
      expect(result.error).toContain('rebind.invalid resolves to a forbidden address (loopback address)');
      await destroyAgents(strictAgents);
    });
  });
});

/** A self-signed certificate for localhost and 127.0.0.1 (openssl's), or null where there is no openssl. */
function selfSignedCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost'].concat(
        ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        ['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(implementations)('$name over https', ({ create }) => {
  const tls = selfSignedCertificate();
  let receiver: https.Server;
  let port: number;
  let trusting: GuardedAgents;

  beforeAll(async () => {
    if (!tls) return;
    receiver = https.createServer(tls, (req, res) => {
      req.resume();
      req.on('end', () => res.end(`tls to ${req.headers.host}`));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    // Every name resolves to the receiver, as a DNS answer pointing elsewhere than the certificate's names would.
    const resolve: HostResolver = () => Promise.resolve(['127.0.0.1']);
    trusting = createGuardedAgents({ allowList: parseAllowList(['127.0.0.0/8']), resolve, ca: tls.cert });
  });
  afterAll(async () => {
    if (!tls) return;
    await destroyAgents(trusting);
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it.skipIf(!tls)('posts to a receiver whose certificate it trusts, by name and by address', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const url = `https://${host}:${port}/hook`;
      const result = expectOk(await create(trusting).post({ url, body: '{}', timeoutMs: 2_000 }));
      expect(result).toMatchObject({ statusCode: 200, bodyText: `tls to ${host}:${port}` });
    }
  });

  it.skipIf(!tls)('checks the certificate against the host in the URL, not the address it dialled', async () => {
    const url = `https://elsewhere.test:${port}/hook`;
    const result = expectFailure(await create(trusting).post({ url, body: '{}', timeoutMs: 2_000 }));
    expect(result.error).toMatch(/does not match|altnames/i);
  });

  it.skipIf(!tls)('refuses a certificate it does not trust', async () => {
    const untrusting = createGuardedAgents({ allowList: parseAllowList(['127.0.0.0/8']) });
    try {
      const url = `https://localhost:${port}/hook`;
      const result = expectFailure(await create(untrusting).post({ url, body: '{}', timeoutMs: 2_000 }));
      expect(result.error).toContain('self-signed certificate');
    } finally {
      await destroyAgents(untrusting);
    }
  });
});

describe('OutboundHttpClient', () => {
  let client: OutboundHttpClient;

  beforeAll(() => {
    client = new OutboundHttpClient(axios.create(), agents);
  });

  it('sends the given method', async () => {
    await client.request({ method: 'PUT', url: `${base}/echo`, body: { a: [1, 2] }, timeoutMs: 2_000 });
    expect(seen[0]).toMatchObject({ method: 'PUT', body: '{"a":[1,2]}' });
  });

  it('overrides unsafe defaults of the shared axios instance', async () => {
    const permissive = axios.create({ maxRedirects: 5, validateStatus: (status) => status < 300, timeout: 1 });
    const result = expectOk(
      await new OutboundHttpClient(permissive, agents).post({ url: `${base}/redirect`, body: '{}', timeoutMs: 2_000 }),
    );
    expect(result.statusCode).toBe(302);
    expect(hits.get('/target')).toBeUndefined();
  });

  it('sends the exact body even when the shared instance transforms requests', async () => {
    const transforming = axios.create({ transformRequest: [() => 'mangled'] });
    await new OutboundHttpClient(transforming, agents).post({
      url: `${base}/echo`,
      body: '{"signed":true}',
      timeoutMs: 2_000,
    });
    expect(seen[0]?.body).toBe('{"signed":true}');
  });

  it('asks for compression and decompresses', async () => {
    const result = expectOk(await client.post({ url: `${base}/gzip`, timeoutMs: 2_000 }));
    expect(result).toMatchObject({ bodyText: 'plain text', headers: { 'x-compressed': 'yes' } });
  });
});

describe('WebhookPoster', () => {
  // Unlike axios it neither asks for compression nor decompresses: only a few KB are kept, for the log.
  it('does not ask for compression', async () => {
    const result = expectOk(await new WebhookPoster(agents).post({ url: `${base}/gzip`, timeoutMs: 2_000 }));
    expect(result.headers['x-compressed']).toBeUndefined();
    expect(result.bodyText).toBe('plain text');
  });
});
