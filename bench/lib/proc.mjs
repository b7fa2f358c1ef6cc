// Process and machine CPU / memory readers (Linux /proc). CPU times cover every thread of a process (worker
// threads included) but not its children.
//
//   processCpuMs(pid) -> number                 user + system CPU time so far, in ms
//   processMemory(pid) -> { rssMb, peakRssMb }   current RSS and its high-water mark (VmHWM) over the life of pid
//   startCpuMeter(serverPid, { database } = {}) -> { stop() -> { serverCpuMs, postgresCpuMs, benchCpuMs,
//                                                                machineBusyPct, wallMs, cores } }
//       serverCpuMs: the server process; postgresCpuMs: the PostgreSQL backends connected to `database` (NaN
//       without one; backends that exit during the window are not counted; the shared WAL writer is not either);
//       benchCpuMs: this (bench) process; machineBusyPct: share of all cores busy (100 = every core fully busy),
//       which shows how much else was running on a shared machine.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: the fields start after the last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

export function processCpuMs(pid) {
  const fields = statFields(pid);
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export function processMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(/\s(\d+)\s*kB/.exec(status.split('\n').find((line) => line.startsWith(name)) ?? '')?.[1]);
  return { rssMb: kb('VmRSS:') / 1024, peakRssMb: kb('VmHWM:') / 1024 };
}

/** Backends show `postgres: [<cluster>:] <user> <database> <client> <state>` as their command line. */
function postgresCpu(database) {
  const byPid = new Map();
  if (!database) return byPid;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').split(/\s+/);
      if (title[0] !== 'postgres:' || !title.slice(1, 4).includes(database)) continue;
      byPid.set(entry, processCpuMs(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return byPid;
}

function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = ticks[3] + (ticks[4] ?? 0); // idle + iowait
  return { total, busy: total - idle };
}

export function startCpuMeter(serverPid, { database } = {}) {
  const started = performance.now();
  const server = processCpuMs(serverPid);
  const postgres = postgresCpu(database);
  const bench = process.cpuUsage();
  const machine = machineTicks();
  return {
    stop() {
      const serverCpuMs = processCpuMs(serverPid) - server;
      let postgresCpuMs = database ? 0 : NaN;
      for (const [pid, ms] of postgresCpu(database)) postgresCpuMs += ms - (postgres.get(pid) ?? 0);
      const benchUsage = process.cpuUsage(bench);
      const machineNow = machineTicks();
      const total = machineNow.total - machine.total;
      return {
        serverCpuMs,
        postgresCpuMs,
        benchCpuMs: (benchUsage.user + benchUsage.system) / 1000,
        machineBusyPct: total > 0 ? (100 * (machineNow.busy - machine.busy)) / total : NaN,
        wallMs: performance.now() - started,
        cores: cpus().length,
      };
    },
  };
}
