// End-to-end load benchmark: a hookflow server (built dist/main.js, its own process), a webhook receiver on
// loopback, and a load generator, all on this machine. Reports accepted/s, delivered/s, ingest and end-to-end
// latency (client send -> webhook arrival), server CPU per message, peak RSS, and lost / duplicated /
// out-of-order counts (which must all be 0). One run, one JSON object; bench/run.mjs is the full comparison.
//
//   node bench/load.mjs [--db=postgres|embedded] [--messages=5000] [--sessions=100] [--concurrency=32]
//                       [--rate=0 (msg/s, 0 = as fast as possible)] [--pg=postgres://postgres@127.0.0.1:5432/postgres]
//                       [--warm-up=0 (unmeasured messages first)]
//                       [--endpoint='{"delivery":{"maxConcurrency":64}}' (endpoint fields, JSON)]
import { num, parseArgs, str } from './lib/args.mjs';
import { DEFAULT_PG_URL } from './lib/database.mjs';
import { createHttpClient } from './lib/http-client.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { measureRun, warmUp } from './lib/scenario.mjs';
import { startTarget } from './lib/targets.mjs';

const args = parseArgs();
const DB = str(args, 'db', 'postgres');
const MESSAGES = num(args, 'messages', 5000);
const SESSIONS = num(args, 'sessions', 100);
const CONCURRENCY = num(args, 'concurrency', 32);
const RATE = num(args, 'rate', 0);
const WARM_UP = num(args, 'warm-up', 0);
const PG_ADMIN_URL = str(args, 'pg', DEFAULT_PG_URL);
const ENDPOINT = JSON.parse(str(args, 'endpoint', '{}'));

async function main() {
  const client = createHttpClient();
  const receiver = await startReceiver();
  const target = await startTarget(DB === 'embedded' ? 'hookflow-embedded' : 'hookflow-postgres', {
    receiver,
    client,
    pgAdminUrl: PG_ADMIN_URL,
    endpoint: ENDPOINT,
  });
  try {
    if (WARM_UP > 0) await warmUp({ target, receiver, client, messages: WARM_UP, concurrency: CONCURRENCY });
    const f = await measureRun({
      target,
      receiver,
      client,
      messages: MESSAGES,
      sessions: SESSIONS,
      concurrency: CONCURRENCY,
      rate: RATE,
      stallMs: 120_000,
    });
    const result = {
      db: DB,
      messages: MESSAGES,
      sessions: SESSIONS,
      concurrency: CONCURRENCY,
      rate: RATE || 'max',
      startToReadyMs: Math.round(target.readyMs),
      accepted: f.accepted,
      failed: f.failed,
      acceptedPerSec: f.acceptedPerSec,
      deliveredPerSec: f.deliveredPerSec,
      ingestP50Ms: f.ingestP50Ms,
      ingestP99Ms: f.ingestP99Ms,
      e2eP50Ms: f.e2eP50Ms,
      e2eP99Ms: f.e2eP99Ms,
      e2eP99BySecondMs: f.e2eP99BySecondMs,
      serverCpuMsPerMessage: f.serverCpuMsPerOutput,
      peakRssMb: f.peakRssMb,
      lost: f.lost,
      duplicated: f.duplicated,
      outOfOrder: f.outOfOrder,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await target.stop();
    await receiver.close();
    client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
