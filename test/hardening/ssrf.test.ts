import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { overrideDns } from './support/dns-override.js';
import { FaultReceiver } from './support/fault-receiver.js';

/**
 * Only 127.0.0.2 (a loopback alias where the legitimate receiver listens) is allow-listed. Canary servers on
 * 127.0.0.1 and [::1] stand for internal services: no request may ever reach them.
 */
const ALLOWED = '127.0.0.2';

/** Addresses that must be refused, each as an attacker would spell it; `{p}` is the IPv4 canary's port. */
const FORBIDDEN_URLS: Array<[string, string]> = [
  ['IPv4 loopback', 'http://127.0.0.1:{p}/'],
  ['IPv4 loopback, short form', 'http://127.1:{p}/'],
  ['IPv4 loopback, decimal', 'http://2130706433:{p}/'],
  ['IPv4 loopback, hex', 'http://0x7f000001:{p}/'],
  ['IPv4 loopback, octal', 'http://0177.0.0.1:{p}/'],
  ['IPv4 loopback, mixed hex/octal parts', 'http://0x7f.0.0.01:{p}/'],
  ['unspecified 0.0.0.0 (reaches loopback on Linux)', 'http://0.0.0.0:{p}/'],
  ['unspecified, decimal', 'http://0:{p}/'],
  ['private 10/8', 'http://10.0.0.1/'],
  ['private 172.16/12', 'http://172.16.0.1/'],
  ['private 192.168/16', 'http://192.168.1.1/'],
  ['CGNAT 100.64/10', 'http://100.64.0.1/'],
  ['link-local', 'http://169.254.0.1/'],
  ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['cloud metadata, decimal', 'http://2852039166/latest/meta-data/'],
  ['multicast', 'http://224.0.0.1/'],
  ['broadcast', 'http://255.255.255.255/'],
  ['IPv6 loopback', 'http://[::1]:{p6}/'],
  ['IPv6 unspecified', 'http://[::]:{p6}/'],
  ['IPv6 unique local', 'http://[fd12:3456::1]/'],
  ['IPv6 link-local', 'http://[fe80::1]/'],
  ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/meta-data/'],
  ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:{p}/'],
  ['IPv4-mapped IPv6 loopback, hex', 'http://[::ffff:7f00:1]:{p}/'],
  ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]/'],
  ['NAT64 metadata', 'http://[64:ff9b::a9fe:a9fe]/'],
  ['6to4 metadata', 'http://[2002:a9fe:a9fe::1]/'],
  ['DNS name resolving to loopback', 'http://localhost:{p}/'],
  ['DNS name resolving to loopback, trailing dot and case', 'http://LocalHost.:{p}/'],
  ['https to loopback', 'https://127.0.0.1:{p}/'],
];
const BAD_SCHEMES = ['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://127.0.0.1/', 'data:text/plain,hi'];

