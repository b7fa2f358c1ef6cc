/**
 * One QuickJS runtime per worker thread, with the limits of the run in progress. Runs get fresh contexts; the
 * "library realm" (lodash and the run kit) is built once per worker and frozen, because evaluating lodash costs
 * tens of milliseconds and would otherwise dominate every run.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  RELEASE_SYNC,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type VmCallResult,
} from 'quickjs-emscripten';
import { HARDEN_SOURCE } from './guest/harden.guest.js';
import { RUN_KIT_SOURCE } from './guest/run-kit.guest.js';

export type LimitReason = 'timeout' | 'memory';

/** The run in progress, as seen by the sandbox's host functions. */
export interface RunBridge {
  log(level: string, text: string): void;
  /** Returns a promise handle of the run's context. */
  hostCall(kind: string, payloadJson: string): QuickJSHandle;
}

export interface RunGuard {
  readonly deadline: number;
  reason: LimitReason | null;
  /** Set after the result is known: anything still running is cut off at the next check. */
  stopping: boolean;
}

/** The slice of WebAssembly.Memory used here; the project's `lib` setting has no WebAssembly declarations. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
type WasmMemoryConstructor = new (descriptor: { initial: number; maximum: number }) => WasmMemory;
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly.Memory;

export const MAX_LOG_CHARS = 4096;
const WASM_PAGE = 64 * 1024;
const INITIAL_PAGES = 256;
const MAX_STACK_BYTES = 256 * 1024;
const MEMORY_CHECK_INTERVAL_MS = 20;

export class QuickJsEngine {
  private guard: RunGuard | null = null;
  private bridge: RunBridge | null = null;
  private nextMemoryCheck = 0;
  private heapCap = Number.POSITIVE_INFINITY;
  private usedCap = Number.POSITIVE_INFINITY;
  private recycleHeap = Number.POSITIVE_INFINITY;
  private kitBeginHook!: QuickJSHandle;
  private kitBeginCode!: QuickJSHandle;
  private kitEnd!: QuickJSHandle;
  private kit!: QuickJSHandle;

  private constructor(
    readonly runtime: QuickJSRuntime,
    private readonly library: QuickJSContext,
    private readonly memory: WasmMemory,
    readonly memoryLimitBytes: number,
  ) {}

  static async create(memoryLimitBytes: number): Promise<{ engine: QuickJsEngine; lodashMs: number }> {
    // QuickJS's own allocation limit undercounts fragmentation; the WebAssembly memory maximum is the hard
    // ceiling behind the checks in the interrupt handler.
    const maximum = Math.ceil((INITIAL_PAGES * WASM_PAGE + 2 * memoryLimitBytes + 32 * 1024 * 1024) / WASM_PAGE);
    const memory = new WasmMemory({ initial: INITIAL_PAGES, maximum });
    const wasm = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
    const runtime = wasm.newRuntime();
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    const engine = new QuickJsEngine(runtime, runtime.newContext(), memory, memoryLimitBytes);
    const lodashMs = engine.buildLibraryRealm();
    engine.applyLimits();
    return { engine, lodashMs };
  }

  beginRun(timeoutMs: number, bridge: RunBridge): RunGuard {
    this.guard = { deadline: Date.now() + timeoutMs, reason: null, stopping: false };
    this.bridge = bridge;
    this.nextMemoryCheck = Date.now() + MEMORY_CHECK_INTERVAL_MS;
    return this.guard;
  }

  endRun(): void {
    this.guard = null;
    this.bridge = null;
    // Drops the kit's reference to the run's state, so the run's context can be freed now.
    this.callKit(this.kitEnd).dispose();
  }

  beginHook(ctx: QuickJSContext, argsJson: string, withResponse: boolean): VmCallResult<QuickJSHandle> {
    const args = this.library.newString(argsJson);
    try {
      return this.library.callFunction(
        this.kitBeginHook,
        this.kit,
        ctx.global,
        args,
        withResponse ? this.library.true : this.library.false,
      );
    } finally {
      args.dispose();
    }
  }

  beginCode(ctx: QuickJSContext, payloadJson: string): VmCallResult<QuickJSHandle> {
    const payload = this.library.newString(payloadJson);
    try {
      return this.library.callFunction(this.kitBeginCode, this.kit, ctx.global, payload);
    } finally {
      payload.dispose();
    }
  }

  heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** The WebAssembly heap never shrinks: past this point the worker is replaced to give the memory back. */
  needsRecycle(): boolean {
    return this.heapBytes() > this.recycleHeap;
  }

  heapExhausted(): boolean {
    return this.heapBytes() > this.heapCap;
  }

  private buildLibraryRealm(): number {
    const lib = this.library;
    const hostLog = lib.newFunction('hostLog', (level, text) => {
      this.bridge?.log(lib.getString(level), lib.getString(text));
    });
    const hostCall = lib.newFunction('hostCall', (kind, payload) => {
      if (this.bridge === null) throw new Error('No run is in progress.');
      return this.bridge.hostCall(lib.getString(kind), lib.getString(payload));
    });
    const hostUuid = lib.newFunction('hostUuid', () => lib.newString(randomUUID()));
    const started = performance.now();
    const lodashPath = createRequire(import.meta.url).resolve('lodash/lodash.min.js');
    lib.unwrapResult(lib.evalCode(readFileSync(lodashPath, 'utf8'), 'lodash.js')).dispose();
    const lodashMs = performance.now() - started;
    const lodash = lib.getProp(lib.global, '_');
    const createKit = lib.unwrapResult(lib.evalCode(RUN_KIT_SOURCE, 'sandbox-kit.js'));
    const maxLogChars = lib.newNumber(MAX_LOG_CHARS);
    this.kit = lib.unwrapResult(
      lib.callFunction(createKit, lib.undefined, lodash, hostLog, hostCall, hostUuid, maxLogChars),
    );
    for (const handle of [lodash, createKit, maxLogChars, hostLog, hostCall, hostUuid]) handle.dispose();
    this.kitBeginHook = lib.getProp(this.kit, 'beginHook');
    this.kitBeginCode = lib.getProp(this.kit, 'beginCode');
    this.kitEnd = lib.getProp(this.kit, 'end');
    const harden = lib.unwrapResult(lib.evalCode(HARDEN_SOURCE, 'sandbox-harden.js'));
    lib.unwrapResult(lib.callFunction(harden, lib.undefined, lib.global)).dispose();
    harden.dispose();
    return lodashMs;
  }

  /** Limits count from the baseline, so a run gets `memoryLimitBytes` beyond what lodash and the kit occupy. */
  private applyLimits(): void {
    const baseUsed = this.usedBytes();
    const baseHeap = this.heapBytes();
    this.runtime.setMemoryLimit(baseUsed + this.memoryLimitBytes);
    this.usedCap = baseUsed + this.memoryLimitBytes;
    this.heapCap = baseHeap + this.memoryLimitBytes;
    this.recycleHeap = baseHeap + this.memoryLimitBytes / 2;
    this.runtime.setInterruptHandler(() => this.shouldInterrupt());
  }

  /** Called by QuickJS every few thousand instructions; it must stay cheap, hence the throttled usage check. */
  private shouldInterrupt(): boolean {
    const guard = this.guard;
    if (guard === null) return false;
    if (guard.reason !== null || guard.stopping) return true;
    const now = Date.now();
    if (now >= guard.deadline) {
      guard.reason = 'timeout';
      return true;
    }
    if (this.heapBytes() > this.heapCap) {
      guard.reason = 'memory';
      return true;
    }
    if (now >= this.nextMemoryCheck) {
      this.nextMemoryCheck = now + MEMORY_CHECK_INTERVAL_MS;
      if (this.usedBytes() > this.usedCap) {
        guard.reason = 'memory';
        return true;
      }
    }
    return false;
  }

  private usedBytes(): number {
    try {
      const usage = this.runtime.computeMemoryUsage();
      const used = this.library.getProp(usage, 'memory_used_size');
      const bytes = this.library.getNumber(used);
      used.dispose();
      usage.dispose();
      return bytes;
    } catch {
      // Computing usage allocates; failing to is itself a sign the heap is exhausted.
      return Number.POSITIVE_INFINITY;
    }
  }

  private callKit(fn: QuickJSHandle): QuickJSHandle {
    const result = this.library.callFunction(fn, this.kit);
    if (result.error) {
      result.error.dispose();
      return this.library.undefined;
    }
    return result.value;
  }
}
