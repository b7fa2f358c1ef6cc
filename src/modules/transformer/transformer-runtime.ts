import { STATUS_CODES } from 'node:http';
import { SandboxPool } from './sandbox/sandbox-pool.js';
import type { HostCall, SandboxOutcome } from './sandbox/sandbox.protocol.js';
import { compileCodeNode, type CodeNodeCompileResult } from './transformer-compiler.js';
import {
  HOOK_NAMES,
  HOOKS_WITH_RESPONSE,
  type CapturedResponse,
  type CodeNodeAction,
  type CodeNodeRunRequest,
  type CodeNodeRunResult,
  type HookRunRequest,
  type HookRunResult,
  type SandboxHost,
  type SessionStorageWrite,
  type TransformerRuntimeOptions,
} from './transformer.types.js';

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_CODE_NODE_TIMEOUT_MS = 1000;
const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
const MIN_MEMORY_LIMIT_BYTES = 8 * 1024 * 1024;
// The WebAssembly heap is capped at about twice the limit, and 32-bit WebAssembly memory ends at 4 GiB.
const MAX_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;
const CODE_CACHE_SIZE = 256;
const CODE_CACHE_MAX_CHARS = 16 * 1024;

interface HookPayload {
  hookPresent: boolean;
  hasValue?: boolean;
  value?: unknown;
  response?: CapturedResponse & { statusText?: boolean };
  writes?: SessionStorageWrite[];
}

interface CodePayload {
  hasValue: boolean;
  value?: unknown;
  actions: CodeNodeAction[];
  context?: Record<string, unknown>;
}

/**
 * Runs endpoint transformers and flow code nodes in QuickJS sandboxes on a warm pool of worker threads.
 * User-code failures (errors, timeouts, memory) come back as results; only misuse and shutdown throw.
 */
export class TransformerRuntime {
  private readonly pool: SandboxPool;
  private readonly host: SandboxHost;
  private readonly defaultTimeoutMs: number;
  private readonly codeCache = new Map<string, CodeNodeCompileResult>();

