import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, instanceEnv } from '../support/app-process.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  adminClient,
  allAckedDelivered,
  echoFlow,
  expectOrderedDelivery,
  runSessionLoad,
  sendMessage,
  sleep,
  statusCounts,
} from './support/load-driver.js';
import { findNginx, Nginx } from './support/nginx.js';

const nginxBinary = findNginx();
if (testDatabaseKind() === 'postgres' && !nginxBinary) {
  console.warn('scale-out test skipped: nginx is not installed (apt-get install -y nginx-light)');
}

/**
 * Three instances behind nginx (round-robin on loopback) share one PostgreSQL. Under load through nginx, one
 * instance is killed (SIGKILL) and a new one started in its place: every acknowledged message is delivered, in
 * per-session order.
 */
describe.skipIf(testDatabaseKind() !== 'postgres' || !nginxBinary)('scale-out: three instances behind nginx', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let nginx: Nginx;
  const apps: AppProcess[] = [];
  const adminKey = `scale-admin-${randomBytes(8).toString('hex')}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    receiver = await WebhookReceiver.start();
    env = instanceEnv(db.databaseUrl!, adminKey);
    // The first runs the migrations; the other two start together (and would wait on the migration lock anyway).
    apps.push(await AppProcess.start(env));
    apps.push(...(await Promise.all([AppProcess.start(env), AppProcess.start(env)])));
    nginx = await Nginx.start(nginxBinary!, portsOf(apps));
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    for (const app of apps) if (app.alive) await app.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('spreads the load, survives losing and replacing an instance, and loses or reorders nothing', async () => {
    const admin = adminClient(() => nginx.baseUrl, adminKey);
    const flow = await admin('POST', '/api/v1/flows', echoFlow);
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'scale-out',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000 },
    });

    let stopped = false;
    const started = Date.now();
    const loading = runSessionLoad({
      sessions: 16,
      stop: () => stopped,
      retryDelayMs: 50,
      send: (session, text) => sendMessage(nginx.baseUrl, endpoint.URLToken, session, text),
    });
    await sleep(2_000);
    const victim = apps[1];
    await victim.kill('SIGKILL');
    await sleep(1_500);
    const replacement = await AppProcess.start(env);
    apps.push(replacement);
    await nginx.setUpstreams(portsOf(apps.filter((app) => app.alive)));
    await sleep(2_500);
    stopped = true;
    const log = await loading;
    const seconds = (Date.now() - started) / 1000;

    const counts = statusCounts(log.responses);
    console.info(
      `scale-out: ${log.ackedIds.size} acknowledged in ${seconds.toFixed(1)} s (${Math.round(log.ackedIds.size / seconds)}/s), answers ${JSON.stringify(counts)}`,
    );
    // nginx answers 502 for a request in flight on the killed instance, and its reload closes idle client
    // connections (a request racing that close gets no answer); the client resends either. Never a 500.
    console.info(
      `scale-out network errors: ${log.responses
        .filter((res) => res.status === null)
        .map((res) => res.error)
        .join(', ')}`,
    );
    expect(Object.keys(counts).filter((status) => !['202', '502', '503', '504', 'network'].includes(status))).toEqual(
      [],
    );
    expect(log.ackedIds.size).toBeGreaterThan(100);

    await receiver.until(() => allAckedDelivered(receiver.delivered(), log), 45_000, 'every acked message delivered');
    expectOrderedDelivery(receiver.delivered(), log);

    // Round-robin reached every instance: the two survivors, the victim before it died, and its replacement.
    const byUpstream = statusCounts(
      log.responses.map((res) => ({ status: Number(res.headers?.get('x-upstream')?.split(':').pop() ?? 0) })),
    );
    for (const app of apps) expect(byUpstream[new URL(app.baseUrl).port] ?? 0, app.baseUrl).toBeGreaterThan(10);
    expect(nginx.errorLog()).not.toMatch(/\[emerg\]/);
  }, 120_000);
});

function portsOf(apps: AppProcess[]): number[] {
  return apps.map((app) => Number(new URL(app.baseUrl).port));
}
