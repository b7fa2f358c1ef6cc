import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How an ingestion request ended. `rejected`: 4xx before storing (bad input, auth, inactive endpoint). */
export type IngestOutcome = 'accepted' | 'dropped' | 'rate_limited' | 'rejected' | 'error';

export type ProcessedOutcome = 'done' | 'failed';

export type DeliveryResult = 'delivered' | 'retry' | 'dead';

/** Pending outbox rows per endpoint id, read from the database when /metrics is scraped. */
export type OutboxDepthSource = () => Promise<ReadonlyMap<string, number>>;

const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The app's Prometheus metrics. Labels are endpoint ids and fixed words only — never user ids, session ids,
 * text or URLs — so cardinality stays bounded by the number of endpoints and no user data leaves through
 * /metrics. Each app has its own registry (tests run several apps in one process).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private outboxDepthSource: OutboxDepthSource | null = null;

  private readonly ingestTotal = new Counter({
    name: 'hookflow_ingest_requests_total',
    help: 'Ingestion requests (POST /endpoint/…, inject, notify) by outcome.',
    labelNames: ['endpoint_id', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly ingestDuration = new Histogram({
    name: 'hookflow_ingest_duration_seconds',
    help: 'Time to answer an ingestion request (accepting includes the durable insert).',
    labelNames: ['endpoint_id', 'outcome'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly processedTotal = new Counter({
    name: 'hookflow_messages_processed_total',
    help: 'Inbound messages run through the flow and committed, by result.',
    labelNames: ['endpoint_id', 'result'] as const,
    registers: [this.registry],
  });
  private readonly processDuration = new Histogram({
    name: 'hookflow_message_processing_duration_seconds',
    help: 'Time to process one inbound message (flow, transformers, commit).',
    labelNames: ['endpoint_id'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly outputsTotal = new Counter({
    name: 'hookflow_outputs_total',
    help: 'Outputs written to the outbox.',
    labelNames: ['endpoint_id'] as const,
    registers: [this.registry],
  });
  private readonly deliveriesTotal = new Counter({
    name: 'hookflow_delivery_attempts_total',
    help: 'Webhook delivery attempts by result (delivered, retry scheduled, dead-lettered).',
    labelNames: ['endpoint_id', 'result'] as const,
    registers: [this.registry],
  });
  private readonly attemptDuration = new Histogram({
    name: 'hookflow_delivery_attempt_duration_seconds',
    help: 'Duration of one webhook POST, failed ones included.',
    labelNames: ['endpoint_id'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly sandboxRuns = new Counter({
    name: 'hookflow_sandbox_runs_total',
    help: 'Transformer and code-node runs in the sandbox.',
    labelNames: ['endpoint_id', 'hook'] as const,
    registers: [this.registry],
  });
  private readonly sandboxFailures = new Counter({
    name: 'hookflow_sandbox_failures_total',
    help: 'Sandbox runs that failed (error, time or memory limit).',
    labelNames: ['endpoint_id', 'hook'] as const,
    registers: [this.registry],
  });
  private readonly sandboxDuration = new Histogram({
    name: 'hookflow_sandbox_run_duration_seconds',
    help: 'Duration of one sandbox run.',
    labelNames: ['endpoint_id', 'hook'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });

  private readonly outboxDepth: Gauge<'endpoint_id'> = new Gauge({
    name: 'hookflow_outbox_depth',
    help: 'Outputs waiting for delivery (pending outbox rows) per endpoint, read from the shared database: every instance reports the same figure.',
    labelNames: ['endpoint_id'] as const,
    registers: [this.registry],
    collect: () => this.collectOutboxDepth(),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeIngest(endpointId: string, outcome: IngestOutcome, seconds: number): void {
    const labels = { endpoint_id: endpointId, outcome };
    this.ingestTotal.inc(labels);
    this.ingestDuration.observe(labels, seconds);
  }

  observeMessageProcessed(endpointId: string, result: ProcessedOutcome, outputs: number, seconds: number): void {
    this.processedTotal.inc({ endpoint_id: endpointId, result });
    this.processDuration.observe({ endpoint_id: endpointId }, seconds);
    if (outputs > 0) this.outputsTotal.inc({ endpoint_id: endpointId }, outputs);
  }

  observeDeliveryAttempt(endpointId: string, result: DeliveryResult, seconds: number): void {
    this.deliveriesTotal.inc({ endpoint_id: endpointId, result });
    this.attemptDuration.observe({ endpoint_id: endpointId }, seconds);
  }

  /** `hook`: a fixed name such as `handleInput` or `codeNode`, never user data. */
  observeSandboxRun(endpointId: string, hook: string, ok: boolean, seconds: number): void {
    const labels = { endpoint_id: endpointId, hook };
    this.sandboxRuns.inc(labels);
    if (!ok) this.sandboxFailures.inc(labels);
    this.sandboxDuration.observe(labels, seconds);
  }

  /** The delivery module supplies the outbox-depth query (metrics stays free of database access). */
  setOutboxDepthSource(source: OutboxDepthSource): void {
    this.outboxDepthSource = source;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async collectOutboxDepth(): Promise<void> {
    if (!this.outboxDepthSource) return;
    try {
      const depths = await this.outboxDepthSource();
      // Reset first: an endpoint whose queue emptied must drop to absent, not keep its last value.
      this.outboxDepth.reset();
      for (const [endpointId, depth] of depths) this.outboxDepth.set({ endpoint_id: endpointId }, depth);
    } catch (error) {
      // A scrape during a database outage still answers, with the last known depths.
      this.logger.warn(`could not read the outbox depth: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
