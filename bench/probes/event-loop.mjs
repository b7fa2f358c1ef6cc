// Probe for the server under test: its event loop's delay and utilization, and its full garbage collections.
// Load it with HOOKFLOW_NODE_ARGS='--import ./bench/probes/event-loop.mjs' (an absolute path, or one relative to the
// bench's working directory); on SIGTERM (the bench stops the server with it) it appends one line per process to
// $PROBE_OUT (default /tmp/hookflow-probe.txt). Counting starts after $PROBE_SKIP_MS (default 4000: start-up and
// warm-up are not what the run measures).
//
//   loop delay p50/p90/p99/max and mean (ms), event-loop utilization, full GCs (count, total ms), longest stall
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

const OUT = process.env.PROBE_OUT ?? '/tmp/hookflow-probe.txt';
const SKIP_MS = Number(process.env.PROBE_SKIP_MS ?? 4000);
const MAJOR = 2; // PerformanceEntry detail.kind of a mark-compact collection (perf_hooks.constants.NODE_PERFORMANCE_GC_MAJOR)

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let utilizationStart = performance.eventLoopUtilization();
let counting = false;
let majors = 0;
let majorMs = 0;
let longestStallMs = 0;

setTimeout(() => {
  delay.reset();
  utilizationStart = performance.eventLoopUtilization();
  counting = true;
}, SKIP_MS).unref();

new PerformanceObserver((list) => {
  if (!counting) return;
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind !== MAJOR) continue;
    majors++;
    majorMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

// A 2 ms timer that notices when it fires late: the longest time the loop was held.
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (counting) longestStallMs = Math.max(longestStallMs, now - last - 2);
  last = now;
}, 2).unref();

process.once('SIGTERM', () => {
  const ms = (nanoseconds) => (nanoseconds / 1e6).toFixed(2);
  const utilization = performance.eventLoopUtilization(utilizationStart).utilization;
  appendFileSync(
    OUT,
    `pid ${process.pid}: loop delay ms p50 ${ms(delay.percentile(50))} p90 ${ms(delay.percentile(90))} ` +
      `p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} mean ${ms(delay.mean)}; utilization ` +
      `${utilization.toFixed(2)}; full GCs ${majors} (${majorMs.toFixed(0)} ms); longest stall ` +
      `${longestStallMs.toFixed(0)} ms\n`,
  );
});
