// Summarises a sampling heap profile (.heapprofile, e.g. from bench/probes/old-generation.mjs): bytes by allocating
// function (self), and by the app's functions on the allocating stack (inclusive).
//
//   node bench/probes/heap-summary.mjs <file.heapprofile> [--top=30]
import { readFileSync } from 'node:fs';
import { num, parseArgs } from '../lib/args.mjs';

const file = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
const args = parseArgs(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
if (!file) {
  console.error('usage: node bench/probes/heap-summary.mjs <file.heapprofile> [--top=30]');
  process.exit(2);
}
const TOP = num(args, 'top', 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const inclusive = new Map();
let total = 0;

const nameOf = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;

// Iterative walk: the call tree can be deep.
const stack = [{ node: profile.head, above: [] }];
while (stack.length > 0) {
  const { node, above } = stack.pop();
  const name = nameOf(node.callFrame);
  const path = above.includes(name) ? above : [...above, name];
  total += node.selfSize;
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  for (const frame of path) inclusive.set(frame, (inclusive.get(frame) ?? 0) + node.selfSize);
  for (const child of node.children) stack.push({ node: child, above: path });
}

const show = (title, entries) => {
  console.log(`\n### ${title}`);
  for (const [name, bytes] of entries.sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(
      `${(bytes / 1e6).toFixed(1).padStart(8)} MB ${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${name}`,
    );
  }
};
console.log(`sampled ${(total / 1e6).toFixed(1)} MB`);
show('By allocating function', [...self]);
show(
  "By the app's functions on the allocating stack",
  [...inclusive].filter(([name]) => name.includes(' dist/')),
);
