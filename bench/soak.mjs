// Soak / steady-load test: hookflow instances (built dist/main.js, each its own process) on one fresh PostgreSQL
// database, optionally behind nginx, a webhook receiver on loopback, and a load generator, all on this machine.
// Runs a steady load for a given time, samples memory, errors and backlog, then lets the backlog drain and checks
// that nothing was lost, duplicated or reordered.
//
//   npm run build && node bench/soak.mjs [options]
//     --duration=600      seconds of load
//     --rate=200          messages per second (open loop; 0 = as fast as possible, closed loop)
//     --concurrency=64    in-flight requests with --rate=0 (and the cap on in-flight requests otherwise)
//     --sessions=200      conversations; each sends one message at a time, in order
//     --instances=1       hookflow processes sharing the database
//     --nginx             put nginx (round-robin, loopback) in front even with one instance (auto with more)
//     --sample=10         seconds between samples
//     --warmup=30         seconds before the memory baseline is taken
//     --drain-timeout=120 seconds to wait for the backlog after the load stops
//     --json=path         also write the samples and the summary as JSON
//     --pg=postgres://postgres@127.0.0.1:5432/postgres
// Prints a sample line every --sample seconds and a markdown summary at the end. Exit code 1 when anything was
// lost, duplicated or delivered out of order.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...rest] = arg.replace(/^--/, '').split('=');
    return [key, rest.length ? rest.join('=') : 'true'];
  }),
);
const num = (key, fallback) => (args[key] === undefined ? fallback : Number(args[key]));
const DURATION_S = num('duration', 600);
const RATE = num('rate', 200);
const CONCURRENCY = num('concurrency', 64);
const SESSIONS = num('sessions', 200);
const INSTANCES = num('instances', 1);
const USE_NGINX = args.nginx === 'true' || INSTANCES > 1;
const SAMPLE_S = num('sample', 10);
const WARMUP_S = num('warmup', Math.min(30, DURATION_S / 4));
const DRAIN_TIMEOUT_S = num('drain-timeout', 120);
const PG_ADMIN_URL = args.pg ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Loaded into each server with --import: reports the process's own memory to us over IPC once a second. */
const MEMORY_PROBE =
  'data:text/javascript,if(process.send){setInterval(()=>{const m=process.memoryUsage();' +
  'process.send({rss:m.rss,heapUsed:m.heapUsed,heapTotal:m.heapTotal,external:m.external})},1000).unref();' +
  'process.channel&&process.channel.unref()}';

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 8 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(url, { method, headers, agent, timeout: 30_000 }, (res) => {
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
        resolve({ status: res.statusCode, body: json, ms: performance.now() - started });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) =>
      resolve({ status: null, error: error.code ?? error.message, ms: performance.now() - started }),
    );
    req.end(body);
  });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Records first arrivals per output id, duplicates, and each session's texts in arrival order. */
function startReceiver() {
  const seen = new Set();
  const bySession = new Map();
  const stats = { delivered: 0, duplicates: 0, lagMs: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const hook = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (seen.has(hook.id)) stats.duplicates++;
      else {
        seen.add(hook.id);
        stats.delivered++;
        const [session, n, sentAt] = hook.AIOutput.text.split('|');
        if (!bySession.has(session)) bySession.set(session, []);
        bySession.get(session).push(Number(n));
        stats.lagMs.push(Date.now() - Number(sentAt));
      }
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, stats, bySession })),
  );
}

