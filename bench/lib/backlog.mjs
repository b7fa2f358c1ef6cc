// The backlog drain test: with the receiver down, hookflow accepts and processes `outputs` messages (one output
// each) whose deliveries pile up in the outbox; then the receiver comes back and we time the drain and check
// per-session order.
//
//   await backlogDrain({ receiver, client, outputs = 10000, sessions = 200, concurrency = 64, retryEverySeconds = 1,
//                        pgAdminUrl, env, endpoint = {} }) -> result
//     endpoint            extra endpoint fields (its delivery.retrySchedule is replaced, see below)
//     retryEverySeconds   the endpoint's retry schedule while the receiver is down is 20 retries this far apart
//                         (so heads are not dead-lettered while the backlog builds up, and a head waits at most
//                         this long, ±20 %, plus the poll interval, once the receiver is back)
//   result: { outputs, sessions, accepted, buildSeconds, drainSecondsFromUp, drainPerSecFromUp, startDelayMs,
//             drainPerSecFromFirst, drainPerSecSteady, serverCpuMsPerOutput, postgresCpuMsPerOutput, lost,
//             duplicated, outOfOrder,
//             dead, retryEverySeconds, db (PostgreSQL work per output, see perOutput() in scenario.mjs) }
//     drainPerSecFromUp counts from the moment the receiver listens again (includes waiting for retry timers);
//     drainPerSecFromFirst from the first output that arrived; drainPerSecSteady between the 10th and the 90th
//     percentile of arrival times (the drain itself, without sessions still waiting for their retry timer at the
//     start or the last few sessions at the end).
import { withClient } from './database.mjs';
import { runLoad } from './load-generator.mjs';
import { processMemory, startCpuMeter } from './proc.mjs';
import { perOutput, waitForOutputs, warmUp } from './scenario.mjs';
import { percentile, round } from './stats.mjs';
import { startTarget } from './targets.mjs';

async function waitForBacklog(databaseUrl, expected, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  return withClient(databaseUrl, async (db) => {
    for (;;) {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM inbound_messages WHERE status = 'pending')::int AS inbox,
                (SELECT count(*) FROM outbox WHERE status = 'pending')::int AS outbox,
                (SELECT count(*) FROM outbox WHERE status = 'dead')::int AS dead`,
      );
      if ((rows[0].inbox === 0 && rows[0].outbox >= expected) || performance.now() > deadline) return rows[0];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
}

export async function backlogDrain({
  receiver,
  client,
  outputs = 10_000,
  sessions = 200,
  concurrency = 64,
  retryEverySeconds = 1,
  pgAdminUrl,
  env = {},
  endpoint = {},
}) {
  const retrySchedule = Array.from({ length: 20 }, () => retryEverySeconds);
  const target = await startTarget('hookflow-postgres', {
    receiver,
    client,
    pgAdminUrl,
    env,
    endpoint: { ...endpoint, delivery: { ...endpoint.delivery, retrySchedule } },
  });
  let result;
  let warmed = 0;
  try {
    warmed = (await warmUp({ target, receiver, client, concurrency })).delivered;
    await receiver.down();
    const load = await runLoad({ client, url: target.ingestUrl, messages: outputs, sessions, concurrency });
    const built = await waitForBacklog(target.databaseUrl, load.accepted, 120_000);
    const buildSeconds = (performance.now() - load.startedAt) / 1000;
    receiver.reset();
    const meter = startCpuMeter(target.pid, { database: target.database });
    const upAt = performance.now();
    await receiver.up();
    await waitForOutputs(receiver, load.accepted, { stallMs: 60_000 });
    const cpu = meter.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = receiver.snapshot();
    const after = await withClient(target.databaseUrl, (db) =>
      db.query(`SELECT count(*)::int AS dead FROM outbox WHERE status = 'dead'`),
    );
    const drained = Math.max(1, seen.count);
    const times = Float64Array.from(seen.arrivals.t).sort();
    const steadySeconds = (percentile(times, 90) - percentile(times, 10)) / 1000;
    result = {
      outputs,
      sessions,
      accepted: load.accepted,
      pendingBeforeUp: built.outbox,
      buildSeconds: round(buildSeconds, 1),
      drainSecondsFromUp: round((seen.lastAt - upAt) / 1000, 2),
      drainPerSecFromUp: Math.round(seen.count / ((seen.lastAt - upAt) / 1000)),
      startDelayMs: Math.round(seen.firstAt - upAt),
      drainPerSecFromFirst: Math.round((seen.count - 1) / ((seen.lastAt - seen.firstAt) / 1000)),
      drainPerSecSteady: Math.round((0.8 * seen.count) / steadySeconds),
      serverCpuMsPerOutput: round(cpu.serverCpuMs / drained, 3),
      postgresCpuMsPerOutput: round(cpu.postgresCpuMs / drained, 3),
      peakRssMb: Math.round(processMemory(target.pid).peakRssMb),
      delivered: seen.count,
      lost: load.accepted - seen.count,
      duplicated: seen.duplicated,
      outOfOrder: seen.outOfOrder,
      dead: after.rows[0].dead,
      retryEverySeconds,
    };
  } finally {
    await receiver.up().catch(() => undefined);
    await target.stop();
  }
  // Over the target's life: warm-up and failed attempts while the receiver was down included.
  return { ...result, db: perOutput(target.databaseStats, warmed + result.delivered) };
}
