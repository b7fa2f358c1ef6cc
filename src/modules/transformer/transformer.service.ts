import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import type { TransformerSettings } from '../endpoint-config/endpoint-settings.js';
import { SessionStorageRepository } from './session-storage.repository.js';
import { transformerEndpointView } from './transformer-endpoint-view.js';
import { TransformerRuntime } from './transformer-runtime.js';
import { describeRunError, SandboxOverloadedError, TransformerFailedError } from './transformer.errors.js';
import type {
  CapturedResponse,
  ConsoleLine,
  HookName,
  HookRunRequest,
  HookRunResult,
  RunError,
} from './transformer.types.js';

/** The switch that turns each function on. */
const ENABLED_BY: Readonly<Record<HookName, keyof TransformerSettings>> = {
  handleInput: 'enableInput',
  handleOutput: 'enableOutput',
  handleExecutionFinished: 'enableExecutionFinished',
  handleInject: 'enableInject',
  handleNotify: 'enableNotify',
};

/**
 * `ran: false`: carry on as if the function did not exist (it is off, absent from the code, or it failed on an
 * endpoint without `abortOnError`). Otherwise `value` is its return value (a JSON clone; undefined when it
 * returned nothing) and `response` what it did with the HTTP response (input, inject and notify only).
 */
export type HookOutcome = { ran: false } | { ran: true; value: unknown; response?: CapturedResponse };

const NOT_RUN: HookOutcome = Object.freeze({ ran: false });

/** Hooks the message pipeline runs (no HTTP client waiting): they wait out a full sandbox queue. */
const PATIENT_HOOKS: ReadonlySet<HookName> = new Set(['handleOutput', 'handleExecutionFinished']);
/** Up to about 4.5 s of waiting in all, well inside a session lease. */
const OVERLOAD_ATTEMPTS = 10;
const OVERLOAD_BACKOFF_MS = 100;

/**
 * Runs endpoint transformer functions for the pipeline: in the sandbox pool, with the endpoint's time limit, its
 * session storage persisted afterwards, and failures logged with the endpoint id and the line of user code.
 * A failure never escapes as an exception unless the endpoint asked for that (`abortOnError`).
 */
@Injectable()
export class TransformerService implements OnApplicationShutdown {
  private readonly logger = new Logger('Transformer');

  constructor(
    private readonly runtime: TransformerRuntime,
    private readonly storage: SessionStorageRepository,
  ) {}

  /** After the executor's `beforeApplicationShutdown` has let the messages in hand finish. */
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }

  isEnabled(endpoint: EndpointRuntimeConfig, hook: HookName): boolean {
    return endpoint.transformerJs !== null && endpoint.transformer[ENABLED_BY[hook]] === true;
  }

  /**
   * Runs `hook` if the endpoint enables it. `args` are the function's arguments but `endpoint`, which is added.
   * Throws TransformerFailedError when the function fails on an endpoint with `abortOnError`.
   */
  async run(endpoint: EndpointRuntimeConfig, hook: HookName, args: Record<string, unknown>): Promise<HookOutcome> {
    if (endpoint.transformerJs === null || !this.isEnabled(endpoint, hook)) return NOT_RUN;
    const result = await this.runHook(
      {
        endpointId: endpoint.id,
        compiledJs: endpoint.transformerJs,
        hook,
        args: { ...args, endpoint: transformerEndpointView(endpoint) },
        timeoutMs: endpoint.transformer.timeoutMs,
      },
      PATIENT_HOOKS.has(hook),
    );
    if (!endpoint.dataProtection.maskLogging) this.forwardConsole(endpoint.id, hook, result.logs);
    if (!result.ok) return this.failed(endpoint, hook, result.error);
    if (!result.hookPresent) return NOT_RUN;
    await this.storage.saveMany(endpoint.id, result.sessionStorageWrites);
    return result.response === undefined
      ? { ran: true, value: result.value }
      : { ran: true, value: result.value, response: result.response };
  }

  /**
   * A full sandbox queue is back-pressure, not a failure of the user's code. A request's hook fails fast (503, the
   * client retries); the pipeline's hooks wait for room, as failing would mark the message failed for good.
   */
  private async runHook(request: HookRunRequest, patient: boolean): Promise<HookRunResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runtime.runHook(request);
      } catch (error) {
        if (!patient || !(error instanceof SandboxOverloadedError) || attempt >= OVERLOAD_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, OVERLOAD_BACKOFF_MS * attempt));
      }
    }
  }

  /** The user code's message may quote user data: with maskLogging only its error name and line are told. */
  private failed(endpoint: EndpointRuntimeConfig, hook: HookName, error: RunError): HookOutcome {
    const { abortOnError } = endpoint.transformer;
    const masked = endpoint.dataProtection.maskLogging;
    const then = abortOnError ? 'the message stops (abortOnError)' : 'carrying on without it';
    this.logger.warn(
      `${hook} failed on endpoint ${endpoint.id} [${error.kind}]: ${describeRunError(error, masked)}; ${then}`,
    );
    if (abortOnError) throw new TransformerFailedError(hook, error, masked);
    return NOT_RUN;
  }

  /** User code's console output, for whoever runs at debug level. */
  private forwardConsole(endpointId: string, hook: HookName, lines: ConsoleLine[]): void {
    if (lines.length === 0 || !Logger.isLevelEnabled('debug')) return;
    for (const line of lines)
      this.logger.debug(`${hook} on endpoint ${endpointId} console.${line.level}: ${line.message}`);
  }
}
