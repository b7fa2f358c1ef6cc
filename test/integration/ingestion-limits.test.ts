/**
 * Rate limit, client IP and ingestion metrics at the public endpoint URL. These need ingestion to call
 * RateLimiter.consume, clientIpToStore and MetricsService.observeIngest (the wiring lines are in the
 * conversation/metrics report); they fail until it does.
 */
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../src/modules/metrics/testing/prometheus-text.parser.js';
import { createEndpoint, createFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('ingestion limits, client IP and metrics', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let flowId: string;

  const send = (endpoint: { URLToken: string }, sessionId = 's1') =>
    t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u1', sessionId, text: 'hi' } });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await WebhookReceiver.start();
    flowId = (await createFlow(t)).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('answers 429 with Retry-After once a burst exceeds the endpoint rate limit', async () => {
    const limited = await createEndpoint(t, {
      flowId,
      webhookUrl: receiver.url,
      rateLimit: { perSecond: 1, burst: 2 },
    });
    const free = await createEndpoint(t, { flowId, webhookUrl: receiver.url });

    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await send(limited);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    // Two from the burst; at 1/s at most one more can have been refilled during the loop.
    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
    expect(refused?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused?.body).toMatchObject({ type: 'urn:hookflow:problem:rate-limited', status: 429 });
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 5; i++) expect((await send(free)).status).toBe(202);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await send(limited)).status).toBe(202);

    const metrics = parsePrometheusText((await t.request('GET', '/metrics')).text);
    const labels = { endpoint_id: limited.id };
    const accepted = statuses.filter((status) => status === 202).length + 1;
    expect(sampleValue(metrics, 'hookflow_ingest_requests_total', { ...labels, outcome: 'accepted' })).toBe(accepted);
    expect(sampleValue(metrics, 'hookflow_ingest_requests_total', { ...labels, outcome: 'rate_limited' })).toBe(
      6 - accepted,
    );
    expect(sampleValue(metrics, 'hookflow_ingest_duration_seconds_count', { ...labels, outcome: 'accepted' })).toBe(
      accepted,
    );
  });

  it('stores the client IP with the message, masked under maskIPAddress', async () => {
    const plain = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    const masked = await createEndpoint(t, {
      flowId,
      webhookUrl: receiver.url,
      dataProtection: { maskIPAddress: true },
    });
    for (const endpoint of [plain, masked]) expect((await send(endpoint, 'ip')).status).toBe(202);

    const ipOf = async (table: string, endpointId: string) => {
      const [row] = await db.query(`SELECT client_ip FROM ${table} WHERE endpoint_id = $1 AND client_ip IS NOT NULL`, [
        endpointId,
      ]);
      return row?.client_ip as string | undefined;
    };
    await eventually(async () => expect(await ipOf('analytics_events', masked.id)).toBeDefined());
    // Fastify's inject comes from 127.0.0.1.
    expect(await ipOf('inbound_messages', plain.id)).toBe('127.0.0.1');
    expect(await ipOf('inbound_messages', masked.id)).toBe('127.0.0.0');
    expect(await ipOf('transcript_entries', masked.id)).toBe('127.0.0.0');
    expect(await ipOf('analytics_events', masked.id)).toBe('127.0.0.0');
  });
});
