import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const GOOD = `createWebhookTransformer({
  handleOutput: async ({ output }) => ({ wrapped: output.text }),
});`;

describe('transformer code on the admin API', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const dryRun = (endpointId: string, body: Record<string, unknown>) =>
    t.admin('POST', `/api/v1/endpoints/${endpointId}/transformer/test`, body);

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  describe('compiled on save', () => {
    it.each([
      ['JavaScript', 'createWebhookTransformer({\n  handleOutput: () => ({ a: 1 }\n});', 2, 20],
      ['TypeScript', 'const x: number = 1;\ncreateWebhookTransformer({ handleInput: (a: string => a });', 2, 52],
    ])(
      'refuses a %s syntax error with 422 naming transformer.code with line and column',
      async (_n, code, line, col) => {
        const res = await t.admin('POST', '/api/v1/endpoints', {
          name: 'broken',
          flowId: (await createEndpoint(t)).flowId,
          webhookUrl: receiver.url,
          transformer: { code },
        });

        expect(res.status).toBe(422);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors[0].field).toBe('transformer.code');
        expect(res.body.errors[0].message).toMatch(new RegExp(`^SyntaxError: .+ \\(line ${line}, column ${col}\\)$`));
      },
    );

    it('refuses code that never calls createWebhookTransformer', async () => {
      const endpoint = await createEndpoint(t);

      const res = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        transformer: { code: 'const handleInput = () => null;' },
      });

      expect(res.status).toBe(422);
      expect(res.body.errors[0]).toEqual({
        field: 'transformer.code',
        message: expect.stringContaining('must call createWebhookTransformer'),
      });
    });

    it('keeps the stored code when a PATCH brings a syntax error, and runs new code right after a PATCH', async () => {
      const endpoint = await createEndpoint(t, {
        webhookUrl: receiver.url,
        transformer: { code: GOOD, enableOutput: true },
      });
      const broken = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        transformer: { code: 'createWebhookTransformer({ handleOutput: () => { });' },
      });
      expect(broken.status).toBe(422);
      expect((await t.admin('GET', `/api/v1/endpoints/${endpoint.id}`)).body.transformer.code).toBe(GOOD);

      await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 's', text: 'x' } });
      const [first] = await receiver.waitForDelivered(1);
      expect(first.body).toEqual({ wrapped: 'hello' });

      const patched = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        transformer: { code: GOOD.replace('wrapped', 'rewrapped') },
      });
      expect(patched.status).toBe(200);
      await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 's', text: 'x' } });
      const hooks = await receiver.waitForDelivered(2);
      expect(hooks[1].body).toEqual({ rewrapped: 'hello' });

      const cleared = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, { transformer: { code: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.transformer).toMatchObject({ code: '', enableOutput: true });
      await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 's', text: 'x' } });
      const after = await receiver.waitForDelivered(3);
      expect(after[2].body).toMatchObject({ AIOutput: { text: 'hello' }, sequence: 3 });
    });
  });

  describe('POST /endpoints/{id}/transformer/test', () => {
    let endpoint: { id: string };
    beforeAll(async () => {
      endpoint = await createEndpoint(t, {
        webhookUrl: receiver.url,
        transformer: {
          code: `createWebhookTransformer({
            handleInput: async ({ request, response, endpoint }) => {
              console.log('got', request.body);
              const storage = await getSessionStorage('u', 's');
              storage.seen = true;
              response.status(201).send('thanks');
              return { userId: 'u', sessionId: 's', text: endpoint.name };
            },
            handleOutput: ({ output }) => {
              console.warn('about to fail');
              return output.missing.deep;
            },
          });`,
        },
      });
    });

    it('returns the value, the response, the console output, the storage changes and the duration', async () => {
      const res = await dryRun(endpoint.id, {
        function: 'handleInput',
        args: { request: { method: 'POST', path: '/', query: {}, headers: {}, body: { a: 1 } } },
      });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ok: true,
        hookPresent: true,
        value: { userId: 'u', sessionId: 's', text: expect.stringMatching(/^endpoint \d+$/) },
        response: { sent: true, statusCode: 201, headers: {}, body: 'thanks' },
        sessionStorageWrites: [{ userId: 'u', sessionId: 's', value: { seen: true } }],
        console: [{ level: 'log', message: 'got {"a":1}' }],
        durationMs: expect.any(Number),
      });
    });

    it('saves nothing: storage changed by a dry run is not there on the next one', async () => {
      const args = { request: { method: 'POST', path: '/', query: {}, headers: {}, body: {} } };
      await dryRun(endpoint.id, { function: 'handleInput', args });
      const again = await dryRun(endpoint.id, { function: 'handleInput', args });

      expect(again.body.sessionStorageWrites).toEqual([{ userId: 'u', sessionId: 's', value: { seen: true } }]);
    });

    it('reports a runtime error with its line, and the console output before it', async () => {
      const res = await dryRun(endpoint.id, { function: 'handleOutput', args: { output: { text: 'x' } } });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ok: false,
        error: { kind: 'error', message: expect.stringMatching(/^TypeError: /), line: 11, column: expect.any(Number) },
        console: [{ level: 'warn', message: 'about to fail' }],
        durationMs: expect.any(Number),
      });
    });

    it('says when the code lacks the function', async () => {
      const res = await dryRun(endpoint.id, { function: 'handleNotify' });

      expect(res.body).toMatchObject({ ok: true, hookPresent: false, console: [] });
      expect(res.body).not.toHaveProperty('value');
    });

    it('tests unsaved code, and reports its syntax error with line and column', async () => {
      const unsaved = await dryRun(endpoint.id, {
        function: 'handleExecutionFinished',
        code: 'createWebhookTransformer({ handleExecutionFinished: ({ userId }: { userId: string }) => userId + "!" });',
        args: { userId: 'ada', sessionId: 's' },
      });
      const broken = await dryRun(endpoint.id, { function: 'handleOutput', code: 'createWebhookTransformer({\n  (' });

      expect(unsaved.body).toMatchObject({ ok: true, value: 'ada!' });
      expect(broken.status).toBe(200);
      expect(broken.body).toMatchObject({ ok: false, error: { kind: 'error', line: 2, column: expect.any(Number) } });
      expect(broken.body.error.message).toMatch(/^SyntaxError: /);
    });

    it('answers 422 without any code, 404 for an unknown endpoint and 400 for an unknown function', async () => {
      const bare = await createEndpoint(t);

      const none = await dryRun(bare.id, { function: 'handleInput' });
      const missing = await dryRun('00000000-0000-4000-8000-000000000000', { function: 'handleInput' });
      const unknown = await dryRun(endpoint.id, { function: 'handleEverything' });

      expect(none.status).toBe(422);
      expect(none.body.type).toBe('urn:hookflow:problem:transformer-code-missing');
      expect(missing.status).toBe(404);
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors[0].field).toBe('function');
    });

    it('needs the admin key', async () => {
      const res = await t.request('POST', `/api/v1/endpoints/${endpoint.id}/transformer/test`, {
        body: { function: 'handleInput' },
      });

      expect(res.status).toBe(401);
    });
  });
});