async function withClient(url, use) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase() {
  const name = `hookflow_soak_${randomBytes(4).toString('hex')}`;
  await withClient(PG_ADMIN_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(PG_ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function startInstance(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [`--import=${MEMORY_PROBE}`, MAIN], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const instance = { child, port, base: `http://127.0.0.1:${port}`, memory: null };
  child.on('message', (message) => (instance.memory = message));
  const deadline = Date.now() + 60_000;
  while ((await request(`${instance.base}/health/ready`)).status !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`instance on port ${port} did not start`);
    await sleep(100);
  }
  return instance;
}

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** nginx in the foreground, round-robin over the instances; null when nginx is not installed. */
async function startNginx(ports) {
  const binary = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (!binary) return null;
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-soak-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  const upstreams = ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  upstream hookflow {
${upstreams}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 2m;
    location / {
      proxy_pass http://hookflow;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout;
    }
  }
}
`,
  );
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; (await request(`${base}/health/live`)).status !== 200; i++) {
    if (child.exitCode !== null || i > 100)
      throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await sleep(50);
  }
  return { child, base, stop: () => (child.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
}

/** Least-squares slope of `ys` over `xs` (seconds), in units per hour: a trend, less noisy than end minus start. */
function perHour(xs, ys) {
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((acc, x, i) => acc + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((acc, x) => acc + (x - mx) ** 2, 0);
  return Math.round((num / den) * 3600 * 10) / 10;
}

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
};

/** Sends at RATE msg/s (or as fast as CONCURRENCY allows); each session has at most one message in flight. */
function startLoad(url, counters) {
  const next = new Array(SESSIONS).fill(0);
  const busy = new Array(SESSIONS).fill(false);
  let cursor = 0;
  let inFlight = 0;
  let stopped = false;
  const sendOne = async (s) => {
    busy[s] = true;
    inFlight++;
    const n = next[s];
    const body = JSON.stringify({ userId: 'soak', sessionId: `s${s}`, text: `s${s}|${n}|${Date.now()}` });
    counters.sent++;
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    inFlight--;
    busy[s] = false;
    counters.latency.push(res.ms);
    if (res.status === 202) {
      counters.accepted++;
      next[s]++; // only an accepted message moves the session on: a refused one is sent again, as a client would
    } else {
      const key = String(res.status ?? res.error);
      counters.errors[key] = (counters.errors[key] ?? 0) + 1;
    }
  };
  const idleSession = () => {
    for (let i = 0; i < SESSIONS; i++) {
      const s = (cursor + i) % SESSIONS;
      if (!busy[s]) {
        cursor = s + 1;
        return s;
      }
    }
    return -1;
  };
  const loop = async () => {
    const started = performance.now();
    let due = 0;
    while (!stopped) {
      if (RATE > 0) {
        const target = Math.floor(((performance.now() - started) / 1000) * RATE);
        while (due < target && !stopped) {
          const s = inFlight < CONCURRENCY ? idleSession() : -1;
          if (s < 0) {
            counters.skipped += target - due; // the server is not keeping up with the offered rate
            due = target;
            break;
          }
          due++;
          void sendOne(s);
        }
        await sleep(5);
      } else {
        while (inFlight < CONCURRENCY) {
          const s = idleSession();
          if (s < 0) break;
          void sendOne(s);
        }
        await sleep(1);
      }
    }
    while (inFlight > 0) await sleep(10);
  };
  const done = loop();
  return {
    stop: () => {
      stopped = true;
      return done;
    },
    accepted: () => next,
  };
}

async function backlog(databaseUrl) {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM inbound_messages WHERE status = 'pending')::int AS inbox,
              (SELECT count(*) FROM outbox WHERE status = 'pending')::int AS outbox,
              (SELECT count(*) FROM outbox WHERE status = 'dead')::int AS dead`,
    );
    return rows[0];
  });
}

