// The markdown report of bench/run.mjs (results JSON in, README-ready tables out).
//
//   printReport(results) -> string    tables: hookflow vs baselines (medians, ratios), targets of issue 7, rounds
//   TARGETS_OF_ISSUE_7                the thresholds the targets table checks against
import { cell, mark, markdownTable, pct, ratio } from './report.mjs';
import { TARGETS } from './targets.mjs';

export const TARGETS_OF_ISSUE_7 = {
  deliveredVsDurable: 0.6,
  deliveredVsRaw: 0.4,
  cpuMsPerOutput: 0.35,
  e2eP99AtHalfMs: 50,
  transformersOnVsOff: 0.7,
  peakRssMb: 300,
  coldStartMs: 2000,
  backlogDrainPerSec: 2000,
};

const ROWS = [
  ['accepted msg/s', 'acceptedPerSec', 0],
  ['delivered outputs/s', 'deliveredPerSec', 0],
  ['ingest p50 (ms)', 'ingestP50Ms', 1],
  ['ingest p99 (ms)', 'ingestP99Ms', 1],
  ['end-to-end p50 (ms)', 'e2eP50Ms', 1],
  ['end-to-end p99 (ms)', 'e2eP99Ms', 1],
  ['server CPU per output (ms)', 'serverCpuMsPerOutput', 3],
  ['PostgreSQL CPU per output (ms)', 'postgresCpuMsPerOutput', 3],
  ['PostgreSQL commits per output', 'pgCommitsPerOutput', 2],
  ['peak RSS (MB)', 'peakRssMb', 0],
  ['webhook POSTs per connection', 'requestsPerConnection', 1],
  ['start to ready (ms)', 'readyMs', 0],
  ['machine busy during run (%)', 'machineBusyPct', 0],
];

function comparisonTable(medians) {
  const hookflow = medians['hookflow-postgres'] ?? {};
  const raw = medians.raw ?? {};
  const durable = medians.durable ?? {};
  const embedded = medians['hookflow-embedded'];
  const header = ['median', TARGETS['hookflow-postgres'].label, TARGETS.raw.label, TARGETS.durable.label];
  header.push('hookflow ÷ raw', 'hookflow ÷ durable');
  if (embedded) header.push(`${TARGETS['hookflow-embedded'].label}, 1 run`);
  const rows = ROWS.map(([label, key, digits]) => {
    const row = [label, cell(hookflow[key], digits), cell(raw[key], digits), cell(durable[key], digits)];
    const comparable = key !== 'machineBusyPct';
    row.push(comparable ? ratio(hookflow[key], raw[key]) : '—', comparable ? ratio(hookflow[key], durable[key]) : '—');
    if (embedded) row.push(cell(embedded[key], digits));
    return row;
  });
  const losses = (m) => (m?.runs ? `${m.lostTotal} / ${m.duplicatedTotal} / ${m.outOfOrderTotal}` : '—');
  const lossRow = [
    'lost / duplicated / out of order (all runs)',
    losses(hookflow),
    losses(raw),
    losses(durable),
    '',
    '',
  ];
  if (embedded) lossRow.push(losses(embedded));
  rows.push(lossRow);
  return markdownTable(header, rows);
}

function targetRows(results) {
  const t = TARGETS_OF_ISSUE_7;
  const m = results.medians ?? {};
  const hookflow = m['hookflow-postgres'];
  const rows = [];
  const check = (label, measured, target, ok) => rows.push([label, measured, target, mark(ok)]);
  if (hookflow && m.durable)
    check(
      'delivered outputs/s vs durable baseline',
      pct(hookflow.deliveredPerSec, m.durable.deliveredPerSec),
      `≥ ${t.deliveredVsDurable * 100} %`,
      hookflow.deliveredPerSec >= t.deliveredVsDurable * m.durable.deliveredPerSec,
    );
  if (hookflow && m.raw)
    check(
      'delivered outputs/s vs raw baseline',
      pct(hookflow.deliveredPerSec, m.raw.deliveredPerSec),
      `≥ ${t.deliveredVsRaw * 100} %`,
      hookflow.deliveredPerSec >= t.deliveredVsRaw * m.raw.deliveredPerSec,
    );
  if (hookflow) {
    check(
      'server CPU per delivered output',
      `${cell(hookflow.serverCpuMsPerOutput, 3)} ms`,
      `≤ ${t.cpuMsPerOutput} ms`,
      hookflow.serverCpuMsPerOutput <= t.cpuMsPerOutput,
    );
  }
  if (results.halfRate)
    check(
      `end-to-end p99 at 50 % of max (${results.halfRate.rate} msg/s, after ${results.config.halfWarmUp} warm-up messages)`,
      `${cell(results.halfRate.e2eP99Ms, 1)} ms (p50 ${cell(results.halfRate.e2eP50Ms, 1)})`,
      `≤ ${t.e2eP99AtHalfMs} ms`,
      results.halfRate.e2eP99Ms <= t.e2eP99AtHalfMs,
    );
  check('transformers on vs off', 'bench/transformer.mjs', `≥ ${t.transformersOnVsOff * 100} %`, undefined);
  if (hookflow)
    check(
      'peak RSS (hookflow, PostgreSQL)',
      `${cell(hookflow.peakRssMb)} MB`,
      `≤ ${t.peakRssMb} MB`,
      hookflow.peakRssMb <= t.peakRssMb,
    );
  if (m['hookflow-embedded'])
    check(
      'peak RSS (hookflow, embedded)',
      `${cell(m['hookflow-embedded'].peakRssMb)} MB`,
      `≤ ${t.peakRssMb} MB`,
      m['hookflow-embedded'].peakRssMb <= t.peakRssMb,
    );
  if (results.coldStart)
    check(
      'cold start to ready, embedded (fresh folder; restart)',
      `${cell(results.coldStart.medianFreshMs)} ms; ${cell(results.coldStart.restartMs)} ms`,
      `≤ ${t.coldStartMs} ms`,
      results.coldStart.medianFreshMs <= t.coldStartMs,
    );
  if (results.backlog) {
    const b = results.backlog;
    check(
      `backlog of ${cell(b.accepted)} drains (steady; from receiver up)`,
      `${cell(b.drainPerSecSteady)}/s; ${cell(b.drainPerSecFromUp)}/s`,
      `≥ ${cell(t.backlogDrainPerSec)}/s`,
      b.drainPerSecSteady >= t.backlogDrainPerSec,
    );
    check(
      'backlog: lost / duplicated / out of order / dead',
      `${b.lost} / ${b.duplicated} / ${b.outOfOrder} / ${b.dead}`,
      '0',
      b.lost + b.duplicated + b.outOfOrder + b.dead === 0,
    );
  }
  const all = (results.runs ?? []).map((run) => run.figures);
  if (results.halfRate) all.push(results.halfRate);
  if (all.length)
    check(
      'lost / duplicated / out of order, every run',
      `${all.reduce((s, f) => s + f.lost, 0)} / ${all.reduce((s, f) => s + f.duplicated, 0)} / ${all.reduce((s, f) => s + f.outOfOrder, 0)}`,
      '0',
      all.every((f) => f.lost + f.duplicated + f.outOfOrder === 0),
    );
  return rows;
}

