/** Public types of the transformer runtime (endpoint transformers and flow `code` nodes). */

export const HOOK_NAMES = [
  'handleInput',
  'handleOutput',
  'handleExecutionFinished',
  'handleInject',
  'handleNotify',
] as const;

export type HookName = (typeof HOOK_NAMES)[number];

/** Hooks that receive an Express-like `response` the user code may answer the HTTP request with. */
export const HOOKS_WITH_RESPONSE: ReadonlySet<HookName> = new Set(['handleInput', 'handleInject', 'handleNotify']);

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';

export interface ConsoleLine {
  level: ConsoleLevel;
  message: string;
}

/** What the user code did with `response`; `sent` turns true on send, sendStatus, redirect or end. */
export interface CapturedResponse {
  sent: boolean;
  statusCode: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: unknown;
}

export interface SessionStorageWrite {
  userId: string;
  sessionId: string;
  value: Record<string, unknown>;
}

export type RunErrorKind = 'error' | 'timeout' | 'memory';

/** Line and column are 1-based and point into the user's original (TypeScript or JavaScript) source. */
export interface RunError {
  message: string;
  line?: number;
  column?: number;
  kind: RunErrorKind;
}

export type HookRunResult =
  | {
      ok: true;
      /** JSON clone of the hook's return value; `undefined` when it returned nothing or the hook is absent. */
      value: unknown;
      hookPresent: boolean;
      logs: ConsoleLine[];
      durationMs: number;
      /** Only for handleInput, handleInject and handleNotify. */
      response?: CapturedResponse;
      sessionStorageWrites: SessionStorageWrite[];
    }
  | { ok: false; error: RunError; logs: ConsoleLine[]; durationMs: number };

export interface HookRunRequest {
  endpointId: string;
  /** Output of `compileTransformer`. */
  compiledJs: string;
  hook: HookName;
  args: Record<string, unknown>;
  /** Lower than the runtime's default only; larger values are capped. */
  timeoutMs?: number;
}

export type CodeNodeAction =
  | { type: 'say'; text: string; data?: unknown }
  | { type: 'addToContext'; key: string; value: unknown; mode: 'simple' | 'array' }
  | { type: 'removeFromContext'; key: string }
  | { type: 'log'; level: string; message: string };

export interface CodeNodeRunRequest {
  /** TypeScript or JavaScript; runs as the body of an async function (`await` and `return` work). */
  code: string;
  input: unknown;
  context: Record<string, unknown>;
  profile: Record<string, unknown>;
  /** Default 1000 ms; never above the runtime's default. */
  timeoutMs?: number;
}

export interface CodeNodeRunResult {
  actions: CodeNodeAction[];
  logs: ConsoleLine[];
  error?: string;
  /** Set with `error`: a timeout or memory limit, or any other failure. */
  errorKind?: RunErrorKind;
  /** Where `error` happened in the node's code, when known (1-based). */
  errorLocation?: { line: number; column?: number };
  /** JSON clone of the code's `return` value, if any. */
  returnValue?: unknown;
  /**
   * The sandbox's copy of `context` after the run: the api calls above applied, plus any direct mutation of
   * `context` by the code. The actions remain the authoritative record.
   */
  context?: Record<string, unknown>;
  durationMs: number;
}

export interface SandboxHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Never more than the time the run has left. */
  timeoutMs: number;
}

export interface SandboxHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Raw text; the sandbox parses JSON bodies for the user code. */
  body: string;
}

/** What the sandbox may ask of the application. Implementations enforce the SSRF guard and persistence. */
export interface SandboxHost {
  httpRequest(req: SandboxHttpRequest): Promise<SandboxHttpResponse>;
  loadSessionStorage(endpointId: string, userId: string, sessionId: string): Promise<Record<string, unknown>>;
}

export interface TransformerRuntimeOptions {
  /** Worker threads kept warm; default 2. */
  poolSize?: number;
  /** Wall-clock limit of a transformer hook run; default 5000 ms. */
  defaultTimeoutMs?: number;
  /** Heap a run may use beyond the sandbox's baseline; default 64 MiB. */
  memoryLimitBytes?: number;
  host: SandboxHost;
}
