// One measured run against a server that is already up: send the load, wait for every output at the receiver,
// and turn what was seen into the figures the reports print.
//
//   await measureRun({ target, receiver, client, messages, sessions, concurrency, rate = 0, headers, message,
//                      stallMs = 30000, settleMs = 500 }) -> figures
//     target     { pid, ingestUrl, database? } (from startTarget() in targets.mjs, or your own)
//     stallMs    give up waiting for outputs after this long without a new arrival (they count as lost)
//     deadlineMs give up waiting this long after the last message was accepted, arrivals or not (timedOut: true)
//     settleMs   keep listening this long after the last expected output, to catch late duplicates
//   figures: { messages, sessions, concurrency, rate, accepted, failed, statuses, firstFailure, acceptedPerSec,
//              deliveredPerSec, ingestP50Ms, ingestP99Ms, e2eP50Ms, e2eP99Ms, e2eMaxMs, e2eP99BySecondMs (p99 of the
//              messages sent in each second), serverCpuMsPerOutput,
//              postgresCpuMsPerOutput, benchCpuMsPerOutput, machineBusyPct, rssMb, peakRssMb, delivered,
//              requestsPerConnection (webhook POSTs per TCP connection the server opened to the receiver), lost,
//              duplicated, outOfOrder, unparsed, seconds, windowUs: [from, to], timedOut? }
//     windowUs: the measured window on the process.hrtime() clock in microseconds (the clock of CPU profiles)
//     accepted/s: accepted messages over first send -> last 202; delivered/s: distinct outputs over first send ->
//     last arrival; e2e: client send -> webhook arrival; CPU per output: CPU time over the whole window (send ->
//     last arrival) divided by the outputs delivered. One output per message (the echo flow): lost counts
//     accepted messages whose output never came.
//
//   await warmUp({ target, receiver, client, messages = 500, sessions = 50, concurrency }) -> { delivered }
//     a short unmeasured run on other sessions (JIT, connection pools, caches), then receiver.reset()
//
//   perOutput(databaseStats, outputs) -> { commits, idxScans, seqScans, rowsReturned, rowsWritten, tables, indexes }
//     PostgreSQL work per output over a target's life (warm-up outputs included, so pass their count too)
//
//   await waitForOutputs(receiver, expected, { stallMs = 30000, deadlineMs = Infinity }) -> boolean (all arrived)
import { setInterval as every } from 'node:timers/promises';
import { benchMessage, runLoad } from './load-generator.mjs';
import { processMemory, startCpuMeter } from './proc.mjs';
import { round, summarize } from './stats.mjs';

const WARM_UP_SESSION_OFFSET = 1_000_000;

const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);

export async function waitForOutputs(receiver, expected, { stallMs = 30_000, deadlineMs = Infinity } = {}) {
  let seen = receiver.count;
  let lastProgress = performance.now();
  const deadline = performance.now() + deadlineMs;
  for await (const _ of every(10)) {
    if (receiver.count >= expected) return true;
    if (performance.now() > deadline) return false;
    if (receiver.count !== seen) {
      seen = receiver.count;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > stallMs) return false;
  }
}

export async function warmUp({ target, receiver, client, messages = 500, sessions = 50, concurrency = 16 }) {
  receiver.reset();
  const load = await runLoad({
    client,
    url: target.ingestUrl,
    messages,
    sessions,
    concurrency,
    message: (s, k) => benchMessage(s + WARM_UP_SESSION_OFFSET, k),
  });
  if (load.accepted === 0) throw new Error(`warm-up: nothing accepted (${load.firstFailure})`);
  await waitForOutputs(receiver, load.accepted, { stallMs: 10_000 });
  const delivered = receiver.count;
  receiver.reset();
  return { delivered };
}

export function perOutput(stats, outputs) {
  if (!stats || !outputs) return undefined;
  const per = (value) => round(value / outputs, 2);
  return {
    commits: per(stats.commits),
    idxScans: per(stats.idxScans),
    seqScans: per(stats.seqScans),
    rowsReturned: per(stats.rowsReturned),
    rowsWritten: per(stats.rowsInserted + stats.rowsUpdated + stats.rowsDeleted),
    tables: Object.fromEntries(
      Object.entries(stats.tables).map(([name, t]) => [
        name,
        { idxScans: per(t.idxScans), seqScans: per(t.seqScans), inserted: per(t.inserted), updated: per(t.updated) },
      ]),
    ),
    indexes: Object.fromEntries(Object.entries(stats.indexes ?? {}).map(([name, scans]) => [name, per(scans)])),
  };
}

