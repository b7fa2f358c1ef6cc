// Probe for the server under test: what reaches V8's old generation. V8's sampling heap profiler runs from
// $PROBE_SKIP_MS (default 4000) on, keeping objects still alive at the end and those a full collection freed, but not
// those a young-generation collection freed: so it samples what was promoted (or pretenured), by allocation site.
// Load it with HOOKFLOW_NODE_ARGS='--import ./bench/probes/old-generation.mjs'; on SIGTERM it writes the profile to
// $PROBE_OUT (default /tmp/hookflow-old-generation.heapprofile), which Chrome DevTools opens (Memory → Load), and
// `node bench/probes/heap-summary.mjs <file>` summarises.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const OUT = process.env.PROBE_OUT ?? '/tmp/hookflow-old-generation.heapprofile';
const SKIP_MS = Number(process.env.PROBE_SKIP_MS ?? 4000);
const session = new Session();
session.connect();

setTimeout(() => {
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  });
}, SKIP_MS).unref();

process.once('SIGTERM', () => {
  session.post('HeapProfiler.stopSampling', {}, (error, result) => {
    if (!error) writeFileSync(OUT, JSON.stringify(result.profile));
  });
});
