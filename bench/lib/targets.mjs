// The servers a run can target, each started in its own process and ready to take the bench load.
//
//   TARGETS   { 'hookflow-postgres', 'hookflow-embedded', raw, durable }: label and description of each
//   await startTarget(kind, { receiver, client, pgAdminUrl, nodeArgs = [], env = {}, endpoint = {} }) -> target
//     target: { kind, label, pid, base, ingestUrl, database (PostgreSQL name, for its CPU), readyMs, stop(),
//               databaseStats (PostgreSQL targets, set by stop(): see settledStats() in database.mjs) }
//     hookflow-*: dist/main.js on a fresh database with the echo flow and an endpoint whose webhook is the
//       receiver (`endpoint` adds endpoint fields, `nodeArgs` e.g. --cpu-prof, `env` app settings)
//     raw:     bench/baselines/raw-forward.mjs (202, then forward; nothing stored)
//     durable: bench/baselines/durable-group-commit.mjs on a fresh PostgreSQL database
//   await stopAllTargets() -> void   stops whatever is still running (and drops its database): for Ctrl-C
import { fileURLToPath } from 'node:url';
import { DEFAULT_PG_URL, freshPostgres, settledStats } from './database.mjs';
import { createEchoEndpoint, startHookflow } from './hookflow.mjs';
import { freePort, startServerProcess } from './server-process.mjs';

export const TARGETS = {
  'hookflow-postgres': { label: 'hookflow (PostgreSQL)' },
  'hookflow-embedded': { label: 'hookflow (embedded)' },
  raw: { label: 'raw forward', script: '../baselines/raw-forward.mjs' },
  durable: { label: 'durable group commit', script: '../baselines/durable-group-commit.mjs' },
};

async function startHookflowTarget(kind, { receiver, client, pgAdminUrl, nodeArgs, env, endpoint }) {
  const hookflow = await startHookflow({
    db: kind === 'hookflow-embedded' ? 'embedded' : 'postgres',
    pgAdminUrl,
    nodeArgs,
    env,
    name: kind,
  });
  try {
    const created = await createEchoEndpoint(hookflow, client, { webhookUrl: receiver.url, endpoint });
    const target = {
      ...hookflow,
      ...created,
      async stop(signal) {
        const exit = await hookflow.stop(signal);
        target.databaseStats = hookflow.databaseStats;
        return exit;
      },
    };
    return target;
  } catch (error) {
    await hookflow.stop();
    throw error;
  }
}

async function startBaseline(kind, { receiver, pgAdminUrl, nodeArgs }) {
  const pg = kind === 'durable' ? await freshPostgres(pgAdminUrl, 'durable_bench') : undefined;
  try {
    const server = await startServerProcess({
      name: kind,
      script: fileURLToPath(new URL(TARGETS[kind].script, import.meta.url)),
      nodeArgs,
      port: await freePort(),
      env: { FORWARD_URL: receiver.url, ...(pg ? { DATABASE_URL: pg.url } : {}) },
    });
    const target = {
      ...server,
      database: pg?.name,
      ingestUrl: `${server.base}/ingest`,
      databaseStats: undefined,
      async stop(signal) {
        const exit = await server.stop(signal);
        if (pg) target.databaseStats = await settledStats(pg.url);
        await pg?.drop();
        return exit;
      },
    };
    return target;
  } catch (error) {
    await pg?.drop();
    throw error;
  }
}

const live = new Set();

export async function stopAllTargets() {
  await Promise.allSettled([...live].map((target) => target.stop()));
}

export async function startTarget(
  kind,
  { receiver, client, pgAdminUrl = DEFAULT_PG_URL, nodeArgs = [], env = {}, endpoint = {} },
) {
  if (!TARGETS[kind]) throw new Error(`unknown target ${kind}: one of ${Object.keys(TARGETS).join(', ')}`);
  const options = { receiver, client, pgAdminUrl, nodeArgs, env, endpoint };
  const target = kind.startsWith('hookflow')
    ? await startHookflowTarget(kind, options)
    : await startBaseline(kind, options);
  const stop = target.stop;
  live.add(target);
  return Object.assign(target, {
    kind,
    label: TARGETS[kind].label,
    async stop(signal) {
      live.delete(target);
      return stop(signal);
    },
  });
}
