import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  sampleValue,
  type MetricFamily,
} from '../../src/modules/metrics/testing/prometheus-text.parser.js';
import { createEndpoint, createFlow, DEFAULT_WEBHOOK_URL } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET_USER = 'metrics-user-5521';
const SECRET_TEXT = 'metrics secret text';

describe('GET /metrics', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let flowId: string;

  const scrape = async (): Promise<{ families: Map<string, MetricFamily>; text: string }> => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return { families: parsePrometheusText(res.text), text: res.text };
  };

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    flowId = (
      await createFlow(t, {
        nodes: [
          { id: 'n1', type: 'say', text: ['a', 'b'], next: 'n2' },
          { id: 'n2', type: 'say', text: 'c' },
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('serves strict Prometheus text without an admin key', async () => {
    const { families } = await scrape();
    expect(families.get('hookflow_messages_processed_total')?.type).toBe('counter');
    expect(families.get('hookflow_delivery_attempt_duration_seconds')?.type).toBe('histogram');
    expect(families.get('hookflow_outbox_depth')?.type).toBe('gauge');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
  });

  it('moves its counters as messages flow, labelled by endpoint id only', async () => {
    const endpoint = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    const labels = { endpoint_id: endpoint.id };
    for (const text of [SECRET_TEXT, 'second']) {
      const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
        body: { userId: SECRET_USER, sessionId: 's1', text },
      });
      expect(res.status).toBe(202);
    }
    await receiver.waitForDelivered(4);

    const { families, text } = await eventually(async () => {
      const current = await scrape();
      expect(
        sampleValue(current.families, 'hookflow_delivery_attempts_total', { ...labels, result: 'delivered' }),
      ).toBe(4);
      return current;
    });
    expect(sampleValue(families, 'hookflow_messages_processed_total', { ...labels, result: 'done' })).toBe(2);
    expect(sampleValue(families, 'hookflow_message_processing_duration_seconds_count', labels)).toBe(2);
    expect(sampleValue(families, 'hookflow_outputs_total', labels)).toBe(4);
    expect(sampleValue(families, 'hookflow_delivery_attempt_duration_seconds_count', labels)).toBe(4);
    expect(sampleValue(families, 'hookflow_outbox_depth', labels)).toBe(0);
    // No user data, ever: only endpoint ids and fixed words as label values.
    expect(text).not.toContain(SECRET_USER);
    expect(text).not.toContain(SECRET_TEXT);
    expect(text).not.toContain('s1');
  });

  it('reports retries and the outbox depth of a failing webhook', async () => {
    const endpoint = await createEndpoint(t, {
      flowId,
      webhookUrl: DEFAULT_WEBHOOK_URL,
      delivery: { retrySchedule: [3600] },
    });
    const labels = { endpoint_id: endpoint.id };
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
      body: { userId: 'u', sessionId: 's', text: 'x' },
    });
    expect(res.status).toBe(202);
    const { families } = await eventually(async () => {
      const current = await scrape();
      expect(sampleValue(current.families, 'hookflow_delivery_attempts_total', { ...labels, result: 'retry' })).toBe(1);
      return current;
    });
    // Both outputs wait: the head for its retry an hour away, the second for the head.
    expect(sampleValue(families, 'hookflow_outbox_depth', labels)).toBe(2);
    expect(sampleValue(families, 'hookflow_delivery_attempts_total', { ...labels, result: 'delivered' })).toBe(0);
  });
});