function roundsTable(runs) {
  return markdownTable(
    [
      'run',
      'round',
      'accepted/s',
      'delivered/s',
      'e2e p99 (ms)',
      'CPU ms/output',
      'PG CPU ms/output',
      'machine busy %',
    ],
    runs.map(({ kind, round, figures: f }) => [
      kind,
      round,
      cell(f.acceptedPerSec),
      cell(f.deliveredPerSec),
      cell(f.e2eP99Ms, 1),
      cell(f.serverCpuMsPerOutput, 3),
      cell(f.postgresCpuMsPerOutput, 3),
      cell(f.machineBusyPct),
    ]),
  );
}

function databaseWork(runs) {
  const first = (kind) => runs.find((run) => run.kind === kind && run.figures.db)?.figures.db;
  const columns = ['hookflow-postgres', 'durable'].filter((kind) => first(kind));
  if (columns.length === 0) return '';
  const row = (label, pick) => [label, ...columns.map((kind) => cell(pick(first(kind)), 2))];
  const hookflow = first('hookflow-postgres');
  const topIndexes = Object.entries(hookflow?.indexes ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, scans]) => `${name} ${scans}`)
    .join(', ');
  return [
    markdownTable(
      ['PostgreSQL work per output (first round, warm-up included)', ...columns.map((kind) => TARGETS[kind].label)],
      [
        row('commits', (db) => db.commits),
        row('index scans', (db) => db.idxScans),
        row('rows returned', (db) => db.rowsReturned),
        row('rows written', (db) => db.rowsWritten),
      ],
    ),
    '',
    topIndexes ? `hookflow's most scanned indexes (scans per output): ${topIndexes}.` : '',
  ].join('\n');
}

export function printReport(results) {
  const { config, machine } = results;
  const parts = [
    `### hookflow vs baselines — ${config.messages} messages, ${config.sessions} sessions, concurrency ` +
      `${config.concurrency}, median of ${config.rounds} alternating rounds`,
    '',
    `Machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, Linux ${machine.kernel}, Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres} on the same machine; load average ${machine.loadAverageAtStart.join(' ')} at ` +
      `start, ${machine.loadAverageAtEnd?.join(' ')} at the end. hookflow ${machine.commit ?? machine.main}` +
      `${machine.uncommittedSourceFiles ? ` + ${machine.uncommittedSourceFiles} uncommitted source files` : ''}, ` +
      `built ${machine.distBuiltAt}.`,
    '',
  ];
  if (results.medians) parts.push(comparisonTable(results.medians), '', databaseWork(results.runs), '');
  parts.push('### Targets (issue 7)', '', markdownTable(['check', 'measured', 'target', 'met'], targetRows(results)));
  if (results.backlog) {
    const b = results.backlog;
    parts.push(
      '',
      `Backlog: ${b.accepted} outputs over ${b.sessions} sessions built up in ${b.buildSeconds} s with the receiver ` +
        `down (retries every ${b.retryEverySeconds} s); after it came back the first output arrived in ` +
        `${b.startDelayMs} ms and the last in ${b.drainSecondsFromUp} s; server CPU ${b.serverCpuMsPerOutput} ms/output.`,
    );
  }
  if (results.runs?.length) parts.push('', '### Every run', '', roundsTable(results.runs));
  return parts.join('\n');
}