  constructor(opts: TransformerRuntimeOptions) {
    const memoryLimitBytes = opts.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    if (!(memoryLimitBytes >= MIN_MEMORY_LIMIT_BYTES && memoryLimitBytes <= MAX_MEMORY_LIMIT_BYTES)) {
      throw new RangeError(`memoryLimitBytes must be between ${MIN_MEMORY_LIMIT_BYTES} and ${MAX_MEMORY_LIMIT_BYTES}.`);
    }
    const poolSize = opts.poolSize ?? 2;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 64) throw new RangeError('poolSize must be 1 to 64.');
    const defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(defaultTimeoutMs >= 1 && defaultTimeoutMs <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`defaultTimeoutMs must be between 1 and ${MAX_TIMEOUT_MS}.`);
    }
    this.host = opts.host;
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.pool = new SandboxPool({ size: poolSize, memoryLimitBytes });
  }

  /** Resolves once every worker of the pool is up (lodash loaded); runs before that simply queue. */
  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  async runHook(req: HookRunRequest): Promise<HookRunResult> {
    if (!(HOOK_NAMES as readonly string[]).includes(req.hook)) throw new TypeError(`Unknown hook: ${req.hook}`);
    const withResponse = HOOKS_WITH_RESPONSE.has(req.hook);
    let httpRequests = 0;
    const outcome = await this.pool.run(
      {
        kind: 'hook',
        endpointId: req.endpointId,
        compiledJs: req.compiledJs,
        hook: req.hook,
        argsJson: JSON.stringify(req.args ?? {}),
        withResponse,
        timeoutMs: this.timeout(req.timeoutMs, this.defaultTimeoutMs),
      },
      (call) => {
        // The worker enforces one request per run too; this check holds even if a worker were subverted.
        if (call.kind === 'httpRequest' && ++httpRequests > 1) {
          return Promise.reject(new Error('httpRequest may be called at most once per run.'));
        }
        return this.answer(req.endpointId, call);
      },
    );
    if (!outcome.ok) return outcome;
    const payload = JSON.parse(outcome.payloadJson) as HookPayload;
    const base = { ok: true as const, logs: outcome.logs, durationMs: outcome.durationMs };
    if (!payload.hookPresent) return { ...base, value: undefined, hookPresent: false, sessionStorageWrites: [] };
    return {
      ...base,
      value: payload.hasValue ? payload.value : undefined,
      hookPresent: true,
      ...(withResponse ? { response: toCapturedResponse(payload.response) } : {}),
      sessionStorageWrites: payload.writes ?? [],
    };
  }

  async runCodeNode(req: CodeNodeRunRequest): Promise<CodeNodeRunResult> {
    const compiled = this.compileCached(req.code);
    if (!compiled.ok) {
      return {
        actions: [],
        logs: [],
        error: compiled.message,
        errorKind: 'error',
        errorLocation: { line: compiled.line, column: compiled.column },
        durationMs: 0,
      };
    }
    const payloadJson = JSON.stringify({
      input: req.input ?? null,
      context: req.context ?? {},
      profile: req.profile ?? {},
    });
    const outcome: SandboxOutcome = await this.pool.run(
      {
        kind: 'code',
        functionJs: compiled.functionJs,
        firstLineOffset: compiled.firstLineOffset,
        payloadJson,
        timeoutMs: this.timeout(req.timeoutMs ?? DEFAULT_CODE_NODE_TIMEOUT_MS, this.defaultTimeoutMs),
      },
      () => Promise.reject(new Error('Code nodes cannot call the host.')),
    );
    if (!outcome.ok) {
      const { line, column, message, kind } = outcome.error;
      const errorLocation = line === undefined ? undefined : { line, column };
      return {
        actions: [],
        logs: outcome.logs,
        error: message,
        errorKind: kind,
        errorLocation,
        durationMs: outcome.durationMs,
      };
    }
    const payload = JSON.parse(outcome.payloadJson) as CodePayload;
    return {
      actions: payload.actions,
      logs: outcome.logs,
      ...(payload.hasValue ? { returnValue: payload.value } : {}),
      context: payload.context,
      durationMs: outcome.durationMs,
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private answer(endpointId: string, call: HostCall): Promise<unknown> {
    switch (call.kind) {
      case 'httpRequest':
        return this.host.httpRequest(call.request);
      case 'loadSessionStorage':
        return this.host.loadSessionStorage(endpointId, call.userId, call.sessionId);
    }
  }

  private timeout(requested: number | undefined, ceiling: number): number {
    if (requested === undefined || !Number.isFinite(requested)) return ceiling;
    return Math.max(1, Math.min(Math.floor(requested), ceiling));
  }

  private compileCached(code: string): CodeNodeCompileResult {
    const cached = this.codeCache.get(code);
    if (cached !== undefined) {
      // Re-inserting keeps the map in least-recently-used order.
      this.codeCache.delete(code);
      this.codeCache.set(code, cached);
      return cached;
    }
    const compiled = compileCodeNode(code);
    if (code.length > CODE_CACHE_MAX_CHARS) return compiled;
    this.codeCache.set(code, compiled);
    if (this.codeCache.size > CODE_CACHE_SIZE) this.codeCache.delete(this.codeCache.keys().next().value as string);
    return compiled;
  }
}

function toCapturedResponse(raw: HookPayload['response']): CapturedResponse {
  if (raw === undefined || raw === null) return { sent: false, statusCode: 200, headers: {} };
  const response: CapturedResponse = { sent: raw.sent, statusCode: raw.statusCode, headers: raw.headers };
  // Express answers sendStatus() with the status text as the body.
  const body =
    raw.body === undefined && raw.statusText ? (STATUS_CODES[raw.statusCode] ?? String(raw.statusCode)) : raw.body;
  if (body !== undefined) response.body = body;
  return response;
}
