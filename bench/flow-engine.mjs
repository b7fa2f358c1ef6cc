// Flow-step benchmark: runs a 10-node flow with templates, conditions and context writes through the compiled
// engine (dist/, in process, no database) and reports runs/s, node steps/s and the cost of one message's flow run.
//
//   npm run build && node bench/flow-engine.mjs [--runs=20000]
import { compileFlow, FlowEngine } from '../dist/modules/flow/engine/index.js';

const RUNS = Number(process.argv.find((arg) => arg.startsWith('--runs='))?.split('=')[1] ?? 20000);

// Ten nodes: every one renders a template or evaluates a condition; three of them produce outputs.
const definition = {
  name: 'bench 10 nodes',
  defaultContext: { visits: 0, tier: 'gold' },
  intentThreshold: 0.4,
  intents: [{ name: 'order', examples: ['i want to order', 'place an order'] }],
  startNodeId: 'n1',
  nodes: [
    { id: 'n1', type: 'addToContext', key: 'visits', value: '{{context.visits + 1}}', next: 'n2' },
    { id: 'n2', type: 'if', condition: 'input.text.length > 3 && context.tier === "gold"', then: 'n3', else: 'n9' },
    { id: 'n3', type: 'addToContext', key: 'lastText', value: '{{input.text.toUpperCase()}}', next: 'n4' },
    { id: 'n4', type: 'lookup', value: 'input.intent', cases: [{ value: 'order', next: 'n5' }], default: 'n6' },
    { id: 'n5', type: 'say', text: 'Ordering for {{input.userId}} (visit {{context.visits}})', next: 'n7' },
    { id: 'n6', type: 'say', text: 'You said: {{input.text}}', data: { echo: '{{input.data}}' }, next: 'n7' },
    { id: 'n7', type: 'if', condition: 'context.visits % 2 === 0', then: 'n8', else: 'n10' },
    { id: 'n8', type: 'addToContext', key: 'even', value: '{{true}}', next: 'n10' },
    { id: 'n9', type: 'say', text: 'Too short', next: 'n10' },
    {
      id: 'n10',
      type: 'say',
      text: 'Done with {{context.lastText ?? "nothing"}} at {{Math.round(context.visits / 2)}}',
    },
  ],
};

const flow = compileFlow(definition, 'bench-flow');
const engine = new FlowEngine({ loadFlow: async () => flow });
let session = null;
const input = (n) => ({
  text: n % 3 === 0 ? 'i want to order a pizza' : `hello number ${n}`,
  data: { n, tags: ['a', 'b'] },
  userId: 'bench-user',
  sessionId: 'bench-session',
  inputId: `input-${n}`,
  traceId: `trace-${n}`,
  urlToken: 'x'.repeat(64),
});

// Warm up, then measure.
for (let n = 0; n < 2000; n++)
  session = (await engine.run({ flowId: 'bench-flow', session, input: input(n), nlu: true })).session;
const samples = [];
let outputs = 0;
const started = performance.now();
for (let n = 0; n < RUNS; n++) {
  const t0 = performance.now();
  const result = await engine.run({ flowId: 'bench-flow', session, input: input(n), nlu: true });
  samples.push(performance.now() - t0);
  session = result.session;
  outputs += result.outputs.length;
}
const seconds = (performance.now() - started) / 1000;
samples.sort((a, b) => a - b);
const NODES_PER_RUN = 7; // n1 n2 n3 n4 (n5|n6) n7 (n8?) n10: 7 or 8 steps; count the minimum
console.log(
  JSON.stringify(
    {
      runs: RUNS,
      runsPerSec: Math.round(RUNS / seconds),
      nodeStepsPerSec: Math.round((RUNS * NODES_PER_RUN) / seconds),
      outputsPerRun: +(outputs / RUNS).toFixed(2),
      runMedianUs: +(samples[Math.floor(samples.length / 2)] * 1000).toFixed(1),
      runP99Us: +(samples[Math.floor(samples.length * 0.99)] * 1000).toFixed(1),
    },
    null,
    2,
  ),
);
