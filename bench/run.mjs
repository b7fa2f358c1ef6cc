// The benchmark runner of issue 7: hookflow on PostgreSQL against two baselines written here (a raw 202-and-forward
// Fastify server, and a durable one that group-commits each message to PostgreSQL first), run alternately for a
// few rounds, medians reported; then the e2e latency at half of hookflow's maximum throughput, cold start to ready
// on the embedded database, and the drain of a backlog built while the receiver was down. Prints markdown tables
// (README-ready) and writes everything to bench/results/<timestamp>.json. See bench/README.md.
//
//   npm run build && node bench/run.mjs [options]
//     --messages=20000 --sessions=200 --concurrency=64   the load of each measured run
//     --rounds=3                    rounds of hookflow-postgres, raw, durable (alternating)
//     --targets=hookflow-postgres,raw,durable
//     --embedded                    also one hookflow run on the embedded database
//     --embedded-messages=5000      its message count (the embedded database is much slower)
//     --warm-up=500                 unmeasured messages before each run (0: none)
//     --half-seconds=20             length of the run at 50 % of hookflow's max throughput (--no-half: skip)
//     --half-warm-up=<--warm-up>    unmeasured messages before that run: a just-started instance is slower for its first
//                                   few thousand messages (see bench/README.md, Caveats)
//     --backlog=10000               outputs in the backlog drain test (--no-backlog: skip)
//     --backlog-retry-s=auto        retry interval while the receiver is down (auto: from the measured ingest rate)
//     --cold-starts=3               fresh embedded starts, plus one restart (--no-cold-start: skip)
//     --profile                     one more hookflow run under `node --cpu-prof`, summarised (see --profile-dir)
//     --profile-only                just that profiled run (quick look at the bottlenecks)
//     --profile-dir=/tmp/hookflow-prof
//     --profile-rate=0              msg/s of the profiled run (0: as fast as it goes), e.g. where CPU goes at half of max
//     --endpoint='{"delivery":{"maxConcurrency":64}}'   extra endpoint fields for every hookflow run
//     --pg=postgres://postgres@127.0.0.1:5432/postgres
//     --deadline-s=180              stop waiting for a run's outputs this long after its last message was accepted
//     --analyze-every=0             seconds between ANALYZEs of the run's PostgreSQL database (0: never), standing in for
//                                   autovacuum where it is off; without statistics the planner may pick plans whose
//                                   cost grows with the table
//   HOOKFLOW_MAIN=/path/to/dist/main.js measures another build (e.g. a `git archive` of a commit, built apart)
import { execFileSync } from 'node:child_process';
import { clearInterval, setInterval } from 'node:timers';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bool, num, parseArgs, str } from './lib/args.mjs';
import { backlogDrain } from './lib/backlog.mjs';
import { coldStarts } from './lib/cold-start.mjs';
import { DEFAULT_PG_URL, withClient } from './lib/database.mjs';
import { createHttpClient } from './lib/http-client.mjs';
import { formatSummary, readProfiles, summarizeProfile } from './lib/profile-summary.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { printReport } from './lib/run-report.mjs';
import { measureRun, perOutput, warmUp } from './lib/scenario.mjs';
import { median } from './lib/stats.mjs';
import { MAIN } from './lib/hookflow.mjs';
import { startTarget, stopAllTargets } from './lib/targets.mjs';

const args = parseArgs();
const warmUpMessages = num(args, 'warm-up', 500);
const config = {
  messages: num(args, 'messages', 20_000),
  sessions: num(args, 'sessions', 200),
  concurrency: num(args, 'concurrency', 64),
  rounds: num(args, 'rounds', 3),
  targets: str(args, 'targets', 'hookflow-postgres,raw,durable').split(','),
  embedded: bool(args, 'embedded'),
  embeddedMessages: num(args, 'embedded-messages', 5000),
  warmUp: warmUpMessages,
  halfSeconds: bool(args, 'half', true) ? num(args, 'half-seconds', 20) : 0,
  halfWarmUp: num(args, 'half-warm-up', warmUpMessages),
  backlog: bool(args, 'backlog', true) ? num(args, 'backlog', 10_000) : 0,
  backlogRetrySeconds: str(args, 'backlog-retry-s', 'auto'),
  coldStarts: bool(args, 'cold-start', true) ? num(args, 'cold-starts', 3) : 0,
  profile: bool(args, 'profile') || bool(args, 'profile-only'),
  profileOnly: bool(args, 'profile-only'),
  profileRate: num(args, 'profile-rate', 0),
  profileDir: str(args, 'profile-dir', '/tmp/hookflow-prof'),
  endpoint: JSON.parse(str(args, 'endpoint', '{}')),
  pg: str(args, 'pg', DEFAULT_PG_URL),
  deadlineSeconds: num(args, 'deadline-s', 180),
  analyzeEverySeconds: num(args, 'analyze-every', 0),
};
const load = { messages: config.messages, sessions: config.sessions, concurrency: config.concurrency };