async function main() {
  const receiver = await startReceiver();
  const db = await freshDatabase();
  const adminKey = `soak-${randomBytes(12).toString('hex')}`;
  const env = {
    DATABASE_URL: db.url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  };
  const instances = [];
  let nginx = null;
  try {
    for (let i = 0; i < INSTANCES; i++) instances.push(await startInstance(env));
    if (USE_NGINX) {
      nginx = await startNginx(instances.map((instance) => instance.port));
      if (!nginx)
        throw new Error('nginx is not installed (apt-get install -y nginx-light); needed for --instances > 1');
    }
    const base = nginx?.base ?? instances[0].base;
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const flow = await request(`${base}/api/v1/flows`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'soak',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
      }),
    });
    const endpoint = await request(`${base}/api/v1/endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'soak',
        flowId: flow.body.id,
        webhookUrl: `http://127.0.0.1:${receiver.port}/hook`,
      }),
    });
    if (endpoint.status !== 201) throw new Error(`could not create the endpoint: ${endpoint.status}`);
    const url = `${base}/endpoint/${endpoint.body.URLToken}`;

    console.log(
      `soak: ${DURATION_S} s at ${RATE > 0 ? `${RATE} msg/s` : `max rate (concurrency ${CONCURRENCY})`}, ` +
        `${SESSIONS} sessions, ${INSTANCES} instance(s)${nginx ? ' behind nginx' : ''}, PostgreSQL`,
    );
    const counters = { sent: 0, accepted: 0, skipped: 0, errors: {}, latency: [] };
    const load = startLoad(url, counters);
    const started = Date.now();
    const cpuStart = instances.map((instance) => cpuSeconds(instance.child.pid));
    const samples = [];
    let baseline = null;
    let last = { at: started, accepted: 0, delivered: 0 };
    while (Date.now() - started < DURATION_S * 1000) {
      await sleep(Math.min(SAMPLE_S * 1000, DURATION_S * 1000 - (Date.now() - started)));
      const now = Date.now();
      const window = counters.latency.splice(0);
      const sample = {
        t: Math.round((now - started) / 1000),
        acceptedPerS: Math.round(((counters.accepted - last.accepted) * 1000) / (now - last.at)),
        deliveredPerS: Math.round(((receiver.stats.delivered - last.delivered) * 1000) / (now - last.at)),
        p50Ms: percentile(window, 50),
        p99Ms: percentile(window, 99),
        errors: Object.values(counters.errors).reduce((a, b) => a + b, 0),
        skipped: counters.skipped,
        ...(await backlog(db.url)),
        load1: Math.round(loadavg()[0] * 10) / 10,
        rssMb: instances.map((instance) => mb(instance.memory?.rss ?? 0)),
        heapMb: instances.map((instance) => mb(instance.memory?.heapUsed ?? 0)),
      };
      samples.push(sample);
      last = { at: now, accepted: counters.accepted, delivered: receiver.stats.delivered };
      if (!baseline && sample.t >= WARMUP_S) baseline = sample;
      console.log(
        `t=${sample.t}s accepted/s=${sample.acceptedPerS} delivered/s=${sample.deliveredPerS} ` +
          `p50=${sample.p50Ms}ms p99=${sample.p99Ms}ms errors=${sample.errors} skipped=${sample.skipped} ` +
          `backlog inbox=${sample.inbox} outbox=${sample.outbox} rss=${sample.rssMb.join('/')}MB heap=${sample.heapMb.join('/')}MB load=${sample.load1}`,
      );
    }
    await load.stop();
    const loadSeconds = (Date.now() - started) / 1000;
    const deliveredAtStop = receiver.stats.delivered;
    const cpuSecondsUsed = instances.map((instance, i) => cpuSeconds(instance.child.pid) - cpuStart[i]);

    const drainStarted = Date.now();
    let final = await backlog(db.url);
    while (
      (final.inbox > 0 || final.outbox > 0 || receiver.stats.delivered < counters.accepted) &&
      Date.now() - drainStarted < DRAIN_TIMEOUT_S * 1000
    ) {
      await sleep(500);
      final = await backlog(db.url);
    }
    await sleep(1_000); // a duplicate would arrive now
    const drainSeconds = (Date.now() - drainStarted) / 1000;

    let outOfOrder = 0;
    let undelivered = 0;
    const acceptedPerSession = load.accepted();
    for (let s = 0; s < SESSIONS; s++) {
      // Message n of a session carries n; a resend after a lost 202 may repeat n, but n never goes back.
      const arrived = receiver.bySession.get(`s${s}`) ?? [];
      arrived.forEach((n, i) => (i > 0 && n < arrived[i - 1] ? outOfOrder++ : undefined));
      const got = new Set(arrived);
      for (let n = 0; n < acceptedPerSession[s]; n++) if (!got.has(n)) undelivered++;
    }
    // One output per message: what is neither delivered nor still pending in the database is lost.
    const lost = Math.max(0, undelivered - final.inbox - final.outbox);
    const endSample = samples.at(-1);
    const summary = {
      durationS: Math.round(loadSeconds),
      offeredRate: RATE,
      instances: INSTANCES,
      nginx: Boolean(nginx),
      sent: counters.sent,
      accepted: counters.accepted,
      acceptedPerS: Math.round(counters.accepted / loadSeconds),
      deliveredDuringLoadPerS: Math.round(deliveredAtStop / loadSeconds),
      deliveredPerS: Math.round(receiver.stats.delivered / (loadSeconds + drainSeconds)),
      errors: counters.errors,
      skipped: counters.skipped,
      lost,
      stillPending: final.inbox + final.outbox,
      duplicates: receiver.stats.duplicates,
      outOfOrder,
      dead: final.dead,
      maxBacklog: {
        inbox: Math.max(...samples.map((x) => x.inbox)),
        outbox: Math.max(...samples.map((x) => x.outbox)),
      },
      drainSeconds: Math.round(drainSeconds * 10) / 10,
      e2eLagMs: { p50: percentile(receiver.stats.lagMs, 50), p99: percentile(receiver.stats.lagMs, 99) },
      rssMb: {
        baseline: baseline?.rssMb,
        end: endSample?.rssMb,
        max: instances.map((_, i) => Math.max(...samples.map((x) => x.rssMb[i]))),
      },
      heapMb: { baseline: baseline?.heapMb, end: endSample?.heapMb },
      // Trend after the warm-up, per instance (MB per hour).
      rssTrendMbPerHour: instances.map((_, i) => {
        const steady = samples.filter((x) => x.t >= WARMUP_S);
        return perHour(
          steady.map((x) => x.t),
          steady.map((x) => x.rssMb[i]),
        );
      }),
      heapTrendMbPerHour: instances.map((_, i) => {
        const steady = samples.filter((x) => x.t >= WARMUP_S);
        return perHour(
          steady.map((x) => x.t),
          steady.map((x) => x.heapMb[i]),
        );
      }),
      cpuSecondsPerInstance: cpuSecondsUsed.map((value) => Math.round(value)),
      // Everything runs on this machine: a high load average means other work competed for the CPUs.
      loadAverage: { min: Math.min(...samples.map((x) => x.load1)), max: Math.max(...samples.map((x) => x.load1)) },
    };
    printSummary(summary);
    if (args.json) writeFileSync(args.json, JSON.stringify({ args, summary, samples }, null, 2));
    process.exitCode = lost > 0 || outOfOrder > 0 || receiver.stats.duplicates > 0 ? 1 : 0;
  } finally {
    nginx?.stop();
    for (const instance of instances) instance.child.kill('SIGTERM');
    await sleep(1_500);
    for (const instance of instances) if (instance.child.exitCode === null) instance.child.kill('SIGKILL');
    receiver.server.close();
    agent.destroy();
    await db.drop().catch(() => undefined);
  }
}

