// What endpoint transformers cost. Two measurements:
//   1. Per-call overhead of a trivial handleOutput: the built TransformerRuntime in this process, the same pool
//      the server uses (SANDBOX_WORKERS workers), one call at a time (latency: median, p99) and then many at once
//      (calls/s, and CPU time of the whole process, all threads, per call: steadier than wall time on a shared
//      machine). This is the sandbox's cost alone: args out, QuickJS run, result back. With --endpoints=N the
//      calls go round-robin to N endpoints: more than a worker keeps warm contexts for (32) measures cold calls.
//   2. End to end: one hookflow server (built dist/main.js, PostgreSQL by default) with two endpoints on the echo
//      flow, one with trivial input + output transformers and one without, measured alternately (rounds) with
//      the load generator of bench/load.mjs; medians of delivered/s, e2e latency and server CPU per output.
//
//   npm run build && node bench/transformer.mjs [options]
//     --calls=5000 --warm-calls=500 --parallel=64     part 1: sequential calls, warm-up calls, calls in flight
//     --endpoints=1                                   part 1: endpoints the calls are spread over
//     --workers=2                                     SANDBOX_WORKERS, for both parts
//     --messages=5000 --sessions=100 --concurrency=32 --rounds=2 --warm-up=500   part 2, per run
//     --rate=0                                        part 2: messages/s (0: as fast as the server answers; a rate
//                                                     below capacity compares latency and CPU without a backlog)
//     --db=postgres|embedded --pg=postgres://postgres@127.0.0.1:5432/postgres
//     --no-calls / --no-e2e                            skip a part
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bool, num, parseArgs, str } from './lib/args.mjs';
import { DEFAULT_PG_URL } from './lib/database.mjs';
import { createEchoEndpoint, MAIN, startHookflow } from './lib/hookflow.mjs';
import { createHttpClient } from './lib/http-client.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { markdownTable, ratio } from './lib/report.mjs';
import { measureRun, warmUp } from './lib/scenario.mjs';
import { median, round, summarize } from './lib/stats.mjs';

const args = parseArgs();
const config = {
  calls: bool(args, 'calls', true) ? num(args, 'calls', 5000) : 0,
  warmCalls: num(args, 'warm-calls', 500),
  parallel: num(args, 'parallel', 64),
  endpoints: num(args, 'endpoints', 1),
  workers: num(args, 'workers', 2),
  e2e: bool(args, 'e2e', true),
  messages: num(args, 'messages', 5000),
  sessions: num(args, 'sessions', 100),
  concurrency: num(args, 'concurrency', 32),
  rounds: num(args, 'rounds', 2),
  warmUp: num(args, 'warm-up', 500),
  rate: num(args, 'rate', 0),
  db: str(args, 'db', 'postgres'),
  pg: str(args, 'pg', DEFAULT_PG_URL),
};

/** Trivial, but real work: the input keeps the request's fields, the output passes the default body through. */
const TRANSFORMER = {
  code: `createWebhookTransformer({
  handleInput: async ({ request }) => ({ text: request.body.text }),
  handleOutput: async ({ processedOutput }) => ({ ...processedOutput, transformed: true }),
});`,
  enableInput: true,
  enableOutput: true,
};

/** The webhook body the pipeline hands handleOutput for one echo-flow output. */
function processedOutput(i) {
  return {
    userId: 'bench',
    sessionId: `s${i % 100}`,
    AIOutput: {
      text: `s${i % 100}:${i}`,
      data: { echo: { s: i % 100, k: i } },
      traceId: `endpoint-httpIncomingMessage-${i}`,
      disableSensitiveLogging: false,
      source: 'bot',
    },
    id: '0190f3b4-0000-7000-8000-000000000000',
    sequence: i + 1,
    inputId: '9b2f6a52-0000-4000-8000-000000000000',
    endpointId: 'b7c1a0d4-0000-4000-8000-000000000000',
    createdAt: new Date(0).toISOString(),
  };
}

async function callOverhead() {
  const dist = dirname(MAIN);
  const { TransformerRuntime } = await import(pathToFileURL(join(dist, 'modules/transformer/transformer-runtime.js')));
  const { compileTransformer } = await import(pathToFileURL(join(dist, 'modules/transformer/transformer-compiler.js')));
  const compiled = compileTransformer(TRANSFORMER.code);
  if (!compiled.ok) throw new Error(compiled.message);
  const host = {
    httpRequest: () => Promise.reject(new Error('not in this bench')),
    loadSessionStorage: () => Promise.resolve({}),
  };
  const runtime = new TransformerRuntime({ host, poolSize: config.workers });
  const call = (i) =>
    runtime.runHook({
      endpointId: `bench-${i % config.endpoints}`,
      compiledJs: compiled.js,
      hook: 'handleOutput',
      args: {
        output: { text: `t${i}`, data: {} },
        processedOutput: processedOutput(i),
        userId: 'bench',
        sessionId: 's',
      },
    });
  try {
    await runtime.warmUp();
    for (let i = 0; i < config.warmCalls; i++) await call(i);
    const latencies = [];
    const inSandbox = [];
    const sequentialCpu = process.cpuUsage();
    for (let i = 0; i < config.calls; i++) {
      const start = performance.now();
      const result = await call(i);
      latencies.push(performance.now() - start);
      if (!result.ok) throw new Error(`handleOutput failed: ${result.error.message}`);
      inSandbox.push(result.durationMs);
    }
    const sequentialCpuUs = cpuMicros(process.cpuUsage(sequentialCpu));
    const parallelCpu = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: config.parallel }, async () => {
        while (next < config.calls) await call(next++);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const parallelCpuUs = cpuMicros(process.cpuUsage(parallelCpu));
    const latency = summarize(latencies);
    const sandbox = summarize(inSandbox);
    return {
      calls: config.calls,
      workers: config.workers,
      endpoints: config.endpoints,
      medianMs: round(latency.p50, 3),
      p99Ms: round(latency.p99, 3),
      sandboxMedianMs: round(sandbox.p50, 3),
      parallelCallsPerSec: Math.round(config.calls / seconds),
      sequentialCpuUsPerCall: Math.round(sequentialCpuUs / config.calls),
      parallelCpuUsPerCall: Math.round(parallelCpuUs / config.calls),
    };
  } finally {
    await runtime.close();
  }
}

