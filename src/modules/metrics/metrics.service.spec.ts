import { describe, expect, it } from 'vitest';
import { MetricsService } from './metrics.service.js';
import { parsePrometheusText, sampleValue } from './testing/prometheus-text.parser.js';

describe('MetricsService', () => {
  it('renders strict Prometheus text whose counters and histograms move with observations', async () => {
    const metrics = new MetricsService();
    const before = parsePrometheusText((await metrics.render()).body);
    expect(sampleValue(before, 'hookflow_ingest_requests_total', { endpoint_id: 'e1' })).toBe(0);

    metrics.observeIngest('e1', 'accepted', 0.004);
    metrics.observeIngest('e1', 'accepted', 0.02);
    metrics.observeIngest('e1', 'rate_limited', 0.0001);
    metrics.observeMessageProcessed('e1', 'done', 3, 0.01);
    metrics.observeDeliveryAttempt('e1', 'retry', 0.2);
    metrics.observeDeliveryAttempt('e1', 'delivered', 0.05);
    metrics.observeSandboxRun('e1', 'handleInput', false, 5);

    const rendered = await metrics.render();
    expect(rendered.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = parsePrometheusText(rendered.body);
    expect(after.get('hookflow_ingest_requests_total')?.type).toBe('counter');
    expect(sampleValue(after, 'hookflow_ingest_requests_total', { endpoint_id: 'e1', outcome: 'accepted' })).toBe(2);
    expect(sampleValue(after, 'hookflow_ingest_requests_total', { outcome: 'rate_limited' })).toBe(1);
    expect(sampleValue(after, 'hookflow_ingest_duration_seconds_count', { outcome: 'accepted' })).toBe(2);
    expect(sampleValue(after, 'hookflow_ingest_duration_seconds_bucket', { outcome: 'accepted', le: '0.005' })).toBe(1);
    expect(sampleValue(after, 'hookflow_outputs_total', { endpoint_id: 'e1' })).toBe(3);
    expect(sampleValue(after, 'hookflow_delivery_attempts_total', { result: 'retry' })).toBe(1);
    expect(sampleValue(after, 'hookflow_delivery_attempts_total', { result: 'delivered' })).toBe(1);
    expect(sampleValue(after, 'hookflow_sandbox_failures_total', { hook: 'handleInput' })).toBe(1);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('reads the outbox depth at scrape time and drops endpoints whose queue emptied', async () => {
    const metrics = new MetricsService();
    let depths = new Map([
      ['e1', 4],
      ['e2', 1],
    ]);
    metrics.setOutboxDepthSource(() => Promise.resolve(depths));
    let parsed = parsePrometheusText((await metrics.render()).body);
    expect(sampleValue(parsed, 'hookflow_outbox_depth', { endpoint_id: 'e1' })).toBe(4);
    expect(sampleValue(parsed, 'hookflow_outbox_depth', { endpoint_id: 'e2' })).toBe(1);

    depths = new Map([['e1', 2]]);
    parsed = parsePrometheusText((await metrics.render()).body);
    expect(parsed.get('hookflow_outbox_depth')?.samples).toEqual([
      { name: 'hookflow_outbox_depth', labels: { endpoint_id: 'e1' }, value: 2 },
    ]);

    metrics.setOutboxDepthSource(() => Promise.reject(new Error('database down')));
    parsed = parsePrometheusText((await metrics.render()).body);
    expect(sampleValue(parsed, 'hookflow_outbox_depth', { endpoint_id: 'e1' })).toBe(2);
  });
});
