import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, instanceEnv } from '../support/app-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  adminClient,
  allAckedDelivered,
  echoFlow,
  expectOrderedDelivery,
  httpCall,
  runSessionLoad,
  sendMessage,
  sleep,
  statusCounts,
  type HttpResult,
} from './support/load-driver.js';

const OUTAGE_MS = 5_000;

/**
 * PostgreSQL "stops" for 5 s under load: a TCP proxy between the app and the shared server drops every
 * connection and refuses new ones. Clients must hear 503 problem+json (or 202, then kept), readiness must go
 * red and come back, and everything acknowledged must be delivered in order once the database is back.
 */
describe.skipIf(testDatabaseKind() !== 'postgres')('database outage under load', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let receiver: WebhookReceiver;
  let app: AppProcess;
  const adminKey = `outage-admin-${randomBytes(8).toString('hex')}`;
  const admin = adminClient(() => app.baseUrl, adminKey);

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const target = new URL(db.databaseUrl!);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    receiver = await WebhookReceiver.start();
    app = await AppProcess.start(instanceEnv(proxy.rewrite(db.databaseUrl!), adminKey));
  }, 60_000);

  afterAll(async () => {
    if (app?.alive) await app.kill('SIGKILL');
    await proxy?.close();
    await receiver?.close();
    await db?.drop();
  });

  it('answers 503 problem+json during the outage, goes unready, recovers by itself and loses nothing', async () => {
    const flow = await admin('POST', '/api/v1/flows', echoFlow);
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'outage',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000, retrySchedule: [0.2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1] },
    });

    let stopped = false;
    const probes: Array<{ at: number; ready: number | null; admin: number | null; adminBody: HttpResult }> = [];
    const probing = (async () => {
      while (!stopped) {
        const [ready, list] = await Promise.all([
          httpCall(`${app.baseUrl}/health/ready`, { timeoutMs: 10_000 }),
          httpCall(`${app.baseUrl}/api/v1/endpoints`, {
            headers: { authorization: `Bearer ${adminKey}` },
            timeoutMs: 10_000,
          }),
        ]);
        probes.push({ at: Date.now(), ready: ready.status, admin: list.status, adminBody: list });
        await sleep(200);
      }
    })();

    const loading = runSessionLoad({
      sessions: 8,
      stop: () => stopped,
      retryDelayMs: 200,
      messageDeadlineMs: 40_000,
      send: (session, text) => sendMessage(app.baseUrl, endpoint.URLToken, session, text),
    });

    await sleep(1_500);
    const cutAt = Date.now();
    await proxy.cut();
    await sleep(OUTAGE_MS);
    const restoredAt = Date.now();
    await proxy.restore();
    // Keep the load on until the app has recovered, and a little longer.
    const recovered = Date.now() + 20_000;
    while (Date.now() < recovered && probes.at(-1)?.ready !== 200) await sleep(100);
    await sleep(2_000);
    stopped = true;
    const log = await loading;
    await probing;

    // What clients saw: accepted, or 503 problem+json naming the database; never a 500, a hang or a dead socket.
    const counts = statusCounts(log.responses);
    console.info(
      `outage: answers ${JSON.stringify(counts)}, acked ${log.ackedIds.size}, readiness ${JSON.stringify(statusCounts(probes.map((p) => ({ status: p.ready }))))}`,
    );
    const during = log.responses.filter((res) => res.at > cutAt + 500 && res.at < restoredAt);
    expect(during.length, `requests answered during the outage (${JSON.stringify(counts)})`).toBeGreaterThan(0);
    expect(
      log.responses.filter((res) => res.status !== 202 && res.status !== 503),
      `unexpected answers ${JSON.stringify(counts)}`,
    ).toEqual([]);
    expect(log.responses.filter((res) => res.status === 503).length).toBeGreaterThan(0);
    for (const res of log.responses.filter((r) => r.status === 503)) {
      expect(res.headers?.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 503, type: 'urn:hookflow:problem:database-unavailable' });
      expect(res.headers?.get('retry-after')).toMatch(/^\d+$/);
      expect(res.text).not.toMatch(/\n\s+at |ECONNREFUSED|127\.0\.0\.1|postgres/i);
    }
    expect(Math.max(...log.responses.map((res) => res.ms)), 'slowest ingestion answer (ms)').toBeLessThan(10_000);

    // Readiness: red during the outage, green after; the admin API answers 503 (never 500) meanwhile.
    const probesDuring = probes.filter((probe) => probe.at > cutAt + 500 && probe.at < restoredAt);
    expect(probesDuring.some((probe) => probe.ready === 503)).toBe(true);
    expect(probes.at(-1)?.ready).toBe(200);
    for (const probe of probes) {
      expect([200, 503]).toContain(probe.ready);
      expect([200, 503], `admin API answered ${probe.admin}: ${probe.adminBody.text}`).toContain(probe.admin);
    }
    expect(probesDuring.some((probe) => probe.admin === 503)).toBe(true);

    // Everything acknowledged is delivered, in order, with no help from outside.
    expect(log.ackedIds.size).toBeGreaterThan(20);
    await receiver.until(() => allAckedDelivered(receiver.delivered(), log), 45_000, 'every acked message delivered');
    expectOrderedDelivery(receiver.delivered(), log);
    expect(app.alive).toBe(true);
    expect(app.output).not.toMatch(/internal-error|Unhandled|uncaught/i);
  }, 120_000);

  it('survives a network partition (no reset, packets just stop) the same way, with readiness answering red', async () => {
    const flow = await admin('POST', '/api/v1/flows', echoFlow);
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'partition',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000, retrySchedule: [0.2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1] },
    });
    const before = receiver.delivered().length;
    let stopped = false;
    const probing: Array<Promise<{ startedAt: number; ready: number | null }>> = [];
    const probeLoop = (async () => {
      // A load balancer probes on a schedule, whether or not its last probe has answered yet, and gives up after a
      // few seconds; an answer must come before that. (Waiting for each answer before the next probe could leave
      // no probe inside the partition's window below: a probe sent just before it answers 2 s later.)
      while (!stopped) {
        const startedAt = Date.now();
        probing.push(
          httpCall(`${app.baseUrl}/health/ready`, { timeoutMs: 3_000 }).then((ready) => ({
            startedAt,
            ready: ready.status,
          })),
        );
        await sleep(300);
      }
    })();
    const loading = runSessionLoad({
      sessions: 8,
      sessionPrefix: 'p',
      stop: () => stopped,
      retryDelayMs: 200,
      messageDeadlineMs: 40_000,
      send: (session, text) => sendMessage(app.baseUrl, endpoint.URLToken, session, text),
    });
    await sleep(1_500);
    const stalledAt = Date.now();
    proxy.stall();
    await sleep(OUTAGE_MS);
    const resumedAt = Date.now();
    proxy.resume();
    await sleep(3_000);
    stopped = true;
    const log = await loading;
    await probeLoop;
    const probes = await Promise.all(probing);

    console.info(
      `partition: answers ${JSON.stringify(statusCounts(log.responses))}, acked ${log.ackedIds.size}, readiness ${JSON.stringify(statusCounts(probes.map((p) => ({ status: p.ready }))))}`,
    );
    // Clients wait (at worst until the partition ends) but get 202 or 503, never a 500 or nothing.
    expect(log.responses.filter((res) => res.status !== 202 && res.status !== 503).map((res) => res.status)).toEqual(
      [],
    );
    await receiver.until(
      () => allAckedDelivered(receiver.delivered().slice(before), log),
      45_000,
      'every acked message delivered',
    );
    expectOrderedDelivery(
      receiver.delivered().filter((hook) => hook.body.endpointId === endpoint.id),
      log,
    );
    // Probes started during the partition (early enough to time out before it ends) must each answer 503.
    const during = probes.filter((probe) => probe.startedAt >= stalledAt && probe.startedAt < resumedAt - 3_000);
    expect(during.length).toBeGreaterThan(0);
    expect(
      during.map((probe) => probe.ready),
      'readiness during the partition (null: no answer within 3 s)',
    ).toEqual(during.map(() => 503));
    expect(probes.at(-1)?.ready).toBe(200);
    expect(app.alive).toBe(true);
  }, 120_000);
});
