/**
 * Entry point of a sandbox worker thread: builds the QuickJS engine once, then runs one job at a time for the
 * pool. The main thread never runs user code; a run that stops answering is terminated from there.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { errorMessage } from './error-location.js';
import { QuickJsEngine } from './quickjs-engine.js';
import { SandboxRun } from './sandbox-run.js';
import type { FromWorkerMessage, ToWorkerMessage, WorkerBootData } from './sandbox.protocol.js';

function requirePort(): MessagePort {
  if (parentPort === null) throw new Error('sandbox.worker must run in a worker thread.');
  return parentPort;
}

const port = requirePort();
const post = (message: FromWorkerMessage): void => port.postMessage(message);
let current: SandboxRun | null = null;

async function handleRun(engine: QuickJsEngine, message: Extract<ToWorkerMessage, { type: 'run' }>): Promise<void> {
  if (current !== null) {
    const error = { kind: 'error' as const, message: 'The worker is busy.' };
    post({
      type: 'done',
      runId: message.runId,
      outcome: { ok: false, error, logs: [], durationMs: 0 },
      recycle: false,
    });
    return;
  }
  const run = new SandboxRun(engine, message.runId, message.job, post);
  current = run;
  try {
    const done = await run.execute();
    post({ type: 'done', runId: message.runId, ...done });
  } catch (error) {
    const failure = { kind: 'error' as const, message: `The sandbox failed: ${errorMessage(error)}` };
    post({
      type: 'done',
      runId: message.runId,
      outcome: { ok: false, error: failure, logs: [], durationMs: 0 },
      recycle: true,
    });
  } finally {
    current = null;
  }
}

async function main(boot: WorkerBootData): Promise<void> {
  const started = performance.now();
  let engine: QuickJsEngine;
  let lodashMs: number;
  try {
    ({ engine, lodashMs } = await QuickJsEngine.create(boot.memoryLimitBytes));
  } catch (error) {
    post({ type: 'initFailed', message: errorMessage(error) });
    return;
  }
  port.on('message', (message: ToWorkerMessage) => {
    if (message.type === 'run') void handleRun(engine, message);
    else if (current?.runId === message.runId) current.onHostResult(message);
  });
  post({ type: 'ready', bootMs: performance.now() - started, lodashMs });
}

await main(workerData as WorkerBootData);
