// Webhook sender micro-benchmark: the built axios-based OutboundHttpClient against the undici-based WebhookPoster
// (dist/, in this process, on one shared set of SSRF-guarded keep-alive agents, as in the server), both POSTing
// a ~400-byte signed-looking JSON body to a loopback node:http receiver in a child process (so its CPU is not
// counted) that answers 200 with a small JSON body. Per client: calls one at a time, then `--parallel` in flight;
// client CPU per call (process.cpuUsage: user + system of this process) and calls/s, medians over the rounds.
// The two clients alternate within each round so a slow spell of a shared machine hits both.
//
//   npm run build && node bench/http-client.mjs [--calls=5000] [--warm-calls=1000] [--parallel=32] [--rounds=3]
//     HOOKFLOW_MAIN=/path/to/dist/main.js measures another build, as the other bench scripts do.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import axios from 'axios';
import { num, parseArgs } from './lib/args.mjs';
import { MAIN } from './lib/hookflow.mjs';
import { cell, markdownTable, ratio } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const args = parseArgs();
const config = {
  calls: num(args, 'calls', 5000),
  warmCalls: num(args, 'warm-calls', 1000),
  parallel: num(args, 'parallel', 32),
  rounds: num(args, 'rounds', 3),
};

// Reads the request to its end (as a real receiver does), then answers with a small body.
const RECEIVER = `
import http from 'node:http';
const answer = '{"received":true}';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0)).resume();
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RECEIVER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { url: `http://127.0.0.1:${Number(line)}/hook`, stop: () => child.stdin.end() };
}

async function loadClients() {
  const http = join(dirname(MAIN), 'modules/delivery/http');
  const load = (file) => import(pathToFileURL(join(http, file)).href);
  const { OutboundHttpClient } = await load('outbound-http.client.js');
  const { WebhookPoster } = await load('webhook-poster.js');
  const { createGuardedAgents } = await load('guarded-agent.js');
  const { parseAllowList } = await load('ssrf-policy.js');
  // The server's settings (delivery.module.ts).
  const agents = createGuardedAgents({
    allowList: parseAllowList(['127.0.0.1']),
    maxSockets: 256,
    maxFreeSockets: 256,
  });
  return {
    agents,
    clients: [
      { name: 'axios OutboundHttpClient', sender: new OutboundHttpClient(axios.create({ maxRedirects: 0 }), agents) },
      { name: 'WebhookPoster', sender: new WebhookPoster(agents) },
    ],
  };
}

/** A body shaped like one echo-flow output (about 400 bytes), with the worker's headers. */
const BODY = JSON.stringify({
  userId: 'bench',
  sessionId: 's17',
  AIOutput: {
    text: 's17:4242',
    data: { echo: { s: 17, k: 4242 } },
    traceId: 'endpoint-httpIncomingMessage-4242',
    disableSensitiveLogging: false,
    source: 'bot',
  },
  id: '0190f3b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b',
  sequence: 4243,
  inputId: '9b2f6a52-3c4d-4e5f-8a6b-7c8d9e0f1a2b',
  endpointId: 'b7c1a0d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  createdAt: new Date(0).toISOString(),
});

function request(url, i) {
  return {
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'hookflow/bench',
      'webhook-id': `msg_${i}`,
      'webhook-timestamp': '1764300000',
      'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    },
    body: BODY,
    timeoutMs: 10_000,
  };
}

/** `calls` POSTs, `parallel` in flight; throws on anything but a 200 (a failed call would flatter the figures). */
async function measure(sender, url, calls, parallel) {
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < calls) {
        const response = await sender.post(request(url, next++));
        if (!response.ok || response.statusCode !== 200) {
          throw new Error(`POST failed: ${response.ok ? response.statusCode : `${response.code} ${response.error}`}`);
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuUsPerCall: (cpu.user + cpu.system) / calls, callsPerSec: (calls * 1000) / wallMs };
}

const receiver = await startReceiver();
const { agents, clients } = await loadClients();
const samples = new Map(clients.map(({ name }) => [name, { sequential: [], parallel: [] }]));
console.log(`bytes per body: ${Buffer.byteLength(BODY)}; load average at start: ${loadavg().map((l) => l.toFixed(2))}`);
try {
  for (const { sender } of clients) await measure(sender, receiver.url, config.warmCalls, config.parallel);
  for (let r = 0; r < config.rounds; r++) {
    const order = r % 2 === 0 ? clients : [...clients].reverse();
    for (const { name, sender } of order) {
      samples.get(name).sequential.push(await measure(sender, receiver.url, config.calls, 1));
      samples.get(name).parallel.push(await measure(sender, receiver.url, config.calls, config.parallel));
    }
  }
} finally {
  agents.httpAgent.destroy();
  agents.httpsAgent.destroy();
  await agents.dispatcher?.destroy(); // builds before the undici sender have none
  receiver.stop();
}

const figure = (name, mode, key) => median(samples.get(name)[mode].map((sample) => sample[key]));
const [axiosName, posterName] = clients.map(({ name }) => name);
const rows = [
  ['sequential: CPU µs per call', 'sequential', 'cpuUsPerCall', 1],
  ['sequential: calls/s', 'sequential', 'callsPerSec', 0],
  [`${config.parallel} in flight: CPU µs per call`, 'parallel', 'cpuUsPerCall', 1],
  [`${config.parallel} in flight: calls/s`, 'parallel', 'callsPerSec', 0],
].map(([label, mode, key, digits]) => {
  const base = figure(axiosName, mode, key);
  const lean = figure(posterName, mode, key);
  return [label, cell(base, digits), cell(lean, digits), ratio(lean, base)];
});
console.log(
  `\n${config.calls} calls per measurement, medians of ${config.rounds} rounds; load average at the end: ` +
    `${loadavg().map((l) => l.toFixed(2))}\n`,
);
console.log(markdownTable(['median', axiosName, posterName, 'poster ÷ axios'], rows));
