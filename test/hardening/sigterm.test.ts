import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, instanceEnv } from '../support/app-process.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-database.js';
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
import { FaultReceiver } from './support/fault-receiver.js';

/**
 * SIGTERM of one of two instances under load. The lease is a minute long, so the survivor can only finish the
 * victim's work quickly if the victim finished it or handed it back (released its leases) on the way out.
 */
describe.skipIf(testDatabaseKind() !== 'postgres')('SIGTERM of one of two instances under load', () => {
  let db: TestDatabase;
  let receiver: FaultReceiver;
  const apps: AppProcess[] = [];
  const adminKey = `sigterm-admin-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    receiver = await FaultReceiver.start();
    // A slowish receiver: deliveries lag behind ingestion, so work is in flight and queued at the signal.
    receiver.script = () => ({ kind: 'answer', status: 200, delayMs: 15 });
    const env = instanceEnv(db.databaseUrl!, adminKey, { PIPELINE_LEASE_MS: '60000' });
    apps.push(await AppProcess.start(env), await AppProcess.start(env));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) if (app.alive) await app.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('exits within 10 s, and everything it acknowledged is delivered in order without waiting for leases', async () => {
    const [victim, survivor] = apps as [AppProcess, AppProcess];
    const admin = adminClient(() => survivor.baseUrl, adminKey);
    const flow = await admin('POST', '/api/v1/flows', {
      ...echoFlow,
      // Two outputs per message: more in flight per session at the signal.
      nodes: [
        { id: 'a', type: 'say', text: '{{input.text}}', next: 'b' },
        { id: 'b', type: 'say', text: '{{input.text}}/2' },
      ],
    });
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'sigterm',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 5000 },
    });

    let stopped = false;
    const loading = runSessionLoad({
      sessions: 12,
      stop: () => stopped,
      retryDelayMs: 20,
      // First tries go to the victim while it lives (it holds the work when the signal comes); a message it did
      // not accept is resent to the survivor.
      send: (session, text, attempt) => {
        const target = victim.alive && attempt === 0 ? victim : survivor;
        return sendMessage(target.baseUrl, endpoint.URLToken, session, text);
      },
    });
    await sleep(1_500);
    const signalledAt = Date.now();
    const code = await victim.kill('SIGTERM');
    const exitMs = Date.now() - signalledAt;
    await sleep(1_000);
    stopped = true;
    const log = await loading;

    console.info(
      `sigterm: exit ${String(code)} after ${exitMs} ms, answers ${JSON.stringify(statusCounts(log.responses))}, acked ${log.ackedIds.size}`,
    );
    expect(exitMs).toBeLessThan(10_000);
    // Nest re-raises the signal after a clean close; the 9 s watchdog would exit with 1.
    expect(code).toBe('SIGTERM');
    expect(victim.output).not.toMatch(/ERROR/);
    // The lease is 60 s: delivering everything well within that proves the victim's work was finished or released.
    await receiver.until(() => allAckedDelivered(receiver.delivered(), log), 20_000, 'every acked message delivered');
    expectOrderedDelivery(receiver.delivered(), log);
    // From the signal on, answers were 202, or 503 problem+json from the closing victim (or a dropped connection:
    // the client resends the unacknowledged message to the survivor).
    const answered = log.responses.filter((res) => res.at >= signalledAt && res.status !== null);
    expect(answered.filter((res) => res.status !== 202 && res.status !== 503)).toEqual([]);
    for (const res of answered.filter((r) => r.status === 503))
      expect(res.headers?.get('content-type'), `503 while closing: ${res.text}`).toContain('application/problem+json');
    expect(survivor.alive).toBe(true);
  }, 90_000);
});