function endToEnd(arrivals, sentAt, startedAt) {
  const latencies = [];
  const bySecond = [];
  const arrived = new Set();
  for (let i = 0; i < arrivals.t.length; i++) {
    const s = arrivals.s[i];
    const k = arrivals.k[i];
    arrived.add(`${s}:${k}`);
    const sent = sentAt[s]?.[k];
    if (sent === undefined || Number.isNaN(sent)) continue;
    latencies.push(arrivals.t[i] - sent);
    const second = Math.max(0, Math.floor((sent - startedAt) / 1000));
    (bySecond[second] ??= []).push(arrivals.t[i] - sent);
  }
  let lost = 0;
  sentAt.forEach((times, s) =>
    times.forEach((sent, k) => {
      if (!Number.isNaN(sent) && !arrived.has(`${s}:${k}`)) lost++;
    }),
  );
  // p99 of the messages sent in each second of the run: shows a slow start, or a slow spell, that one p99 hides.
  const p99BySecond = Array.from(bySecond, (values) => (values ? round(summarize(values).p99, 1) : null));
  return { latencies, lost, p99BySecond };
}

export async function measureRun({
  target,
  receiver,
  client,
  messages,
  sessions,
  concurrency,
  rate = 0,
  headers = {},
  message,
  stallMs = 30_000,
  deadlineMs = 180_000,
  settleMs = 500,
}) {
  receiver.reset();
  const fromUs = hrtimeUs();
  const meter = startCpuMeter(target.pid, { database: target.database });
  const load = await runLoad({
    client,
    url: target.ingestUrl,
    messages,
    sessions,
    concurrency,
    rate,
    headers,
    ...(message ? { message } : {}),
  });
  const complete = await waitForOutputs(receiver, load.accepted, { stallMs, deadlineMs });
  const cpu = meter.stop();
  const toUs = hrtimeUs();
  const memory = processMemory(target.pid);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const seen = receiver.snapshot();
  const { latencies, lost, p99BySecond } = endToEnd(seen.arrivals, load.sentAt, load.startedAt);
  const ingest = summarize(load.ingestMs);
  const e2e = summarize(latencies);
  const outputs = Math.max(1, seen.count);
  return {
    messages,
    sessions,
    concurrency,
    rate: rate || 'max',
    accepted: load.accepted,
    failed: load.failed,
    statuses: load.statuses,
    ...(load.firstFailure ? { firstFailure: load.firstFailure } : {}),
    acceptedPerSec: Math.round(load.acceptedPerSec),
    deliveredPerSec: Math.round(seen.count / ((seen.lastAt - load.startedAt) / 1000)) || 0,
    ingestP50Ms: round(ingest.p50, 1),
    ingestP99Ms: round(ingest.p99, 1),
    e2eP50Ms: round(e2e.p50, 1),
    e2eP99Ms: round(e2e.p99, 1),
    e2eMaxMs: round(e2e.max, 1),
    e2eP99BySecondMs: p99BySecond,
    serverCpuMsPerOutput: round(cpu.serverCpuMs / outputs, 3),
    postgresCpuMsPerOutput: round(cpu.postgresCpuMs / outputs, 3),
    benchCpuMsPerOutput: round(cpu.benchCpuMs / outputs, 3),
    machineBusyPct: round(cpu.machineBusyPct, 0),
    rssMb: Math.round(memory.rssMb),
    peakRssMb: Math.round(memory.peakRssMb),
    delivered: seen.count,
    requestsPerConnection: round(seen.requests / Math.max(1, seen.connections), 1),
    lost,
    duplicated: seen.duplicated,
    outOfOrder: seen.outOfOrder,
    unparsed: seen.unparsed,
    seconds: round((seen.lastAt - load.startedAt) / 1000, 2),
    windowUs: [fromUs, toUs],
    ...(complete ? {} : { timedOut: true }),
  };
}
