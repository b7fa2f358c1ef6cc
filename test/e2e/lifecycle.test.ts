import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.js';
import { TEST_TMP_ROOT } from '../support/paths.js';
import { testDatabaseKind } from '../support/test-database.js';

/** The built server as a newcomer runs it: embedded database in DATA_DIR, no other service. */
describe.skipIf(testDatabaseKind() !== 'embedded')('server process on the embedded database', () => {
  const dataDir = mkdtempSync(join(TEST_TMP_ROOT, 'lifecycle-'));
  const adminKey = `lifecycle-${randomBytes(8).toString('hex')}`;
  const env = { DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
  const running: AppProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const app = await AppProcess.start({ ...env, ...extra });
    running.push(app);
    return app;
  };

  afterAll(async () => {
    for (const app of running) if (app.alive) await app.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves docs and readiness, keeps data across a restart, refuses a second process, and stops on SIGTERM', async () => {
    const first = await start();
    expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
    const docs = await fetch(`${first.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');

    const flow = (await (
      await first.admin('POST', '/api/v1/flows', {
        name: 'f',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'say', text: 'hi' }],
      })
    ).json()) as { id: string };
    const created = await first.admin('POST', '/api/v1/endpoints', {
      name: 'kept',
      flowId: flow.id,
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string };

    // A second process on the same data folder must refuse to start (PGlite would silently lose writes).
    await expect(start()).rejects.toThrow(/in use by process/);

    const stoppedAt = Date.now();
    // Nest re-raises the signal once it has closed everything, so the process ends by SIGTERM, cleanly.
    expect(await first.kill('SIGTERM')).toBe('SIGTERM');
    expect(first.output).not.toMatch(/ERROR/);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);

    const second = await start();
    const again = await second.admin('GET', `/api/v1/endpoints/${endpoint.id}`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { name: string }).name).toBe('kept');
  }, 90_000);
});
