// hookflow under test: the built dist/main.js in its own process, on a fresh database, with the echo flow.
//
//   MAIN                                  the build under test: $HOOKFLOW_MAIN, else this checkout's dist/main.js
//                                         (run `npm run build` first)
//   ECHO_FLOW                             the 3-node flow: addToContext -> if -> say, echoing `data` back as
//                                         `AIOutput.data.echo` (one output per message)
//   await startHookflow({ db = 'postgres', pgAdminUrl, dataDir, nodeArgs = [], env = {}, name = 'hookflow' })
//       -> hookflow: a server from startServerProcess() plus { adminKey, database and databaseUrl (PostgreSQL),
//          dataDir (embedded), stop() (also drops the database or folder, unless a dataDir was passed in),
//          databaseStats (PostgreSQL: settledStats() of database.mjs, read by stop() once the server exited and
//          before the database is dropped) }
//     dataDir    embedded only: use this folder (kept afterwards) instead of a fresh one; restarts and cold starts
//     nodeArgs   e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/hookflow-prof']; $HOOKFLOW_NODE_ARGS (space-separated,
//                e.g. '--perf-basic-prof' or a GC flag) goes before them, for any bench script
//     env        extra environment (PIPELINE_SWEEP_INTERVAL_MS, DATABASE_POOL_SIZE, ...)
//   await createEchoEndpoint(hookflow, client, { webhookUrl, flow = ECHO_FLOW, endpoint = {} })
//       -> { flowId, endpointId, ingestUrl, signingSecret }
//     endpoint   extra endpoint fields, e.g. { transformer: {...}, delivery: { maxConcurrency: 64 } }
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PG_URL, freshDataDir, freshPostgres, settledStats } from './database.mjs';
import { freePort, startServerProcess } from './server-process.mjs';

export const MAIN = process.env.HOOKFLOW_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export const ECHO_FLOW = {
  name: 'bench echo',
  startNodeId: 'remember',
  nodes: [
    { id: 'remember', type: 'addToContext', key: 'lastK', value: '{{input.data.k}}', next: 'check' },
    { id: 'check', type: 'if', condition: 'input.data.k >= 0', then: 'echo' },
    { id: 'echo', type: 'say', text: '{{input.text}}', data: { echo: '{{input.data}}' } },
  ],
};

export async function startHookflow({
  db = 'postgres',
  pgAdminUrl = DEFAULT_PG_URL,
  dataDir,
  nodeArgs = [],
  env = {},
  name = 'hookflow',
} = {}) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  let database;
  let databaseUrl;
  let dbEnv;
  let drop = async () => {};
  if (db === 'embedded') {
    const dir = dataDir ? { dir: dataDir, drop: async () => {} } : freshDataDir();
    dbEnv = { DATA_DIR: dir.dir };
    drop = dir.drop;
  } else if (db === 'postgres') {
    const pg = await freshPostgres(pgAdminUrl, 'hookflow_bench');
    database = pg.name;
    databaseUrl = pg.url;
    dbEnv = { DATABASE_URL: pg.url, ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    drop = pg.drop;
  } else {
    throw new Error(`unknown database kind ${db} (postgres or embedded)`);
  }
  let server;
  try {
    server = await startServerProcess({
      name,
      script: MAIN,
      nodeArgs: [...(process.env.HOOKFLOW_NODE_ARGS ?? '').split(' ').filter(Boolean), ...nodeArgs],
      port: await freePort(),
      env: { LOG_LEVEL: 'warn', ADMIN_API_KEY: adminKey, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ...dbEnv, ...env },
    });
  } catch (error) {
    await drop();
    throw error;
  }
  const hookflow = {
    ...server,
    adminKey,
    database,
    databaseUrl,
    dataDir: dbEnv.DATA_DIR,
    databaseStats: undefined,
    async stop(signal) {
      const exit = await server.stop(signal);
      if (databaseUrl) hookflow.databaseStats = await settledStats(databaseUrl);
      await drop();
      return exit;
    },
  };
  return hookflow;
}

export async function createEchoEndpoint(hookflow, client, { webhookUrl, flow = ECHO_FLOW, endpoint = {} }) {
  const headers = { authorization: `Bearer ${hookflow.adminKey}` };
  const created = await client.json(`${hookflow.base}/api/v1/flows`, { method: 'POST', headers, body: flow });
  if (created.status !== 201) throw new Error(`creating the flow: ${created.status} ${JSON.stringify(created.body)}`);
  const res = await client.json(`${hookflow.base}/api/v1/endpoints`, {
    method: 'POST',
    headers,
    body: { name: 'bench', flowId: created.body.id, webhookUrl, ...endpoint },
  });
  if (res.status !== 201) throw new Error(`creating the endpoint: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    flowId: created.body.id,
    endpointId: res.body.id,
    ingestUrl: `${hookflow.base}/endpoint/${res.body.URLToken}`,
    signingSecret: res.body.signingSecret,
  };
}