function printSummary(s) {
  const growth = (start, end) =>
    start && end
      ? start
          .map(
            (value, i) =>
              `${value} → ${end[i]} (${end[i] - value >= 0 ? '+' : ''}${Math.round((end[i] - value) * 10) / 10})`,
          )
          .join(', ')
      : 'n/a';
  const rows = [
    [
      'load',
      `${s.durationS} s, ${s.offeredRate > 0 ? `${s.offeredRate} msg/s offered` : 'max rate'}, ${s.instances} instance(s)${s.nginx ? ' behind nginx' : ''}`,
    ],
    ['accepted', `${s.accepted} (${s.acceptedPerS}/s)`],
    [
      'delivered',
      `${s.deliveredDuringLoadPerS}/s during the load, ${s.deliveredPerS}/s incl. drain; ` +
        `e2e lag p50 ${s.e2eLagMs.p50} ms, p99 ${s.e2eLagMs.p99} ms`,
    ],
    ['errors', Object.keys(s.errors).length ? JSON.stringify(s.errors) : 'none'],
    ['not sent (client saturated)', String(s.skipped)],
    ['lost / duplicated / out of order / dead', `${s.lost} / ${s.duplicates} / ${s.outOfOrder} / ${s.dead}`],
    [
      'max backlog (pending inbox / outbox rows)',
      `${s.maxBacklog.inbox} / ${s.maxBacklog.outbox}; ` +
        (s.stillPending === 0
          ? `drained in ${s.drainSeconds} s`
          : `${s.stillPending} still pending after ${s.drainSeconds} s`),
    ],
    ['RSS MB (after warm-up → end)', growth(s.rssMb.baseline, s.rssMb.end)],
    ['heap used MB (after warm-up → end)', growth(s.heapMb.baseline, s.heapMb.end)],
    ['peak RSS MB', s.rssMb.max.join(', ')],
    [
      'trend after warm-up (least squares), MB/h',
      `RSS ${s.rssTrendMbPerHour.join(', ')}; heap ${s.heapTrendMbPerHour.join(', ')}`,
    ],
    ['server CPU s', s.cpuSecondsPerInstance.join(', ')],
    ['machine load average (1 min) during the run', `${s.loadAverage.min}–${s.loadAverage.max}`],
  ];
  console.log('\n| soak | result |\n|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  try {
    console.log(`\n(${execFileSync('nproc').toString().trim()} CPUs, Node ${process.version})`);
  } catch {
    // nproc missing: no footnote
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
