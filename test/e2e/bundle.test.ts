import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.js';
import { TEST_TMP_ROOT } from '../support/paths.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabaseKind } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A TypeScript transformer: compiled and run by the sandbox's worker threads, which the bundle starts by path. */
const TRANSFORMER = `
interface Channel { from: string; says: string }
createWebhookTransformer({
  handleInput: async ({ request }) => {
    const event = request.body as Channel;
    return { userId: event.from, sessionId: 'bundle-' + event.from, text: event.says };
  },
  handleOutput: async ({ processedOutput }) => ({ ...processedOutput, bundled: true }),
});`;

/**
 * `npm run build` bundles the server into dist/main.js (scripts/bundle.mjs), the file `npm start`, the process
 * tests and the benchmarks run. The bundle must be the same app as the sources: same API, and its modules still
 * find the files beside them (the database's and the sandbox's worker threads, the migrations, package.json).
 */
describe.skipIf(testDatabaseKind() !== 'embedded')('the bundled server (dist/main.js)', () => {
  const dataDir = mkdtempSync(join(TEST_TMP_ROOT, 'bundle-'));
  const adminKey = `bundle-${randomBytes(8).toString('hex')}`;
  let bundled: AppProcess;
  let fromSources: TestApp;
  let receiver: WebhookReceiver;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await bundled.admin(method, path, body);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    [bundled, fromSources, receiver] = await Promise.all([
      AppProcess.start({ DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }),
      startTestApp(),
      WebhookReceiver.start(),
    ]);
  });
  afterAll(async () => {
    if (bundled?.alive) await bundled.kill('SIGKILL');
    await fromSources?.close();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a bundle: one file, not tsc’s entry point, in Latin-1 (V8 keeps it in memory at a byte per character)', () => {
    const source = readFileSync(MAIN, 'utf8');

    expect(source.startsWith('// hookflow bundle\n')).toBe(true);
    expect(source).not.toMatch(/[\u0100-\uffff]/);
  });

  it('serves the same OpenAPI document as the app built from the sources', async () => {
    const documentOf = async (baseUrl: string) => {
      const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as Record<string, unknown>;
      delete document.servers; // each names its own port
      return document;
    };

    const [ofBundle, ofSources] = await Promise.all([documentOf(bundled.baseUrl), documentOf(fromSources.baseUrl)]);

    expect(ofBundle).toEqual(ofSources);
    expect(Object.keys(ofBundle.paths as object).length).toBeGreaterThan(20);
  });

  it('runs a message through a TypeScript transformer, the flow and delivery', async () => {
    const flow = await admin('POST', '/api/v1/flows', {
      name: 'bundle echo',
      startNodeId: 'say',
      nodes: [{ id: 'say', type: 'say', text: 'echo: {{input.text}}' }],
    });
    expect(flow.status).toBe(201);
    const endpoint = await admin('POST', '/api/v1/endpoints', {
      name: 'bundle',
      flowId: flow.body.id,
      webhookUrl: receiver.url,
      transformer: { code: TRANSFORMER, enableInput: true, enableOutput: true },
    });
    expect(endpoint.status).toBe(201);

    const sent = await fetch(`${bundled.baseUrl}/endpoint/${endpoint.body.URLToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'ann', says: 'hello' }),
    });

    expect(sent.status).toBe(202);
    const [hook] = await receiver.waitForDelivered(1);
    expect(hook.body).toMatchObject({
      userId: 'ann',
      sessionId: 'bundle-ann',
      AIOutput: { text: 'echo: hello' },
      bundled: true,
    });
  });
});
