// Summarises V8 CPU profiles (node --cpu-prof): where the time goes, by function, by package, and along the
// heaviest call paths.
//
//   node bench/lib/profile-summary.mjs <file.cpuprofile | folder> [--top=25] [--min-pct=2] [--json]
//                                      [--from-us=<t> --to-us=<t>]
//     a folder: every .cpuprofile in it (the main thread and any worker threads, each summarised on its own)
//     --from-us/--to-us: only samples in this window; profile timestamps are CLOCK_MONOTONIC microseconds, the
//     clock of process.hrtime() in any process on the machine, so a bench can cut out start-up and warm-up
//   readProfiles(fileOrFolder) -> [{ file, profile }]
//   summarizeProfile(profile, { top = 25, minPct = 2, fromUs, toUs }) -> { totalMs, idleMs, gcMs, programMs, busyMs,
//       self: [{ name, where, ms, pct }], packages: [{ name, ms, pct }], inclusive: [{ name, where, ms, pct }],
//       tree: [{ depth, frames: [name], ms, pct }], callers: [{ name, ms, paths: [{ frames, ms }] }] }
//     pct is of busy time (all samples but idle). `tree` is the top-down call tree cut at minPct, single-child
//     chains folded onto one line; `callers` shows, for the top self-time functions, the paths that call them.
//   formatSummary(summary, title) -> string
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { num, parseArgs, bool } from './args.mjs';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export function readProfiles(path) {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.cpuprofile'))
        .sort()
        .map((name) => join(path, name))
    : [path];
  return files.map((file) => ({ file, profile: JSON.parse(readFileSync(file, 'utf8')) }));
}

function shortUrl(url) {
  if (!url) return '';
  const clean = url.replace(/^file:\/\//, '');
  const modules = clean.lastIndexOf('/node_modules/');
  if (modules >= 0) return clean.slice(modules + 1);
  const dist = clean.indexOf('/dist/');
  if (dist >= 0) return clean.slice(dist + 1);
  return clean.replace(/^.*\/bench\//, 'bench/');
}

function packageOf(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return SPECIAL.has(frame.functionName) ? frame.functionName : '(native)';
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('/node_modules/')));
  if (url.includes('/node_modules/') && modules) return modules[1];
  const dist = /\/dist\/(.*)\/[^/]+$/.exec(url);
  if (dist) return `hookflow ${dist[1]}`;
  if (url.startsWith('node:')) return `node ${url.split('/')[0].replace('node:', '')}`;
  return shortUrl(url);
}

function describeNode(node) {
  const frame = node.callFrame;
  const name = frame.functionName || '(anonymous)';
  const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return { name, where, key: `${name} ${where}` };
}

/** Time per sample: the gap to the next sample (the last one gets the mean gap); only samples in the window. */
function sampleTimes(profile, fromUs = -Infinity, toUs = Infinity) {
  const { samples, timeDeltas } = profile;
  const total = profile.endTime - profile.startTime;
  const mean = samples.length ? total / samples.length : 0;
  const selfUs = new Map();
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i];
    if (at < fromUs || at > toUs) continue;
    const us = i + 1 < samples.length ? Math.max(0, timeDeltas[i + 1]) : mean;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + us);
  }
  return selfUs;
}

function add(map, key, value, extra) {
  const entry = map.get(key) ?? { ...extra, us: 0 };
  entry.us += value;
  map.set(key, entry);
}

