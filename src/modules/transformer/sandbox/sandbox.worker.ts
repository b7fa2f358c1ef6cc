/**
 * Entry point of a sandbox worker thread: builds the QuickJS engine once, then runs the pool's runs one at a
 * time, in the order they came. The pool may send a few runs ahead (pipelining), so the worker does not sit idle
 * while the main thread is busy; once the current run turns slow (it calls the host, waits for anything outside
 * QuickJS, or has kept QuickJS busy for LONG_RUN_MS), the runs queued behind it go back to the pool, which gives
 * them to another worker. The main thread never runs user code; a run that stops answering is terminated from
 * there.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { errorMessage } from './error-location.js';
import { QuickJsEngine } from './quickjs-engine.js';
import { SandboxRun } from './sandbox-run.js';
import type { FromWorkerMessage, RunRequest, ToWorkerMessage, WorkerBootData } from './sandbox.protocol.js';

const LONG_RUN_MS = 25;

function requirePort(): MessagePort {
  if (parentPort === null) throw new Error('sandbox.worker must run in a worker thread.');
  return parentPort;
}

const port = requirePort();
const queue: RunRequest[] = [];
/** Messages taken off the port while QuickJS was running, to handle once the thread is free. */
const held: ToWorkerMessage[] = [];
let current: SandboxRun | null = null;
let currentSlow = false;
let engine: QuickJsEngine;
/** After a run asked for the worker to be replaced, nothing more starts here. */
let retiring = false;

function post(message: FromWorkerMessage): void {
  // A run that waits for the host may wait long: the runs behind it should not.
  if (message.type === 'hostCall') handBack();
  port.postMessage(message);
}

/**
 * Gives the queued runs back and tells the pool the current run is slow. Called from inside QuickJS too (its
 * interrupt handler, a host call), where the thread cannot take port messages the usual way: runs that came
 * meanwhile are taken off the port here; anything else waits for the thread to be free, as it must not re-enter
 * QuickJS.
 */
function handBack(): void {
  if (current === null) return;
  for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
    const message = received.message as ToWorkerMessage;
    if (message.type === 'run') queue.push(...message.runs);
    else if (held.push(message) === 1) setImmediate(releaseHeld);
  }
  if (currentSlow && queue.length === 0) return;
  currentSlow = true;
  port.postMessage({
    type: 'returned',
    runIds: queue.splice(0).map((request) => request.runId),
  } satisfies FromWorkerMessage);
}

function releaseHeld(): void {
  for (const message of held.splice(0)) onMessage(message);
}

function onMessage(message: ToWorkerMessage): void {
  if (message.type === 'run') {
    queue.push(...message.runs);
    if (currentSlow) handBack();
    void runNext();
  } else if (current?.runId === message.runId) current.onHostResult(message);
}

async function runNext(): Promise<void> {
  while (current === null && !retiring && queue.length > 0) {
    const request = queue.shift() as RunRequest;
    await handleRun(request);
  }
}

async function handleRun({ runId, job }: RunRequest): Promise<void> {
  const run = new SandboxRun(engine, runId, job, post, handBack);
  current = run;
  currentSlow = false;
  try {
    const done = await run.execute();
    retiring = done.recycle;
    post({ type: 'done', runId, ...done });
  } catch (error) {
    retiring = true;
    const failure = { kind: 'error' as const, message: `The sandbox failed: ${errorMessage(error)}` };
    post({ type: 'done', runId, outcome: { ok: false, error: failure, logs: [], durationMs: 0 }, recycle: true });
  } finally {
    current = null;
  }
}

async function main(boot: WorkerBootData): Promise<void> {
  const started = performance.now();
  let lodashMs: number;
  try {
    ({ engine, lodashMs } = await QuickJsEngine.create(boot.memoryLimitBytes, LONG_RUN_MS));
  } catch (error) {
    post({ type: 'initFailed', message: errorMessage(error) });
    return;
  }
  engine.onLongRun = handBack;
  port.on('message', onMessage);
  post({ type: 'ready', bootMs: performance.now() - started, lodashMs });
}

await main(workerData as WorkerBootData);
