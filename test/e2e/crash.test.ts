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
  sendMessage,
  type AckLog,
} from '../hardening/support/load-driver.js';

const SESSIONS = 10;
const PER_SESSION = 30;

/**
 * Two instances share one PostgreSQL; one is killed with SIGKILL while a stream of messages is flowing.
 * Every message that got a 202 must have its output delivered, in per-session order.
 */
describe.skipIf(testDatabaseKind() !== 'postgres')('crash of one of two instances (kill -9)', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  const apps: AppProcess[] = [];
  const adminKey = `crash-admin-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    receiver = await WebhookReceiver.start();
    const env = instanceEnv(db.databaseUrl!, adminKey);
    apps.push(await AppProcess.start(env));
    apps.push(await AppProcess.start(env));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) if (app.alive) await app.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('delivers the output of every accepted message, in order, after the processing instance dies', async () => {
    const [victim, survivor] = apps as [AppProcess, AppProcess];
    const admin = adminClient(() => victim.baseUrl, adminKey);
    const flow = await admin('POST', '/api/v1/flows', echoFlow);
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'crash',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000 },
    });
    expect(endpoint.URLToken).toMatch(/^[0-9a-f]{64}$/);

    const log: AckLog = { acked: new Map(), ackedIds: new Set(), responses: [] };
    let sent = 0;
    // Not acknowledged (no 202, or the instance died mid-request): null.
    const sendOnce = async (app: AppProcess, session: string, text: string): Promise<string | null> => {
      const res = await sendMessage(app.baseUrl, endpoint.URLToken, session, text);
      return res.status === 202 ? (res.body as { messageId: string }).messageId : null;
    };
    const killAt = Math.floor((SESSIONS * PER_SESSION) / 3);
    let killed = null as Promise<unknown> | null;
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, s) => {
        const session = `s${s}`;
        log.acked.set(session, []);
        for (let m = 0; m < PER_SESSION; m++) {
          const text = `${session}-${m}`;
          let messageId = victim.alive ? await sendOnce(victim, session, text) : null;
          // Not acknowledged by the victim: the client retries on the survivor, as a real client would.
          messageId ??= await sendOnce(survivor, session, text);
          expect(messageId).not.toBeNull();
          log.acked.get(session)!.push(text);
          log.ackedIds.add(messageId!);
          if (++sent === killAt) killed = victim.kill('SIGKILL');
        }
      }),
    );
    await killed;
    expect(victim.alive).toBe(false);

    await receiver.until(
      () => allAckedDelivered(receiver.delivered(), log),
      45_000,
      'every acknowledged message delivered',
    );
    expectOrderedDelivery(receiver.delivered(), log);
  }, 120_000);
});
