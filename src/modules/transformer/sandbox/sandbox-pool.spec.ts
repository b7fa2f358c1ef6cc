import { afterEach, describe, expect, it } from 'vitest';
import { SandboxOverloadedError, SandboxUnavailableError } from '../transformer.errors.js';
import { SandboxPool } from './sandbox-pool.js';
import type { SandboxJob, SandboxOutcome } from './sandbox.protocol.js';

const trivialJob: SandboxJob = {
  kind: 'code',
  functionJs: '(async function () { return 1; })',
  firstLineOffset: 0,
  payloadJson: '{"input":null,"context":{},"profile":{}}',
  timeoutMs: 1000,
};
const noHost = () => Promise.reject(new Error('no host calls expected'));
const codeJob = (body: string, timeoutMs = 1000): SandboxJob => ({
  ...trivialJob,
  functionJs: `(async function () { ${body} })`,
  timeoutMs,
});
const value = (outcome: SandboxOutcome) =>
  outcome.ok ? (JSON.parse(outcome.payloadJson) as { value: unknown }).value : outcome.error.message;

describe('SandboxPool', () => {
  let pool: SandboxPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('fails runs instead of hanging when workers cannot start', async () => {
    // 8 GiB cannot be reserved as 32-bit WebAssembly memory, so every worker fails while booting.
    pool = new SandboxPool({ size: 1, memoryLimitBytes: 8 * 1024 ** 3 });
    const queued = pool.run(trivialJob, noHost);

    await expect(queued).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(pool.run(trivialJob, noHost)).rejects.toThrow(/cannot start/);
  });

  it('sheds runs beyond the queue limit', async () => {
    pool = new SandboxPool({ size: 1, memoryLimitBytes: 16 * 1024 * 1024, maxQueue: 1 });
    // The worker is still starting, so the first run waits in the queue and fills it.
    const first = pool.run(trivialJob, noHost);

    await expect(pool.run(trivialJob, noHost)).rejects.toBeInstanceOf(SandboxOverloadedError);
    await expect(first).resolves.toMatchObject({ ok: true });
  });

  it('refuses runs once closed', async () => {
    pool = new SandboxPool({ size: 1, memoryLimitBytes: 16 * 1024 * 1024 });
    await pool.close();

    await expect(pool.run(trivialJob, noHost)).rejects.toThrow(/shutting down/);
  });

  it('runs jobs after warming up', async () => {
    pool = new SandboxPool({ size: 1, memoryLimitBytes: 16 * 1024 * 1024 });
    await pool.warmUp();

    const outcome = await pool.run(trivialJob, noHost);

    expect(outcome).toMatchObject({ ok: true });
    expect(JSON.parse(outcome.ok ? outcome.payloadJson : '{}')).toMatchObject({ hasValue: true, value: 1 });
  });

  describe('pipelining', () => {
    const quick = (i: number) => codeJob(`return ${i};`);

    it('sends queued runs ahead and returns them all, in their own results', async () => {
      pool = new SandboxPool({ size: 1, memoryLimitBytes: 16 * 1024 * 1024 });
      await pool.warmUp();

      const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => pool!.run(quick(i), noHost)));

      expect(outcomes.map(value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it.each([
      [
        'busy in QuickJS',
        () =>
          pool!.run(codeJob('const end = Date.now() + 1500; while (Date.now() < end) {} return "slow";', 3000), noHost),
      ],
      [
        'waiting for the host',
        () =>
          pool!.run(
            {
              kind: 'hook',
              endpointId: 'slow',
              compiledJs:
                "createWebhookTransformer({ handleOutput: async () => { await getSessionStorage('u', 's'); return 'slow'; } });",
              hook: 'handleOutput',
              argsJson: '{}',
              withResponse: false,
              timeoutMs: 3000,
            },
            () => new Promise((resolve) => setTimeout(() => resolve({}), 1500)),
          ),
      ],
    ])('moves the runs queued behind a run %s to another worker', async (_name, slowRun) => {
      pool = new SandboxPool({ size: 2, memoryLimitBytes: 16 * 1024 * 1024 });
      await pool.warmUp();
      const started = performance.now();

      const slow = slowRun();
      const quickOnes = await Promise.all(Array.from({ length: 10 }, (_, i) => pool!.run(quick(i), noHost)));
      const quickMs = performance.now() - started;

      expect(quickOnes.map(value)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(quickMs).toBeLessThan(1000);
      expect(value(await slow)).toBe('slow');
    });

    it('runs elsewhere what a terminated worker never started', async () => {
      pool = new SandboxPool({ size: 1, memoryLimitBytes: 16 * 1024 * 1024, backstopGraceMs: 200 });
      await pool.warmUp();

      // A native loop QuickJS cannot interrupt: only the backstop ends it, with the others queued in that worker.
      const stuck = pool.run(codeJob('return new Array(2 ** 32 - 1).includes(1);', 300), noHost);
      const behind = Array.from({ length: 3 }, (_, i) => pool!.run(quick(i), noHost));

      await expect(stuck).resolves.toMatchObject({ ok: false, error: { kind: 'timeout' } });
      expect((await Promise.all(behind)).map(value)).toEqual([0, 1, 2]);
    });
  });
});
