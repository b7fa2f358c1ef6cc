import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../config/app-config.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { DeliveryTarget } from './delivery-target.js';
import { DeliveryWorker } from './delivery.worker.js';
import type { OutboundResponse } from './http/outbound-http.shared.js';
import type { WebhookPoster } from './http/webhook-poster.js';
import type { AttemptOutcome, NewOutboxRow, OutboxRepository } from './outbox.repository.js';

// The hand-off rules, with the database and the receiver played by hand: which outputs go out without a claim, and
// which go back because an earlier one of their session may still be retried.

const key = { endpointId: 'e', userId: 'u', sessionId: 's' };
const target: DeliveryTarget = {
  webhookUrl: 'http://receiver.test/hook',
  basicAuth: null,
  signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  timeoutMs: 1000,
  retryScheduleSeconds: [60],
  maxConcurrency: 4,
};

function output(sequence: number): NewOutboxRow {
  return { ...key, id: `o${sequence}`, sequence, inputId: null, traceId: null, body: `{"n":${sequence}}` };
}

/** A promise with its resolver, to hold a step until the test lets it go. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

function setUp() {
  const posted: string[] = [];
  const released: string[] = [];
  const finished: Array<{ id: string; outcome: AttemptOutcome['status'] }> = [];
  const replies = new Map<string, ReturnType<typeof gate<OutboundResponse>>>();
  const records = new Map<string, ReturnType<typeof gate<void>>>();
  const reply = (id: string) => {
    if (!replies.has(id)) replies.set(id, gate<OutboundResponse>());
    return replies.get(id)!;
  };
  const record = (id: string) => {
    if (!records.has(id)) records.set(id, gate<void>());
    return records.get(id)!;
  };
  const outbox = {
    claimRun: () => Promise.resolve([]),
    releaseLeases: (deliveries: ReadonlyArray<{ id: string }>) => {
      released.push(...deliveries.map((delivery) => delivery.id));
      return Promise.resolve();
    },
    finishAttempt: (id: string, _owner: string, _attempt: unknown, outcome: AttemptOutcome) => {
      finished.push({ id, outcome: outcome.status });
      return record(id).promise;
    },
  } as unknown as OutboxRepository;
  const poster = {
    post: (request: { body: string }) => {
      const id = `o${(JSON.parse(request.body) as { n: number }).n}`;
      posted.push(id);
      return reply(id).promise;
    },
  } as unknown as WebhookPoster;
  const worker = new DeliveryWorker(
    outbox,
    { get: () => Promise.resolve(target) },
    poster,
    { value: 'me' },
    { observeDeliveryAttempt: () => undefined } as unknown as MetricsService,
    { leaseMs: 15_000, sweepIntervalMs: 60_000 } as AppConfig,
  );
  const ok: OutboundResponse = { ok: true, statusCode: 200, headers: {}, bodyText: '', durationMs: 1 };
  const unavailable: OutboundResponse = { ok: true, statusCode: 503, headers: {}, bodyText: '', durationMs: 1 };
  return { worker, posted, released, finished, reply, record, ok, unavailable };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('DeliveryWorker.handOff', () => {
  it('sends outputs that are their session head, and the ones committed behind them, in order', async () => {
    const { worker, posted, reply, record, ok } = setUp();
    worker.handOff(key, [output(1)], 0, 'none');
    await settle();
    expect(posted).toEqual(['o1']);
    worker.handOff(key, [output(2), output(3)], 0, 'here');
    reply('o1').open(ok);
    record('o1').open();
    await settle();
    reply('o2').open(ok);
    record('o2').open();
    await settle();
    reply('o3').open(ok);
    record('o3').open();
    await settle();
    expect(posted).toEqual(['o1', 'o2', 'o3']);
  });

  it('hands back what was committed behind an output that turns out to be retried', async () => {
    const { worker, posted, released, finished, reply, record, unavailable } = setUp();
    worker.handOff(key, [output(1)], 0, 'none');
    await settle();
    reply('o1').open(unavailable);
    await settle();
    // o1's outcome (retry) is being recorded; a commit that saw o1 still leased here hands o2 over meanwhile.
    expect(finished).toEqual([{ id: 'o1', outcome: 'retry' }]);
    worker.handOff(key, [output(2)], 0, 'here');
    record('o1').open();
    await settle();
    expect(posted).toEqual(['o1']);
    expect(released).toEqual(['o2']);

    // A commit that saw o1 leased here, handed over only after the retry was recorded: it goes back too.
    worker.handOff(key, [output(3)], 0, 'here');
    await settle();
    expect(posted).toEqual(['o1']);
    expect(released).toEqual(['o2', 'o3']);
  });

  it('still follows on outputs sent just before, after its session loop ended', async () => {
    const { worker, posted, released, reply, record, ok } = setUp();
    worker.handOff(key, [output(1)], 0, 'none');
    await settle();
    reply('o1').open(ok);
    record('o1').open();
    await settle();
    // The commit of o2 saw o1 pending (its delivery not yet recorded), leased here.
    worker.handOff(key, [output(2)], 0, 'here');
    await settle();
    expect(posted).toEqual(['o1', 'o2']);
    expect(released).toEqual([]);
  });

  it('never sends outputs while earlier ones wait elsewhere, nor ones that do not follow what it holds', async () => {
    const { worker, posted, released } = setUp();
    worker.handOff(key, [output(4)], 0, 'elsewhere');
    worker.handOff({ ...key, sessionId: 'other' }, [{ ...output(7), sessionId: 'other' }], 0, 'here');
    await settle();
    expect(posted).toEqual([]);
    expect(released).toEqual(['o4', 'o7']);
  });
});
