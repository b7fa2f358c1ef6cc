/**
 * Warm QuickJS contexts for endpoint transformer hooks, one worker's worth. Creating a context (all the
 * built-ins) and compiling the user's module cost far more than a trivial hook itself, so a context is kept
 * for the next call of the same endpoint and code.
 *
 * Isolation rule, which every change here must keep:
 * - A context belongs to ONE endpoint and ONE compiled code version. It never runs any other code, so nothing
 *   one endpoint does to its realm can reach another endpoint (nor another version of its own code).
 * - Every call gets fresh per-call state: its arguments (parsed anew), the response recorder, the session
 *   storages, the console and uniqueId counters, and the host bridge. The user's module is compiled once per
 *   context as a function and run afresh on every call, so module-level variables and the hooks object start
 *   from scratch: a cache kept in a module variable cannot carry one session's data into another's call.
 * - Changes to the realm itself (globals, built-ins) are the one thing a reused context could carry to the
 *   next call of the same endpoint. The common ways — a global created by assignment, prototype pollution
 *   through user data (`obj[key] = value` with `__proto__` or `constructor.prototype`), a swapped prototype —
 *   are detected after every call (the kit's `untouched`) and the context is discarded. What remains, a
 *   deliberate `Object.defineProperty` or an overwritten built-in method, is the endpoint's own code acting
 *   on its own realm, bounded by MAX_CALLS_PER_CONTEXT and the memory budget below.
 * - A context is only reused after a call that completed normally: any error, time or memory limit, leftover
 *   job or engine failure discards it (limits also replace the worker).
 * - Everything cached counts against a budget (checked after every call by the engine); over it, the context
 *   that just ran is dropped first, then all of them, so a run's own memory limit is never eaten by others.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

/** Warm contexts per worker; one holds some 40 KB of the sandbox heap beyond what the user keeps in it. */
export const MAX_CACHED_CONTEXTS = 32;
/** A context is rebuilt after this many calls, which bounds how long any undetected realm change can live. */
export const MAX_CALLS_PER_CONTEXT = 1000;

export interface HookContext {
  readonly endpointId: string;
  readonly compiledJs: string;
  readonly ctx: QuickJSContext;
  /** The kit's control object for this context (library realm), and its methods as looked up so far. */
  readonly control: QuickJSHandle;
  readonly methods: Map<string, QuickJSHandle>;
  /** The user's module wrapped in a function; evaluated by the context's first call. */
  module: QuickJSHandle | undefined;
  calls: number;
}

export class HookContextCache {
  /** By endpoint id, least recently used first; a context is taken out while a call runs in it. */
  private readonly idle = new Map<string, HookContext>();

  /** The endpoint's warm context for this code, if any; a context of another code version is disposed. */
  take(endpointId: string, compiledJs: string): HookContext | undefined {
    const context = this.idle.get(endpointId);
    if (context === undefined) return undefined;
    this.idle.delete(endpointId);
    if (context.compiledJs === compiledJs) return context;
    disposeHookContext(context);
    return undefined;
  }

  put(context: HookContext): void {
    if (context.module === undefined || context.calls >= MAX_CALLS_PER_CONTEXT) {
      disposeHookContext(context);
      return;
    }
    const previous = this.idle.get(context.endpointId);
    if (previous !== undefined) disposeHookContext(previous);
    this.idle.delete(context.endpointId);
    this.idle.set(context.endpointId, context);
    for (const [endpointId, oldest] of this.idle) {
      if (this.idle.size <= MAX_CACHED_CONTEXTS) break;
      this.idle.delete(endpointId);
      disposeHookContext(oldest);
    }
  }

  discard(endpointId: string): void {
    const context = this.idle.get(endpointId);
    if (context === undefined) return;
    this.idle.delete(endpointId);
    disposeHookContext(context);
  }

  clear(): void {
    for (const context of this.idle.values()) disposeHookContext(context);
    this.idle.clear();
  }
}

/** Handles of the context go before the context itself. */
export function disposeHookContext(context: HookContext): void {
  context.module?.dispose();
  for (const method of context.methods.values()) method.dispose();
  context.control.dispose();
  context.ctx.dispose();
}
