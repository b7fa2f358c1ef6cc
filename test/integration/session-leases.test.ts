import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceId } from '../../src/common/instance-id.js';
import { EndpointDirectory } from '../../src/modules/endpoint-config/endpoint-directory.js';
import { InboxRepository } from '../../src/modules/pipeline/inbox.repository.js';
import { MessageCommitter } from '../../src/modules/pipeline/message-committer.js';
import { SessionRepository, type SessionClaim } from '../../src/modules/pipeline/session.repository.js';
import type { SessionKey } from '../../src/modules/pipeline/session-key.js';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The session lease at the statement level: the inbox insert claims the session a message wakes, and a commit is
 * fenced by the token of the lease its state was read under. The executor is left out (the sweeper is slowed down
 * and nothing kicks it), so the rows stay as these statements leave them.
 */
describe('session leases', () => {
  let t: TestApp;
  let db: DataSource;
  let inbox: InboxRepository;
  let sessions: SessionRepository;
  let owner: string;
  let endpointId: string;

  const key = (sessionId: string): SessionKey => ({ endpointId, userId: 'u', sessionId });
  const accept = (sessionKey: SessionKey, text = 'hello') =>
    inbox.insert({ ...sessionKey, id: randomUUID(), kind: 'message', text, data: null, traceId: 'test' });
  const leaseRow = async (sessionKey: SessionKey) => {
    const [row] = await db.query(
      `SELECT lease_owner, lease_token, lease_expires_at, last_sequence FROM sessions
       WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3`,
      [sessionKey.endpointId, sessionKey.userId, sessionKey.sessionId],
    );
    return row as { lease_owner: string | null; lease_token: string | null; last_sequence: number } | undefined;
  };
  const commit = async (sessionKey: SessionKey, claim: SessionClaim, messageId: string, readNext = true) => {
    const endpoint = await t.app.get(EndpointDirectory).byId(endpointId);
    return t.app.get(MessageCommitter).commit({
      key: sessionKey,
      session: { state: { committed: true }, lastSequence: claim.session.lastSequence + 1 },
      leaseToken: claim.leaseToken,
      messageId,
      readNext,
      outcome: { status: 'done' },
      outputs: [],
      dataProtection: endpoint!.dataProtection,
      turn: {
        key: sessionKey,
        message: { id: messageId, kind: 'message', text: 'x', data: null, clientIp: null },
        intent: null,
        outputs: [],
      },
      deliveryLeaseMs: 10_000,
    });
  };
  const pendingCount = async (messageId: string) =>
    (
      await db.query(`SELECT count(*)::int AS n FROM inbound_messages WHERE id = $1 AND status = 'pending'`, [
        messageId,
      ])
    )[0].n as number;

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '60000' } });
    db = t.app.get(DataSource);
    inbox = t.app.get(InboxRepository);
    sessions = t.app.get(SessionRepository);
    owner = t.app.get(InstanceId).value;
    const flowId = (await createFlow(t, sayFlow('hi'))).id;
    endpointId = (await createEndpoint(t, { flowId })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the insert of a message that wakes its conversation claims the session for this instance', async () => {
    const first = await accept(key('new'));
    expect(first.alone).toBe(true);
    expect(first.claimed).toEqual({ session: { state: null, lastSequence: 0 }, leaseToken: expect.any(String) });
    expect(await leaseRow(key('new'))).toMatchObject({ lease_owner: owner, lease_token: first.claimed!.leaseToken });

    // Behind a pending message the session's loop is (or will be) at work: no claim.
    const second = await accept(key('new'));
    expect(second).toMatchObject({ alone: false, claimed: null });
  });

  it("claims only the first of a conversation's messages in one batch, and leaves a lease held elsewhere alone", async () => {
    const [a, b] = await Promise.all([accept(key('batch')), accept(key('batch'))]);
    expect([a.alone, b.alone].sort()).toEqual([false, true]);
    expect([a, b].filter((accepted) => accepted.claimed !== null)).toHaveLength(1);

    await db.query(
      `INSERT INTO sessions (endpoint_id, user_id, session_id, lease_owner, lease_expires_at, lease_token)
       VALUES ($1, 'u', 'elsewhere', 'another-instance', now() + interval '1 minute', gen_random_uuid())`,
      [endpointId],
    );
    await sessions.claim(key('mine'), owner, 10_000); // as a loop of this instance lingering for the next message
    for (const sessionId of ['elsewhere', 'mine']) {
      const before = await leaseRow(key(sessionId));
      const accepted = await accept(key(sessionId));
      expect(accepted).toMatchObject({ alone: true, claimed: null });
      expect(await leaseRow(key(sessionId))).toEqual(before);
    }
  });

  it('renewing a lease keeps its token; taking a lease that was not ours makes a new one', async () => {
    const sessionKey = key('tokens');
    const first = (await sessions.claim(sessionKey, owner, 10_000))!;
    const renewed = (await sessions.claim(sessionKey, owner, 10_000))!;
    expect(renewed.leaseToken).toBe(first.leaseToken);

    await sessions.release(sessionKey, owner);
    const retaken = (await sessions.claim(sessionKey, owner, 10_000))!;
    expect(retaken.leaseToken).not.toBe(first.leaseToken);

    // Expired: another instance takes it over, with a token of its own.
    await db.query(
      `UPDATE sessions SET lease_expires_at = now() - interval '1 second'
       WHERE endpoint_id = $1 AND user_id = 'u' AND session_id = 'tokens'`,
      [endpointId],
    );
    const takenOver = (await sessions.claim(sessionKey, 'another-instance', 10_000))!;
    expect(takenOver.leaseToken).not.toBe(retaken.leaseToken);
    expect(await sessions.claim(sessionKey, owner, 10_000)).toBeNull();
  });

  it('refuses a commit under an earlier lease of the same owner, and takes one under the current lease', async () => {
    const sessionKey = key('fenced');
    const accepted = await accept(sessionKey);
    const stale = accepted.claimed!;
    // The lease goes round (expired, taken and released by another instance) and back to this instance: the
    // owner matches again, the token does not.
    await db.query(
      `UPDATE sessions SET lease_expires_at = now() - interval '1 second'
       WHERE endpoint_id = $1 AND user_id = 'u' AND session_id = 'fenced'`,
      [endpointId],
    );
    expect(await sessions.claim(sessionKey, 'another-instance', 10_000)).not.toBeNull();
    await sessions.release(sessionKey, 'another-instance');
    const current = (await sessions.claim(sessionKey, owner, 10_000))!;

    expect(await commit(sessionKey, stale, accepted.message.id)).toBeNull();
    expect(await pendingCount(accepted.message.id)).toBe(1);
    expect((await leaseRow(sessionKey))!.last_sequence).toBe(0);

    expect(await commit(sessionKey, current, accepted.message.id)).toEqual({
      earlierOutputs: expect.anything(),
      nextMessages: [],
    });
    expect(await pendingCount(accepted.message.id)).toBe(0);
    expect((await leaseRow(sessionKey))!.last_sequence).toBe(1);
  });

  it('refuses a commit of a conversation erased and begun anew, though the new session was claimed by this instance', async () => {
    const sessionKey = key('erased');
    const first = await accept(sessionKey);
    const old = first.claimed!;
    expect(await commit(sessionKey, old, first.message.id)).not.toBeNull();
    // Erased (as DELETE /sessions/:sessionId does) while a loop of this instance may still hold what it read.
    await db.query(`DELETE FROM sessions WHERE endpoint_id = $1 AND user_id = 'u' AND session_id = 'erased'`, [
      endpointId,
    ]);
    const anew = await accept(sessionKey, 'fresh start');
    expect(anew.claimed).toEqual({ session: { state: null, lastSequence: 0 }, leaseToken: expect.any(String) });
    expect(anew.claimed!.leaseToken).not.toBe(old.leaseToken);

    expect(await commit(sessionKey, old, anew.message.id)).toBeNull();
    expect(await pendingCount(anew.message.id)).toBe(1);
    expect(await commit(sessionKey, anew.claimed!, anew.message.id)).not.toBeNull();
  });

  it("returns the conversation's next pending messages only to a commit that asks for them", async () => {
    const sessionKey = key('next');
    const first = await accept(sessionKey, 'one');
    const second = await accept(sessionKey, 'two');
    await accept(sessionKey, 'three');
    const claim = first.claimed!;
    // The loop holds 'one' and 'two': the first commit's view of the inbox would be thrown away.
    expect(await commit(sessionKey, claim, first.message.id, false)).toEqual({
      earlierOutputs: expect.anything(),
      nextMessages: null,
    });
    const last = await commit(sessionKey, claim, second.message.id, true);
    expect(last?.nextMessages?.map((message) => message.text)).toEqual(['three']);
  });
});
