import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

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
    const env = {
      DATABASE_URL: db.databaseUrl!,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_KEY: adminKey,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      PIPELINE_LEASE_MS: '2000',
      PIPELINE_SWEEP_INTERVAL_MS: '250',
    };
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
    const admin = (path: string, body: unknown) =>
      fetch(`${victim.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((res) => res.json() as Promise<any>);
    const flow = await admin('/api/v1/flows', {
      name: 'echo',
      startNodeId: 'a',
      nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
    });
    const endpoint = await admin('/api/v1/endpoints', {
      name: 'crash',
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000 },
    });
    expect(endpoint.URLToken).toMatch(/^[0-9a-f]{64}$/);

    const acked = new Map<string, string[]>(); // session -> texts acknowledged with 202, in send order
    const ackedIds = new Set<string>();
    let sent = 0;
    const sendOnce = async (app: AppProcess, session: string, text: string): Promise<string | null> => {
      try {
        const res = await fetch(`${app.baseUrl}/endpoint/${endpoint.URLToken}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'u', sessionId: session, text }),
        });
        return res.status === 202 ? ((await res.json()) as { messageId: string }).messageId : null;
      } catch {
        return null; // the instance died mid-request: not acknowledged
      }
    };
    const killAt = Math.floor((SESSIONS * PER_SESSION) / 3);
    let killed = null as Promise<unknown> | null;
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, s) => {
        const session = `s${s}`;
        acked.set(session, []);
        for (let m = 0; m < PER_SESSION; m++) {
          const text = `${session}-${m}`;
          let messageId = victim.alive ? await sendOnce(victim, session, text) : null;
          // Not acknowledged by the victim: the client retries on the survivor, as a real client would.
          messageId ??= await sendOnce(survivor, session, text);
          expect(messageId).not.toBeNull();
          acked.get(session)!.push(text);
          ackedIds.add(messageId!);
          if (++sent === killAt) killed = victim.kill('SIGKILL');
        }
      }),
    );
    await killed;
    expect(victim.alive).toBe(false);

    const covered = () => {
      const delivered = new Set(receiver.delivered().map((hook) => hook.body.inputId as string));
      return [...ackedIds].every((id) => delivered.has(id));
    };
    await receiver.until(covered, 45_000, 'every acknowledged message delivered');

    // Duplicates may only be re-sends of the same output (same webhook-id, same body).
    const firstById = new Map<string, { raw: string; session: string; sequence: number; text: string }>();
    for (const hook of receiver.delivered()) {
      const seen = firstById.get(hook.body.id);
      if (seen) expect(hook.raw).toBe(seen.raw);
      else
        firstById.set(hook.body.id, {
          raw: hook.raw,
          session: hook.body.sessionId,
          sequence: hook.body.sequence,
          text: hook.body.AIOutput.text,
        });
    }
    for (const [session, texts] of acked) {
      const outputs = [...firstById.values()].filter((output) => output.session === session);
      // Arrival order (first arrival of each output) is sequence order...
      const sequences = outputs.map((output) => output.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      // ...and the acknowledged messages' outputs appear in the order they were sent.
      const firstArrival = new Map<string, number>();
      outputs.forEach((output, index) =>
        firstArrival.has(output.text) ? undefined : firstArrival.set(output.text, index),
      );
      const positions = texts.map((text) => firstArrival.get(text));
      expect(positions.every((position) => position !== undefined)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a! - b!));
    }
  }, 120_000);
});
