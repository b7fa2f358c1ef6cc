// End-to-end load benchmark: a hookflow server (built dist/main.js, its own process), a webhook receiver on
// loopback, and a load generator, all on this machine. Reports accepted/s, delivered/s, ingest and end-to-end
// latency (client send -> webhook arrival), server CPU per message, peak RSS, and lost / duplicated /
// out-of-order counts (which must all be 0).
//
//   node bench/load.mjs [--db=postgres|embedded] [--messages=5000] [--sessions=100] [--concurrency=32]
//                       [--rate=0 (msg/s, 0 = as fast as possible)] [--pg=postgres://postgres@127.0.0.1:5432/postgres]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const DB = args.db ?? 'postgres';
const MESSAGES = Number(args.messages ?? 5000);
const SESSIONS = Number(args.sessions ?? 100);
const CONCURRENCY = Number(args.concurrency ?? 32);
const RATE = Number(args.rate ?? 0);
const PG_ADMIN_URL = args.pg ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4 });

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, body: json, text });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function startReceiver() {
  const arrivals = new Map(); // output id -> count
  const bySession = new Map(); // session -> [text]
  const arrivalTimes = new Map(); // text -> ms
  let delivered = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const now = performance.now();
      const hook = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const count = (arrivals.get(hook.id) ?? 0) + 1;
      arrivals.set(hook.id, count);
      if (count === 1) {
        delivered++;
        const text = hook.AIOutput.text;
        if (!bySession.has(hook.sessionId)) bySession.set(hook.sessionId, []);
        bySession.get(hook.sessionId).push(text);
        arrivalTimes.set(text, now);
      }
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: server.address().port, arrivals, bySession, arrivalTimes, delivered: () => delivered }),
    ),
  );
}

async function freshDatabase() {
  if (DB === 'embedded') {
    const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-bench-'));
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `hookflow_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

async function startServer(dbEnv, port, adminKey) {
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ADMIN_API_KEY: adminKey,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ...dbEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    const ready = await request(`${base}/health/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null) throw new Error('server exited');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, base, startMs: performance.now() - started };
}

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

function peakRssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

async function main() {
  const receiver = await startReceiver();
  const db = await freshDatabase();
  const adminKey = `bench-${randomBytes(12).toString('hex')}`;
  const port = 3900 + Math.floor(Math.random() * 500);
  const server = await startServer(db.env, port, adminKey);
  const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  try {
    const flow = await request(`${server.base}/api/v1/flows`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'bench echo',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
      }),
    });
    const endpoint = await request(`${server.base}/api/v1/endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'bench',
        flowId: flow.body.id,
        webhookUrl: `http://127.0.0.1:${receiver.port}/hook`,
      }),
    });
    const url = `${server.base}/endpoint/${endpoint.body.URLToken}`;

    const sentAt = new Map();
    const ingestLatency = [];
    let accepted = 0;
    let failed = 0;
    const cpuBefore = cpuMs(server.child.pid);
    const t0 = performance.now();
    // Each worker owns a set of sessions and sends each session's messages in order (awaiting the 202).
    const perWorker = Math.ceil(MESSAGES / CONCURRENCY);
    const interval = RATE > 0 ? (1000 * CONCURRENCY) / RATE : 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) {
          const n = w + i * CONCURRENCY;
          if (n >= MESSAGES) break;
          const session = `s${n % SESSIONS}`;
          const text = `${session}:${n}`;
          const start = performance.now();
          sentAt.set(text, start);
          const res = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId: 'bench', sessionId: session, text }),
          }).catch(() => ({ status: 0 }));
          ingestLatency.push(performance.now() - start);
          if (res.status === 202) accepted++;
          else failed++;
          if (interval > 0) {
            const wait = t0 + (i + 1) * interval - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
      }),
    );
    const acceptSeconds = (performance.now() - t0) / 1000;
    const deadline = performance.now() + 120_000;
    while (receiver.delivered() < accepted && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const deliverSeconds = (performance.now() - t0) / 1000;
    const cpu = cpuMs(server.child.pid) - cpuBefore;
    await new Promise((resolve) => setTimeout(resolve, 500)); // late duplicates

    const duplicates = [...receiver.arrivals.values()].reduce((sum, count) => sum + count - 1, 0);
    let outOfOrder = 0;
    for (const texts of receiver.bySession.values()) {
      const numbers = texts.map((text) => Number(text.split(':')[1]));
      for (let i = 1; i < numbers.length; i++) if (numbers[i] < numbers[i - 1]) outOfOrder++;
    }
    const e2e = [...receiver.arrivalTimes.entries()].map(([text, at]) => at - sentAt.get(text)).sort((a, b) => a - b);
    ingestLatency.sort((a, b) => a - b);
    const result = {
      db: DB,
      messages: MESSAGES,
      sessions: SESSIONS,
      concurrency: CONCURRENCY,
      rate: RATE || 'max',
      startToReadyMs: Math.round(server.startMs),
      accepted,
      failed,
      acceptedPerSec: Math.round(accepted / acceptSeconds),
      deliveredPerSec: Math.round(receiver.delivered() / deliverSeconds),
      ingestP50Ms: +percentile(ingestLatency, 50).toFixed(1),
      ingestP99Ms: +percentile(ingestLatency, 99).toFixed(1),
      e2eP50Ms: +percentile(e2e, 50).toFixed(1),
      e2eP99Ms: +percentile(e2e, 99).toFixed(1),
      serverCpuMsPerMessage: +(cpu / Math.max(1, accepted)).toFixed(3),
      peakRssMb: Math.round(peakRssMb(server.child.pid)),
      lost: accepted - receiver.delivered(),
      duplicated: duplicates,
      outOfOrder,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    receiver.server.close();
    agent.destroy();
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