describe('SSRF guard: webhooks, the httpRequest node, transformer httpRequest', () => {
  let t: TestApp;
  let canary: FaultReceiver;
  let canary6: FaultReceiver;
  let receiver: FaultReceiver;
  let restoreDns: (() => void) | undefined;
  const savedUnderWideList: Array<{ id: string; URLToken: string; webhookUrl: string }> = [];
  const fill = (url: string) => url.replace('{p}', String(canary.port)).replace('{p6}', String(canary6.port));

  beforeAll(async () => {
    canary = await FaultReceiver.start('127.0.0.1');
    canary6 = await FaultReceiver.start('::1');
    receiver = await FaultReceiver.start(ALLOWED);
    // An operator allowed loopback, saved webhooks there, then tightened WEBHOOK_ALLOWED_HOSTS and restarted: `t`
    // runs on that database with the narrow list (see "saved under a wider allow-list" below).
    const wide = await startTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: `${ALLOWED},127.0.0.1,::1,localhost` } });
    for (const webhookUrl of [
      `http://127.0.0.1:${canary.port}/`,
      `http://[::1]:${canary6.port}/`,
      `http://localhost:${canary.port}/`,
    ])
      savedUnderWideList.push(await createEndpoint(wide, { webhookUrl, delivery: { retrySchedule: [] } }));
    await wide.close({ keepDatabase: true });
    t = await startTestApp({
      db: wide.db,
      env: { WEBHOOK_ALLOWED_HOSTS: ALLOWED, PIPELINE_SWEEP_INTERVAL_MS: '200' },
    });
  }, 60_000);
  afterEach(() => {
    restoreDns?.();
    restoreDns = undefined;
    const leaked = [...canary.requests, ...canary6.requests].map((hook) => hook.raw.slice(0, 100));
    canary.requests.length = 0;
    canary6.requests.length = 0;
    expect(leaked, 'requests that reached a canary').toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([canary, canary6, receiver].map((server) => server?.close()));
  });

  describe('webhook URL at save time', () => {
    let flowId: string;
    let endpointId: string;
    beforeAll(async () => {
      flowId = (await createFlow(t)).id;
      endpointId = (await createEndpoint(t, { flowId, webhookUrl: receiver.url })).id;
    });

    it.each([...FORBIDDEN_URLS, ...BAD_SCHEMES.map((url): [string, string] => [url.split(':')[0], url])])(
      'refuses %s (%s) on create and on update',
      async (_name, template) => {
        const webhookUrl = fill(template);
        const created = await t.admin('POST', '/api/v1/endpoints', { name: 'ssrf', flowId, webhookUrl });
        expect(created.status, created.text).toBe(400);
        expect(created.body.errors.map((error: { field: string }) => error.field)).toContain('webhookUrl');
        const patched = await t.admin('PATCH', `/api/v1/endpoints/${endpointId}`, { webhookUrl });
        expect(patched.status, patched.text).toBe(400);
      },
    );

    it('refuses a DNS name when any of its addresses is forbidden', async () => {
      restoreDns = overrideDns((host) => (host === 'mixed.ssrf.test' ? ['93.184.215.14', '10.0.0.1'] : undefined));
      const res = await t.admin('POST', '/api/v1/endpoints', {
        name: 'ssrf',
        flowId,
        webhookUrl: 'http://mixed.ssrf.test/hook',
      });
      expect(res.status, res.text).toBe(400);
    });
  });

  describe('webhook delivery at connect time', () => {
    const rebindTargets = [
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '169.254.169.254',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ];

    it.each(rebindTargets)(
      'refuses to connect when the saved name now resolves to %s (DNS rebinding), and records why',
      async (target) => {
        const host = `rebind-${target.replace(/[^0-9a-f]/gi, '-')}.ssrf.test`;
        let rebound = false;
        restoreDns = overrideDns((name) => (name === host ? [rebound ? target : '93.184.215.14'] : undefined));
        const port = target.includes(':') ? canary6.port : canary.port;
        const endpoint = await createEndpoint(t, {
          webhookUrl: `http://${host}:${port}/hook`,
          delivery: { timeoutMs: 2000, retrySchedule: [] },
        });
        rebound = true;
        const sent = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
          body: { userId: 'u', sessionId: 's', text: 'hi' },
        });
        expect(sent.status).toBe(202);
        const dead = await eventually(async () => {
          const list = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=dead`);
          expect(list.body.items).toHaveLength(1);
          return (await t.admin('GET', `/api/v1/deliveries/${list.body.items[0].id}`)).body;
        });
        expect(dead.attempts).toHaveLength(1);
        expect(dead.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/SSRF guard/) });
      },
    );

    it('refuses IP-literal and localhost webhook URLs saved under a wider allow-list once it is narrowed', async () => {
      // Saved URLs are checked again when connecting, not trusted because they passed on save.
      for (const endpoint of savedUnderWideList) {
        const sent = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
          body: { userId: 'u', sessionId: 's', text: 'hi' },
        });
        expect(sent.status).toBe(202);
        const dead = await eventually(async () => {
          const list = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=dead`);
          expect(list.body.items).toHaveLength(1);
          return (await t.admin('GET', `/api/v1/deliveries/${list.body.items[0].id}`)).body;
        });
        expect(dead.attempts[0].error, endpoint.webhookUrl).toMatch(/SSRF guard/);
      }
    });
  });

  describe('httpRequest flow node', () => {
    let token: string;
    beforeAll(async () => {
      const flow = await createFlow(t, {
        name: 'fetcher',
        startNodeId: 'get',
        nodes: [
          { id: 'get', type: 'httpRequest', url: '{{input.text}}', contextKey: 'r', timeoutMs: 2000, next: 'say' },
          { id: 'say', type: 'say', text: 'status={{context.r.status}} error={{context.r.error}}' },
        ],
      });
      token = (await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url })).URLToken;
    });

    let session = 0;
    /** Runs the flow with `url` and returns the text of its output (one per message). */
    async function fetchThroughFlow(url: string): Promise<string> {
      const sessionId = `node-${session++}`;
      const sent = await t.request('POST', `/endpoint/${token}`, { body: { userId: 'u', sessionId, text: url } });
      expect(sent.status).toBe(202);
      await receiver.until(
        () => receiver.delivered().some((hook) => hook.body.sessionId === sessionId),
        10_000,
        `output of ${url}`,
      );
      return receiver.delivered().find((hook) => hook.body.sessionId === sessionId)!.body.AIOutput.text;
    }

    it('reaches an allowed host (the control case)', async () => {
      expect(await fetchThroughFlow(`http://${ALLOWED}:${receiver.port}/ok`)).toBe('status=200 error=');
    });

    it.each([...FORBIDDEN_URLS, ...BAD_SCHEMES.map((url): [string, string] => [url.split(':')[0], url])])(
      'refuses %s (%s): the context gets {error} and the flow goes on',
      async (_name, template) => {
        const text = await fetchThroughFlow(fill(template));
        expect(text).toMatch(/^status= error=.+/);
        // getaddrinfo does not read /etc/hosts for a name with a trailing dot: refused before any check.
        const refusal = template.includes('LocalHost.') ? /SSRF guard|ENOTFOUND/ : /SSRF guard|only http/;
        expect(text).toMatch(refusal);
      },
    );

    it.each(['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', 'fd00:ec2::254', '::ffff:127.0.0.1'])(
      'refuses a DNS name that resolves to %s',
      async (address) => {
        restoreDns = overrideDns((name) => (name === 'internal.ssrf.test' ? [address] : undefined));
        const port = address.includes(':') ? canary6.port : canary.port;
        expect(await fetchThroughFlow(`http://internal.ssrf.test:${port}/`)).toMatch(/SSRF guard/);
      },
    );
  });

  describe('transformer httpRequest', () => {
    // The function reports what httpRequest did instead of throwing, so the dry run shows the refusal itself.
    const code = `createWebhookTransformer({
      handleOutput: async ({ output }) => {
        try {
          const res = await httpRequest({ url: output.text, timeoutMs: 2000 });
          return { fetched: 'status ' + res.statusCode };
        } catch (error) {
          return { fetched: 'error ' + String(error && error.message) };
        }
      },
    });`;
    let endpointId: string;
    let token: string;
    beforeAll(async () => {
      const flow = await createFlow(t, {
        name: 'echo',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
      });
      const endpoint = await createEndpoint(t, {
        flowId: flow.id,
        webhookUrl: receiver.url,
        transformer: { code, enableOutput: true },
      });
      endpointId = endpoint.id;
      token = endpoint.URLToken;
    });

    const dryRun = async (url: string): Promise<string> => {
      const res = await t.admin('POST', `/api/v1/endpoints/${endpointId}/transformer/test`, {
        function: 'handleOutput',
        args: { output: { text: url, data: {} }, processedOutput: {}, userId: 'u', sessionId: 's' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.ok, res.text).toBe(true);
      return res.body.value.fetched;
    };

    it('reaches an allowed host (the control case)', async () => {
      expect(await dryRun(`http://${ALLOWED}:${receiver.port}/ok`)).toBe('status 200');
    });

    it.each([...FORBIDDEN_URLS, ...BAD_SCHEMES.map((url): [string, string] => [url.split(':')[0], url])])(
      'refuses %s (%s)',
      async (_name, template) => {
        const fetched = await dryRun(fill(template));
        const refusal = template.includes('LocalHost.') ? /SSRF guard|ENOTFOUND/ : /SSRF guard/;
        expect(fetched).toMatch(/^error /);
        expect(fetched).toMatch(refusal);
      },
    );

    it.each(['127.0.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1'])(
      'refuses a DNS name that resolves to %s',
      async (address) => {
        restoreDns = overrideDns((name) => (name === 'internal.ssrf.test' ? [address] : undefined));
        const port = address.includes(':') ? canary6.port : canary.port;
        expect(await dryRun(`http://internal.ssrf.test:${port}/`)).toMatch(/SSRF guard/);
      },
    );

    it('refuses in the live pipeline too: the delivered body carries the refusal', async () => {
      const url = `http://127.0.0.1:${canary.port}/`;
      const sent = await t.request('POST', `/endpoint/${token}`, { body: { userId: 'u', sessionId: 'tr', text: url } });
      expect(sent.status).toBe(202);
      await receiver.until(() => receiver.delivered().some((hook) => hook.body.fetched), 10_000, 'transformed output');
      expect(receiver.delivered().find((hook) => hook.body.fetched)!.body.fetched).toMatch(/^error .*SSRF guard/);
    });
  });
});