function topOf(map, top, busyUs) {
  return [...map.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map(({ us, ...rest }) => ({ ...rest, ms: Math.round(us / 1000), pct: +((100 * us) / busyUs).toFixed(1) }));
}

export function summarizeProfile(profile, { top = 25, minPct = 2, fromUs, toUs } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = sampleTimes(profile, fromUs, toUs);

  const inclusiveUs = new Map(); // node id -> us, the node and everything under it
  const self = new Map();
  const packages = new Map();
  const inclusive = new Map();
  let totalUs = 0;
  const specialUs = { '(idle)': 0, '(program)': 0, '(garbage collector)': 0 };
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    const info = describeNode(node);
    totalUs += us;
    if (info.name in specialUs) specialUs[info.name] += us;
    add(self, info.key, us, { name: info.name, where: info.where });
    add(packages, packageOf(node.callFrame), us, { name: packageOf(node.callFrame) });
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      inclusiveUs.set(at, (inclusiveUs.get(at) ?? 0) + us);
      const frame = describeNode(nodes.get(at));
      if (seen.has(frame.key) || SPECIAL.has(frame.name)) continue;
      seen.add(frame.key);
      add(inclusive, frame.key, us, { name: frame.name, where: frame.where });
    }
  }
  const idleUs = specialUs['(idle)'];
  const busyUs = Math.max(1, totalUs - idleUs);
  self.delete('(idle) ');
  packages.delete('(idle)');

  const tree = [];
  const walk = (id, depth) => {
    const frames = [];
    let at = id;
    for (;;) {
      frames.push(describeNode(nodes.get(at)).name);
      const children = (nodes.get(at).children ?? []).filter((child) => (inclusiveUs.get(child) ?? 0) > 0);
      if (children.length !== 1 || (inclusiveUs.get(children[0]) ?? 0) < 0.97 * inclusiveUs.get(at)) break;
      at = children[0];
    }
    const us = inclusiveUs.get(id);
    tree.push({ depth, frames, ms: Math.round(us / 1000), pct: +((100 * us) / busyUs).toFixed(1) });
    const children = (nodes.get(at).children ?? [])
      .filter((child) => (100 * (inclusiveUs.get(child) ?? 0)) / busyUs >= minPct)
      .sort((a, b) => inclusiveUs.get(b) - inclusiveUs.get(a));
    for (const child of children) if (depth < 40) walk(child, depth + 1);
  };
  const root = profile.nodes.find((node) => !parent.has(node.id));
  for (const child of (root.children ?? []).sort((a, b) => (inclusiveUs.get(b) ?? 0) - (inclusiveUs.get(a) ?? 0))) {
    const name = describeNode(nodes.get(child)).name;
    if (name !== '(idle)' && (100 * (inclusiveUs.get(child) ?? 0)) / busyUs >= minPct) walk(child, 0);
  }

  const selfTop = topOf(self, top, busyUs);
  const callers = selfTop
    .filter((entry) => !SPECIAL.has(entry.name))
    .slice(0, 8)
    .map((entry) => {
      const paths = new Map();
      for (const [id, us] of selfUs) {
        const info = describeNode(nodes.get(id));
        if (`${info.name} ${info.where}` !== `${entry.name} ${entry.where}`) continue;
        const frames = [];
        for (let at = parent.get(id); at !== undefined && frames.length < 7; at = parent.get(at)) {
          const name = describeNode(nodes.get(at)).name;
          if (!SPECIAL.has(name)) frames.push(name);
        }
        add(paths, frames.join(' < '), us, { frames });
      }
      return { name: entry.name, where: entry.where, ms: entry.ms, paths: topOf(paths, 3, busyUs) };
    });

  return {
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    gcMs: Math.round(specialUs['(garbage collector)'] / 1000),
    programMs: Math.round(specialUs['(program)'] / 1000),
    busyMs: Math.round(busyUs / 1000),
    self: selfTop,
    packages: topOf(packages, top, busyUs),
    inclusive: topOf(inclusive, top, busyUs),
    tree,
    callers,
  };
}

export function formatSummary(summary, title = 'profile') {
  const lines = [];
  const pad = (text, width) => String(text).padStart(width);
  lines.push(`## ${title}`);
  lines.push(
    `sampled ${summary.totalMs} ms: busy ${summary.busyMs} ms (GC ${summary.gcMs} ms, ` +
      `(program) ${summary.programMs} ms), idle ${summary.idleMs} ms — percentages are of busy time`,
  );
  lines.push('', '### Self time by function');
  for (const entry of summary.self)
    lines.push(`${pad(entry.ms, 7)} ms ${pad(entry.pct, 5)}%  ${entry.name}  ${entry.where}`);
  lines.push('', '### Self time by package / folder');
  for (const entry of summary.packages) lines.push(`${pad(entry.ms, 7)} ms ${pad(entry.pct, 5)}%  ${entry.name}`);
  lines.push('', '### Inclusive time by function (each function once per stack)');
  for (const entry of summary.inclusive)
    lines.push(`${pad(entry.ms, 7)} ms ${pad(entry.pct, 5)}%  ${entry.name}  ${entry.where}`);
  lines.push('', '### Top-down call tree (inclusive; single-child chains folded with >)');
  for (const entry of summary.tree)
    lines.push(`${pad(entry.pct, 5)}% ${pad(entry.ms, 6)} ms ${'  '.repeat(entry.depth)}${entry.frames.join(' > ')}`);
  lines.push('', '### Who calls the top self-time functions (caller < its caller < …)');
  for (const entry of summary.callers) {
    lines.push(`${entry.name} ${entry.where} (${entry.ms} ms)`);
    for (const path of entry.paths) lines.push(`  ${pad(path.ms, 6)} ms  < ${path.frames.join(' < ')}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [path, ...rest] = process.argv.slice(2);
  if (!path) {
    process.stderr.write(
      'usage: node bench/lib/profile-summary.mjs <file.cpuprofile | folder> [--top=25] [--min-pct=2] [--json]\n',
    );
    process.exit(2);
  }
  const args = parseArgs(rest);
  for (const { file, profile } of readProfiles(path)) {
    const summary = summarizeProfile(profile, {
      top: num(args, 'top', 25),
      minPct: num(args, 'min-pct', 2),
      fromUs: num(args, 'from-us', undefined),
      toUs: num(args, 'to-us', undefined),
    });
    if (bool(args, 'json')) console.log(JSON.stringify({ file, ...summary }));
    else console.log(`${formatSummary(summary, basename(file))}\n`);
  }
}