const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function machine() {
  const pgVersion = await withClient(config.pg, (db) => db.query('SHOW server_version')).then(
    (res) => res.rows[0].server_version,
    () => 'unreachable',
  );
  const git = (...gitArgs) => {
    try {
      // The checkout the measured build was made from (not a git checkout, e.g. an archive: undefined).
      const root = join(dirname(MAIN), '..');
      if (!existsSync(join(root, '.git'))) return undefined;
      return execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    // An archive built apart may carry its commit in a COMMIT file next to dist/.
    commit:
      git('rev-parse', '--short', 'HEAD') ??
      (existsSync(join(dirname(MAIN), '..', 'COMMIT'))
        ? `${readFileSync(join(dirname(MAIN), '..', 'COMMIT'), 'utf8').trim()} (archive)`
        : undefined),
    uncommittedSourceFiles: git('status', '--porcelain', 'src', 'migrations')?.split('\n').filter(Boolean).length,
    main: MAIN,
    distBuiltAt: statSync(MAIN, { throwIfNoEntry: false })?.mtime.toISOString(),
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    postgres: pgVersion,
    loadAverageAtStart: loadavg().map((value) => +value.toFixed(2)),
  };
}

async function oneRun(
  kind,
  { receiver, client, rate = 0, messages = config.messages, nodeArgs = [], warmUpMessages = config.warmUp },
) {
  const target = await startTarget(kind, {
    receiver,
    client,
    pgAdminUrl: config.pg,
    nodeArgs,
    endpoint: config.endpoint,
  });
  let figures;
  let warmed = 0;
  const analyzer = config.analyzeEverySeconds > 0 && target.database ? keepAnalyzing(target.database) : undefined;
  try {
    if (warmUpMessages > 0)
      warmed = (await warmUp({ target, receiver, client, messages: warmUpMessages, concurrency: config.concurrency }))
        .delivered;
    figures = await measureRun({
      target,
      receiver,
      client,
      ...load,
      messages,
      rate,
      deadlineMs: config.deadlineSeconds * 1000,
    });
  } finally {
    await analyzer?.stop();
    await target.stop();
  }
  const db = perOutput(target.databaseStats, warmed + figures.delivered);
  return { ...figures, readyMs: Math.round(target.readyMs), pgCommitsPerOutput: db?.commits ?? NaN, db };
}

/** ANALYZE the database every --analyze-every seconds (what autovacuum would do), until stopped. */
function keepAnalyzing(database) {
  const url = new URL(config.pg);
  url.pathname = `/${database}`;
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = withClient(url.toString(), (db) => db.query('ANALYZE')).catch(() => undefined);
  }, config.analyzeEverySeconds * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

function summaryLine(kind, f) {
  return (
    `${kind}: ${f.acceptedPerSec} accepted/s, ${f.deliveredPerSec} delivered/s, ` +
    `e2e p99 ${f.e2eP99Ms} ms, CPU ${f.serverCpuMsPerOutput} ms/output, peak RSS ${f.peakRssMb} MB, ` +
    `lost/dup/ooo ${f.lost}/${f.duplicated}/${f.outOfOrder}${f.failed ? `, ${f.failed} refused (${f.firstFailure})` : ''}` +
    `${f.timedOut ? ` — TIMED OUT: ${f.delivered} of ${f.accepted} outputs within the deadline` : ''}`
  );
}

function medians(runs) {
  const byKind = {};
  for (const run of runs) (byKind[run.kind] ??= []).push(run.figures);
  const result = {};
  for (const [kind, list] of Object.entries(byKind)) {
    const keys = Object.keys(list[0]).filter((key) => typeof list[0][key] === 'number');
    result[kind] = Object.fromEntries(keys.map((key) => [key, median(list.map((figures) => figures[key]))]));
    for (const key of ['lost', 'duplicated', 'outOfOrder', 'failed'])
      result[kind][`${key}Total`] = list.reduce((sum, figures) => sum + figures[key], 0);
    result[kind].runs = list.length;
  }
  return result;
}

async function profiled({ receiver, client }) {
  const dir = join(config.profileDir, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  log(`profiled hookflow-postgres run (node --cpu-prof, into ${dir})`);
  const figures = await oneRun('hookflow-postgres', {
    receiver,
    client,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    ...(config.profileRate > 0 ? { rate: config.profileRate } : {}),
  });
  log(summaryLine('hookflow-postgres (profiled)', figures));
  // One file per thread: the main thread, and each worker thread (the transformer pool). Busiest first.
  const summaries = readProfiles(dir)
    .map(({ file, profile }) => {
      const [fromUs, toUs] = figures.windowUs;
      return { file, window: 'measured run', ...summarizeProfile(profile, { top: 30, fromUs, toUs }) };
    })
    .sort((a, b) => b.busyMs - a.busyMs);
  for (const summary of summaries.slice(1))
    log(`also profiled: ${summary.file}: busy ${summary.busyMs} ms of ${summary.totalMs} ms`);
  console.log(`\n${formatSummary(summaries[0], `${summaries[0].file} (measured run only)`)}\n`);
  log(`whole process, start-up included: node bench/lib/profile-summary.mjs ${summaries[0].file}`);
  return { dir, figures, summaries };
}

async function main() {
  const started = performance.now();
  const results = { startedAt: new Date().toISOString(), config, machine: await machine(), runs: [] };
  const client = createHttpClient();
  const receiver = await startReceiver();
  try {
    if (config.profileOnly) {
      results.profile = await profiled({ receiver, client });
    } else {
      for (let round = 1; round <= config.rounds; round++) {
        for (const kind of config.targets) {
          log(`round ${round}/${config.rounds}: ${kind} (${config.messages} messages)`);
          const figures = await oneRun(kind, { receiver, client });
          log(summaryLine(kind, figures));
          results.runs.push({ round, kind, figures });
        }
      }
      if (config.embedded) {
        log(`hookflow-embedded (one run, ${config.embeddedMessages} messages)`);
        const figures = await oneRun('hookflow-embedded', { receiver, client, messages: config.embeddedMessages });
        log(summaryLine('hookflow-embedded', figures));
        results.runs.push({ round: 1, kind: 'hookflow-embedded', figures });
      }
      results.medians = medians(results.runs);
      const hookflow = results.medians['hookflow-postgres'];
      if (config.halfSeconds > 0 && hookflow) {
        const rate = Math.max(1, Math.round(hookflow.deliveredPerSec / 2));
        const messages = Math.min(config.messages, Math.round(rate * config.halfSeconds));
        log(`half of max: hookflow-postgres at ${rate} msg/s (${messages} messages)`);
        const figures = await oneRun('hookflow-postgres', {
          receiver,
          client,
          rate,
          messages,
          warmUpMessages: config.halfWarmUp,
        });
        log(summaryLine('hookflow-postgres @50%', figures));
        log(`half of max: e2e p99 by second of sending (ms): ${figures.e2eP99BySecondMs.join(', ')}`);
        results.halfRate = { rate, ...figures };
      }
      if (config.coldStarts > 0) {
        log(`cold start: ${config.coldStarts} fresh embedded starts and a restart`);
        results.coldStart = await coldStarts({ fresh: config.coldStarts, restart: true, db: 'embedded' });
        log(`cold start: fresh ${results.coldStart.freshMs.join(', ')} ms; restart ${results.coldStart.restartMs} ms`);
      }
      if (config.backlog > 0) {
        // Retries every `interval` s, 20 of them, must outlast building the backlog, or heads are dead-lettered.
        const buildSeconds = config.backlog / Math.max(1, hookflow?.acceptedPerSec ?? 200);
        const retryEverySeconds =
          config.backlogRetrySeconds === 'auto'
            ? Math.min(30, Math.max(1, Math.ceil((1.5 * buildSeconds) / 20)))
            : Number(config.backlogRetrySeconds);
        log(`backlog: ${config.backlog} outputs with the receiver down (retries every ${retryEverySeconds} s)`);
        results.backlog = await backlogDrain({
          receiver,
          client,
          outputs: config.backlog,
          sessions: config.sessions,
          concurrency: config.concurrency,
          retryEverySeconds,
          pgAdminUrl: config.pg,
          endpoint: config.endpoint,
        });
        log(`backlog: ${JSON.stringify(results.backlog)}`);
      }
      if (config.profile) results.profile = await profiled({ receiver, client });
    }
  } finally {
    await receiver.close();
    client.close();
  }
  results.machine.loadAverageAtEnd = loadavg().map((value) => +value.toFixed(2));
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (!config.profileOnly) console.log(printReport(results));
  log(`done in ${results.durationSeconds} s; results in ${file}`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers and dropping their databases`);
    void stopAllTargets().finally(() => process.exit(130));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