function cpuMicros({ user, system }) {
  return user + system;
}

async function endToEnd() {
  const client = createHttpClient();
  const receiver = await startReceiver();
  const hookflow = await startHookflow({
    db: config.db,
    pgAdminUrl: config.pg,
    env: { SANDBOX_WORKERS: String(config.workers) },
    name: 'hookflow',
  });
  try {
    const variants = {
      off: await createEchoEndpoint(hookflow, client, { webhookUrl: receiver.url }),
      on: await createEchoEndpoint(hookflow, client, {
        webhookUrl: receiver.url,
        endpoint: { transformer: TRANSFORMER },
      }),
    };
    const targets = Object.fromEntries(
      Object.entries(variants).map(([name, endpoint]) => [
        name,
        { pid: hookflow.pid, ingestUrl: endpoint.ingestUrl, database: hookflow.database },
      ]),
    );
    for (const target of Object.values(targets)) {
      if (config.warmUp > 0)
        await warmUp({ target, receiver, client, messages: config.warmUp, concurrency: config.concurrency });
    }
    const runs = { off: [], on: [] };
    for (let round = 0; round < config.rounds; round++) {
      for (const name of ['off', 'on']) {
        const figures = await measureRun({
          target: targets[name],
          receiver,
          client,
          messages: config.messages,
          sessions: config.sessions,
          concurrency: config.concurrency,
          rate: config.rate,
          stallMs: 60_000,
        });
        if (figures.lost || figures.duplicated || figures.outOfOrder || figures.failed) {
          throw new Error(`transformers ${name}: ${JSON.stringify(figures)}`);
        }
        runs[name].push(figures);
        process.stderr.write(
          `round ${round + 1} transformers ${name}: ${figures.deliveredPerSec} delivered/s, ` +
            `e2e p50 ${figures.e2eP50Ms} ms, machine ${figures.machineBusyPct} % busy\n`,
        );
      }
    }
    const summary = (list) => ({
      deliveredPerSec: Math.round(median(list.map((f) => f.deliveredPerSec))),
      acceptedPerSec: Math.round(median(list.map((f) => f.acceptedPerSec))),
      ingestP50Ms: median(list.map((f) => f.ingestP50Ms)),
      e2eP50Ms: median(list.map((f) => f.e2eP50Ms)),
      e2eP99Ms: median(list.map((f) => f.e2eP99Ms)),
      serverCpuMsPerOutput: median(list.map((f) => f.serverCpuMsPerOutput)),
    });
    return { db: config.db, off: summary(runs.off), on: summary(runs.on), runs };
  } finally {
    await hookflow.stop();
    await receiver.close();
    client.close();
  }
}

function report(calls, e2e) {
  if (calls) {
    const spread = calls.endpoints === 1 ? '' : `, ${calls.endpoints} endpoints`;
    console.log(`\n### handleOutput per-call overhead (${calls.workers} workers, ${calls.calls} calls${spread})\n`);
    console.log(
      markdownTable(
        ['', 'median ms', 'p99 ms', 'in sandbox (median) ms', 'calls/s (parallel)', 'CPU µs/call (seq / parallel)'],
        [
          [
            'trivial handleOutput',
            calls.medianMs.toFixed(3),
            calls.p99Ms.toFixed(3),
            calls.sandboxMedianMs.toFixed(3),
            calls.parallelCallsPerSec,
            `${calls.sequentialCpuUsPerCall} / ${calls.parallelCpuUsPerCall}`,
          ],
        ],
      ),
    );
  }
  if (e2e) {
    const load = config.rate > 0 ? `${config.rate} msg/s` : 'max rate';
    console.log(
      `\n### Input + output transformers on vs off (${e2e.db}, ${load}, median of ${config.rounds} rounds)\n`,
    );
    const row = (name, f) => [
      name,
      f.deliveredPerSec,
      f.ingestP50Ms.toFixed(1),
      f.e2eP50Ms.toFixed(1),
      f.e2eP99Ms.toFixed(1),
      f.serverCpuMsPerOutput.toFixed(2),
    ];
    console.log(
      markdownTable(
        ['transformers', 'delivered/s', 'ingest p50 ms', 'e2e p50 ms', 'e2e p99 ms', 'server CPU ms/output'],
        [
          row('off', e2e.off),
          row('on', e2e.on),
          ['on ÷ off', ratio(e2e.on.deliveredPerSec, e2e.off.deliveredPerSec), '', '', '', ''],
        ],
      ),
    );
  }
}

async function main() {
  const calls = config.calls > 0 ? await callOverhead() : undefined;
  const e2e = config.e2e ? await endToEnd() : undefined;
  console.log(JSON.stringify({ config, calls, e2e: e2e && { db: e2e.db, off: e2e.off, on: e2e.on } }, null, 2));
  report(calls, e2e);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
