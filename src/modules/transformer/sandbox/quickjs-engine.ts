/**
 * One QuickJS runtime per worker thread, with the limits of the run in progress. The "library realm" (lodash
 * and the run kit) is built once per worker and frozen, because evaluating lodash costs tens of milliseconds
 * and would otherwise dominate every run. Code nodes get a fresh context per run; hooks run in warm contexts
 * kept per endpoint and code version (hook-context-cache.ts states the isolation rule).
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
import { disposeHookContext, HookContextCache, type HookContext } from './hook-context-cache.js';

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
const CACHE_CHECK_INTERVAL_MS = 1000;
/** The user's module becomes a function, run once per call; it stays on the module's own line 1. */
export const HOOK_MODULE_PREFIX = '(function () {';
const HOOK_MODULE_SUFFIX = '\n})';

/** What warm hook contexts (and the garbage between garbage collections) may hold beyond the baseline. */
function cacheBudgetBytes(memoryLimitBytes: number): number {
  return Math.max(2 * 1024 * 1024, Math.floor(memoryLimitBytes / 8));
}

export class QuickJsEngine {
  /** Called from inside QuickJS, every `longRunMs` of a run that keeps it busy. Must not re-enter QuickJS. */
  onLongRun: (() => void) | null = null;
  private longRunAt = Number.POSITIVE_INFINITY;
  private guard: RunGuard | null = null;
  private bridge: RunBridge | null = null;
  private nextMemoryCheck = 0;
  private heapCap = Number.POSITIVE_INFINITY;
  private usedCap = Number.POSITIVE_INFINITY;
  private recycleHeap = Number.POSITIVE_INFINITY;
  private cacheCeiling = Number.POSITIVE_INFINITY;
  private nextCacheCheck = 0;
  private heapAtRunStart = 0;
  private readonly hookContexts = new HookContextCache();
  private kitPrepareHook!: QuickJSHandle;
  private kitBeginCode!: QuickJSHandle;
  private kitEnd!: QuickJSHandle;
  private kit!: QuickJSHandle;

  private constructor(
    readonly runtime: QuickJSRuntime,
    private readonly library: QuickJSContext,
    private readonly memory: WasmMemory,
    readonly memoryLimitBytes: number,
    private readonly longRunMs: number,
  ) {}

  static async create(
    memoryLimitBytes: number,
    longRunMs = Number.POSITIVE_INFINITY,
  ): Promise<{ engine: QuickJsEngine; lodashMs: number }> {
    // QuickJS's own allocation limit undercounts fragmentation; the WebAssembly memory maximum is the hard
    // ceiling behind the checks in the interrupt handler.
    const reserved = 2 * memoryLimitBytes + cacheBudgetBytes(memoryLimitBytes) + 32 * 1024 * 1024;
    const maximum = Math.ceil((INITIAL_PAGES * WASM_PAGE + reserved) / WASM_PAGE);
    const memory = new WasmMemory({ initial: INITIAL_PAGES, maximum });
    const wasm = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
    const runtime = wasm.newRuntime();
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    const engine = new QuickJsEngine(runtime, runtime.newContext(), memory, memoryLimitBytes, longRunMs);
    const lodashMs = engine.buildLibraryRealm();
    engine.applyLimits();
    return { engine, lodashMs };
  }

  beginRun(timeoutMs: number, bridge: RunBridge): RunGuard {
    this.guard = { deadline: Date.now() + timeoutMs, reason: null, stopping: false };
    this.bridge = bridge;
    this.nextMemoryCheck = Date.now() + MEMORY_CHECK_INTERVAL_MS;
    this.heapAtRunStart = this.heapBytes();
    this.longRunAt = Date.now() + this.longRunMs;
    return this.guard;
  }

  endRun(): void {
    this.guard = null;
    this.bridge = null;
    // Drops the kit's reference to the run's state, so the run's context can be freed now.
    this.callKit(this.kitEnd).dispose();
  }

  /** The endpoint's warm context for this code, or a new one with the kit's globals (still without the module). */
  openHookContext(endpointId: string, compiledJs: string): HookContext {
    const warm = this.hookContexts.take(endpointId, compiledJs);
    if (warm !== undefined) return warm;
    const ctx = this.runtime.newContext();
    try {
      const control = this.library.unwrapResult(this.library.callFunction(this.kitPrepareHook, this.kit, ctx.global));
      return { endpointId, compiledJs, ctx, control, methods: new Map(), module: undefined, calls: 0 };
    } catch (error) {
      ctx.dispose();
      throw error;
    }
  }

  /** Compiles the user's module as a function of the context; evaluation errors are the user's. */
  evaluateHookModule(context: HookContext, filename: string): VmCallResult<QuickJSHandle> {
    const source = HOOK_MODULE_PREFIX + context.compiledJs + HOOK_MODULE_SUFFIX;
    return context.ctx.evalCode(source, filename);
  }

  /**
   * Keeps the context for the endpoint's next call, or disposes it. What the cache holds is measured when the
   * run grew the heap, and otherwise at most every CACHE_CHECK_INTERVAL_MS (measuring walks the whole heap, a
   * millisecond or two); over the budget, the context that just ran goes first (most likely it is the one that
   * keeps something in its realm), then all of them.
   */
  releaseHookContext(context: HookContext, reusable: boolean): void {
    if (!reusable) {
      disposeHookContext(context);
      return;
    }
    context.calls++;
    this.hookContexts.put(context);
    const now = Date.now();
    if (this.heapBytes() === this.heapAtRunStart && now < this.nextCacheCheck) return;
    this.nextCacheCheck = now + CACHE_CHECK_INTERVAL_MS;
    if (this.usedBytes() <= this.cacheCeiling) return;
    this.hookContexts.discard(context.endpointId);
    if (this.usedBytes() > this.cacheCeiling) this.hookContexts.clear();
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
    this.kitPrepareHook = lib.getProp(this.kit, 'prepareHook');
    this.kitBeginCode = lib.getProp(this.kit, 'beginCode');
    this.kitEnd = lib.getProp(this.kit, 'end');
    const harden = lib.unwrapResult(lib.evalCode(HARDEN_SOURCE, 'sandbox-harden.js'));
    lib.unwrapResult(lib.callFunction(harden, lib.undefined, lib.global)).dispose();
    harden.dispose();
    return lodashMs;
  }

  /**
   * Limits count from the baseline, so a run gets `memoryLimitBytes` beyond what lodash and the kit occupy, and
   * beyond the budget of the warm hook contexts (which releaseHookContext keeps them within).
   */
  private applyLimits(): void {
    const baseUsed = this.usedBytes();
    const baseHeap = this.heapBytes();
    const budget = cacheBudgetBytes(this.memoryLimitBytes);
    this.runtime.setMemoryLimit(baseUsed + budget + this.memoryLimitBytes);
    this.cacheCeiling = baseUsed + budget;
    this.usedCap = baseUsed + budget + this.memoryLimitBytes;
    this.heapCap = baseHeap + budget + this.memoryLimitBytes;
    this.recycleHeap = baseHeap + budget + this.memoryLimitBytes / 2;
    this.runtime.setInterruptHandler(() => this.shouldInterrupt());
  }

  /** Called by QuickJS every few thousand instructions; it must stay cheap, hence the throttled usage check. */
  private shouldInterrupt(): boolean {
    const guard = this.guard;
    if (guard === null) return false;
    if (guard.reason !== null || guard.stopping) return true;
    const now = Date.now();
    if (now >= this.longRunAt) {
      this.longRunAt = now + this.longRunMs;
      this.onLongRun?.();
    }
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
