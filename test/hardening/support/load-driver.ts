import { expect } from 'vitest';
import type { ReceivedWebhook } from '../../support/webhook-receiver.js';

export interface HttpResult {
  /** null when no response arrived (refused, reset, timed out). */
  status: number | null;
  headers: Headers | null;
  text: string;
  body: any;
  ms: number;
  error?: string;
}

/** One HTTP exchange with fetch that never throws: network failures come back as `status: null`. */
export async function httpCall(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 20_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, text, body, ms: Date.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return {
      status: null,
      headers: null,
      text: '',
      body: undefined,
      ms: Date.now() - started,
      error: cause?.code ?? (error instanceof Error ? error.message : String(error)),
    };
  }
}

/** One message to an endpoint URL, as the load's clients send it. */
export function sendMessage(baseUrl: string, urlToken: string, session: string, text: string): Promise<HttpResult> {
  return httpCall(`${baseUrl}/endpoint/${urlToken}`, {
    body: { userId: 'u', sessionId: session, text },
    timeoutMs: 15_000,
  });
}

/** An admin API client for a server in another process. */
export function adminClient(baseUrl: () => string, adminKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await httpCall(`${baseUrl()}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    if (res.status === null || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
}

export const echoFlow = {
  name: 'echo',
  startNodeId: 'a',
  nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
};

export interface AckLog {
  /** Per session, the texts acknowledged with 202, in send order. */
  acked: Map<string, string[]>;
  ackedIds: Set<string>;
  /** Every answer, for assertions on what clients saw (`null`: no response). */
  responses: Array<{ session: string; message: string; at: number } & HttpResult>;
}

export interface SessionLoadOptions {
  sessions: number;
  /** Messages per session; omit to run until `stop()` returns true. */
  perSession?: number;
  stop?: () => boolean;
  /** Sends one message; the driver retries it (same text) until it is accepted, as a real client would. */
  send: (session: string, text: string, attempt: number) => Promise<HttpResult>;
  retryDelayMs?: number;
  /** Give up on one message after this long (it then counts as never acknowledged, and the session stops). */
  messageDeadlineMs?: number;
  sessionPrefix?: string;
}

/**
 * Sessions sending in parallel, each one message at a time (awaiting its 202 before the next), retrying a
 * message that was not accepted: the client behaviour whose per-session order the server must keep.
 */
export async function runSessionLoad(options: SessionLoadOptions): Promise<AckLog> {
  const log: AckLog = { acked: new Map(), ackedIds: new Set(), responses: [] };
  const prefix = options.sessionPrefix ?? 's';
  await Promise.all(
    Array.from({ length: options.sessions }, async (_, s) => {
      const session = `${prefix}${s}`;
      log.acked.set(session, []);
      for (let m = 0; options.perSession === undefined || m < options.perSession; m++) {
        if (options.stop?.()) return;
        const text = `${session}-${m}`;
        const deadline = Date.now() + (options.messageDeadlineMs ?? 30_000);
        let accepted = false;
        for (let attempt = 0; !accepted && Date.now() < deadline; attempt++) {
          const res = await options.send(session, text, attempt);
          log.responses.push({ session, message: text, at: Date.now(), ...res });
          if (res.status === 202 && typeof res.body?.messageId === 'string') {
            accepted = true;
            log.acked.get(session)!.push(text);
            log.ackedIds.add(res.body.messageId);
          } else {
            if (options.stop?.() && attempt > 0) break;
            await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 100));
          }
        }
        if (!accepted) return;
      }
    }),
  );
  return log;
}

/** Whether every acknowledged message has at least one delivered output. */
export function allAckedDelivered(hooks: ReceivedWebhook[], log: AckLog): boolean {
  const delivered = new Set(hooks.map((hook) => hook.body.inputId as string));
  return [...log.ackedIds].every((id) => delivered.has(id));
}

/**
 * The delivery guarantees, checked on what the receiver got: duplicates only as byte-identical re-sends of
 * one output; per session, first arrivals in sequence order; acknowledged messages' outputs in send order.
 */
export function expectOrderedDelivery(hooks: ReceivedWebhook[], log: AckLog): void {
  const firstById = new Map<string, { raw: string; session: string; sequence: number; text: string }>();
  for (const hook of hooks) {
    const seen = firstById.get(hook.body.id);
    if (seen) expect(hook.raw, `re-send of output ${hook.body.id}`).toBe(seen.raw);
    else
      firstById.set(hook.body.id, {
        raw: hook.raw,
        session: hook.body.sessionId,
        sequence: hook.body.sequence,
        text: hook.body.AIOutput.text,
      });
  }
  expect(allAckedDelivered(hooks, log), 'every acknowledged message delivered').toBe(true);
  for (const [session, texts] of log.acked) {
    const outputs = [...firstById.values()].filter((output) => output.session === session);
    const sequences = outputs.map((output) => output.sequence);
    expect(sequences, `session ${session}: arrival order is sequence order`).toEqual(
      [...sequences].sort((a, b) => a - b),
    );
    const firstArrival = new Map<string, number>();
    outputs.forEach((output, index) => {
      if (!firstArrival.has(output.text)) firstArrival.set(output.text, index);
    });
    const positions = texts.map((text) => firstArrival.get(text) ?? -1);
    expect(positions, `session ${session}: acknowledged messages delivered in send order`).toEqual(
      [...positions].sort((a, b) => a - b),
    );
  }
}

/** Counts by status (`network` for no response). */
export function statusCounts(results: Array<{ status: number | null }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of results)
    counts[String(status ?? 'network')] = (counts[String(status ?? 'network')] ?? 0) + 1;
  return counts;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
