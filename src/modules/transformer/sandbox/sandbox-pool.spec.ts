import { afterEach, describe, expect, it } from 'vitest';
import { SandboxOverloadedError, SandboxUnavailableError } from '../transformer.errors.js';
import { SandboxPool } from './sandbox-pool.js';
import type { SandboxJob } from './sandbox.protocol.js';

const trivialJob: SandboxJob = {
  kind: 'code',
  functionJs: '(async function () { return 1; })',
  firstLineOffset: 0,
  payloadJson: '{"input":null,"context":{},"profile":{}}',
  timeoutMs: 1000,
};
const noHost = () => Promise.reject(new Error('no host calls expected'));

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
});
