import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxRepository } from '../../src/modules/pipeline/inbox.repository.js';
import { SessionExecutor } from '../../src/modules/pipeline/session-executor.js';
import { createEndpoint, createFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET_USER = 'secret-user-7731';
const SECRET_TEXT = 'my card number is 4111-2222';
const SECRET_DATA = 'pin-99887';

const QUIET: LogLevel[] = ['fatal', 'error', 'warn'];

/**
 * Everything the app writes to stdout and stderr while active (Nest's console logger writes there), with debug
 * logging on so the executor's per-message trace is included.
 */
function captureOutput(app: NestFastifyApplication): { text(): string; stop(): void } {
  const chunks: string[] = [];
  app.useLogger([...QUIET, 'log', 'debug']);
  const restore: Array<() => void> = [() => app.useLogger(QUIET)];
  for (const stream of [process.stdout, process.stderr]) {
    const original = Object.getOwnPropertyDescriptor(stream, 'write');
    Object.defineProperty(stream, 'write', {
      configurable: true,
      writable: true,
      value: (chunk: string | Uint8Array) => {
        chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    });
    restore.push(() => {
      if (original) Object.defineProperty(stream, 'write', original);
      else delete (stream as { write?: unknown }).write;
    });
  }
  return { text: () => chunks.join(''), stop: () => restore.forEach((undo) => undo()) };
}

describe('data protection', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let flowId: string;

  const endpointWith = async (dataProtection: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    createEndpoint(t, { flowId, webhookUrl: receiver.url, dataProtection, ...extra });

  /** Sends a message and waits until the receiver has `total` deliveries. */
  const send = async (endpoint: any, body: Record<string, unknown>, total: number) => {
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body });
    expect(res.status).toBe(202);
    await receiver.waitForDelivered(total);
    return res.body.messageId as string;
  };

  const rows = (table: string, endpointId: string, columns = '*') =>
    db.query(`SELECT ${columns} FROM ${table} WHERE endpoint_id = $1`, [endpointId]);

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await WebhookReceiver.start();
    flowId = (await createFlow(t, { nodes: [{ id: 'n1', type: 'say', text: 'Echo: {{input.text}}' }] })).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('stores transcripts and analytics with their content by default', async () => {
    const endpoint = await endpointWith({});
    const messageId = await send(endpoint, { userId: 'u1', sessionId: 's1', text: 'hi', data: { k: 'v' } }, 1);
    const transcript = await rows('transcript_entries', endpoint.id, 'id, direction, text, data');
    expect(transcript).toEqual([
      { id: messageId, direction: 'input', text: 'hi', data: { k: 'v' } },
      { id: expect.any(String), direction: 'output', text: 'Echo: hi', data: null },
    ]);
    const analytics = await rows('analytics_events', endpoint.id, 'kind, source, text, data, message_id, output_count');
    expect(analytics).toEqual([
      { kind: 'input', source: 'user', text: 'hi', data: { k: 'v' }, message_id: messageId, output_count: 1 },
    ]);
  });

  it('useConversations: false stores no transcript (the session state still works)', async () => {
    const endpoint = await endpointWith({ useConversations: false });
    await send(endpoint, { userId: 'u1', sessionId: 's1', text: 'hi' }, 2);
    expect(await rows('transcript_entries', endpoint.id)).toEqual([]);
    expect(await rows('analytics_events', endpoint.id)).toHaveLength(1);
    const session = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/sessions/s1?userId=u1`);
    expect(session.status).toBe(200);
    expect(session.body.transcript).toEqual({ items: [], nextCursor: null });
  });

  it('useAnalytics: false stores no analytics events', async () => {
    const endpoint = await endpointWith({ useAnalytics: false });
    await send(endpoint, { userId: 'u1', sessionId: 's1', text: 'hi' }, 3);
    expect(await rows('analytics_events', endpoint.id)).toEqual([]);
    expect(await rows('transcript_entries', endpoint.id)).toHaveLength(2);
    const analytics = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/analytics`);
    expect(analytics.body).toMatchObject({ inputs: 0, outputs: 0, sessions: 0, deliveries: { delivered: 1 } });
  });

  it('maskAnalytics keeps counts but no text or data in analytics events', async () => {
    const endpoint = await endpointWith({ maskAnalytics: true });
    await send(endpoint, { userId: 'u1', sessionId: 's1', text: SECRET_TEXT, data: { pin: SECRET_DATA } }, 4);
    const analytics = await rows('analytics_events', endpoint.id, 'kind, text, data');
    expect(analytics).toEqual([{ kind: 'input', text: null, data: null }]);
    expect(JSON.stringify(await rows('analytics_events', endpoint.id))).not.toContain(SECRET_DATA);
    // Transcripts are governed by useConversations, not by maskAnalytics.
    expect((await rows('transcript_entries', endpoint.id, 'text'))[0].text).toBe(SECRET_TEXT);
    const counts = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/analytics`);
    expect(counts.body).toMatchObject({ inputs: 1, outputs: 1, sessions: 1 });
  });

  it('maskIPAddress masks the stored client IP in transcripts and analytics', async () => {
    const plain = await endpointWith({});
    const masked = await endpointWith({ maskIPAddress: true });
    const inbox = t.app.get(InboxRepository);
    const executor = t.app.get(SessionExecutor);
    // The inbox row as ingestion writes it; the executor records it (and masks again, whatever it was given).
    for (const endpoint of [plain, masked]) {
      const key = { endpointId: endpoint.id, userId: 'u1', sessionId: 's1' };
      const id = randomUUID();
      await inbox.insert({
        ...key,
        id,
        kind: 'message',
        text: 'hi',
        data: null,
        traceId: `t-${id}`,
        clientIp: '203.0.113.77',
      });
      executor.kick(key);
    }
    await receiver.waitForDelivered(6);
    await eventually(async () => expect(await rows('analytics_events', masked.id)).toHaveLength(1));
    const ipsOf = async (endpointId: string) => ({
      transcript: (await rows('transcript_entries', endpointId, 'client_ip')).map((row: any) => row.client_ip),
      analytics: (await rows('analytics_events', endpointId, 'client_ip')).map((row: any) => row.client_ip),
    });
    expect(await ipsOf(plain.id)).toEqual({ transcript: ['203.0.113.77', null], analytics: ['203.0.113.77'] });
    expect(await ipsOf(masked.id)).toEqual({ transcript: ['203.0.113.0', null], analytics: ['203.0.113.0'] });
    const session = await t.admin('GET', `/api/v1/endpoints/${masked.id}/sessions/s1?userId=u1`);
    expect(session.body.transcript.items[0].clientIp).toBe('203.0.113.0');
  });

  it('maskLogging keeps user ids, text and data out of every log line and flags the webhook body', async () => {
    const plain = await endpointWith({});
    const masked = await endpointWith({ maskLogging: true });
    const output = captureOutput(t.app);
    try {
      await send(plain, { userId: 'visible-user-1234', sessionId: 's1', text: 'visible text' }, 7);
      await send(masked, { userId: SECRET_USER, sessionId: 's1', text: SECRET_TEXT, data: { pin: SECRET_DATA } }, 8);
    } finally {
      output.stop();
    }
    const logged = output.text();
    // The capture works: the unmasked endpoint's debug trace names its user.
    expect(logged).toContain('visible-user-1234');
    expect(logged).toContain(`on endpoint ${masked.id}`);
    for (const secret of [SECRET_USER, SECRET_TEXT, SECRET_DATA]) expect(logged).not.toContain(secret);
    expect(logged).toContain('"userId":"*****"');

    const hook = receiver.delivered().at(-1)!;
    expect(hook.body.userId).toBe(SECRET_USER);
    expect(hook.body.AIOutput.disableSensitiveLogging).toBe(true);
    expect(receiver.delivered().at(-2)!.body.AIOutput.disableSensitiveLogging).toBe(false);
  });

  // The executor's failure line and the transformer's own line both quote the user's text unless masked.
  it('maskLogging also masks the lines of a failing message', async () => {
    const masked = await endpointWith(
      { maskLogging: true },
      {
        transformer: {
          code: `createWebhookTransformer({ handleOutput: async ({ output, userId }) => {
            console.log('about to fail for ' + userId);
            throw new Error('cannot send ' + output.text);
          } })`,
          enableOutput: true,
          abortOnError: true,
        },
      },
    );
    const output = captureOutput(t.app);
    try {
      const res = await t.request('POST', `/endpoint/${masked.URLToken}`, {
        body: { userId: SECRET_USER, sessionId: 's1', text: SECRET_TEXT },
      });
      expect(res.status).toBe(202);
      await eventually(async () =>
        expect((await rows('inbound_messages', masked.id, 'status'))[0]?.status).toBe('failed'),
      );
    } finally {
      output.stop();
    }
    const logged = output.text();
    expect(logged).toContain(`on endpoint ${masked.id} failed`);
    for (const secret of [SECRET_USER, SECRET_TEXT]) expect(logged).not.toContain(secret);
  });
});
