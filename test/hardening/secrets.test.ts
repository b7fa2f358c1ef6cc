import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { echoFlow, httpCall, sleep, type HttpResult } from './support/load-driver.js';

interface Exchange {
  label: string;
  res: HttpResult;
}

/** Every text and jsonb value of every table, as one string per row. */
async function dumpDatabase(db: TestDatabase): Promise<string[]> {
  const tablesSql = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const rowsOf = async (query: (sql: string) => Promise<Array<Record<string, unknown>>>) => {
    const rows: string[] = [];
    for (const { table_name: table } of await query(tablesSql))
      for (const row of await query(`SELECT * FROM "${String(table)}"`))
        rows.push(`${String(table)}: ${JSON.stringify(row)}`);
    return rows;
  };
  if (db.databaseUrl) {
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      return await rowsOf(async (sql) => (await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  }
  const lite = await PGlite.create(join(db.dataDir, 'pgdata'));
  try {
    return await rowsOf(async (sql) => (await lite.query<Record<string, unknown>>(sql)).rows);
  } finally {
    await lite.close();
  }
}

/**
 * A full scenario against a server process at LOG_LEVEL=debug, then a search for every secret in the clear:
 * in every API response (except the one response that hands a new secret out), in every log line, and in every
 * row of every table.
 */
describe('secrets never appear in the clear', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let receiver: WebhookReceiver;
  const adminKey = `secrets-admin-${randomBytes(12).toString('hex')}`;
  const encryptionKey = randomBytes(32).toString('base64');
  const exchanges: Exchange[] = [];
  const secrets = new Map<string, string>(); // name -> plaintext
  const allowedIn = new Map<string, string>(); // secret name -> label of the response that may show it

  const call = async (
    label: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await httpCall(`${app.baseUrl}${path}`, {
      method,
      body,
      headers: path.startsWith('/api/') ? { authorization: `Bearer ${adminKey}`, ...headers } : headers,
    });
    exchanges.push({ label, res });
    return res;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start();
    app = await AppProcess.start({
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl, ENCRYPTION_KEY: encryptionKey } : { DATA_DIR: db.dataDir }),
      ADMIN_API_KEY: adminKey,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'debug',
      PIPELINE_SWEEP_INTERVAL_MS: '200',
    });
    secrets.set('bootstrap admin key', adminKey);
    if (db.databaseUrl) secrets.set('ENCRYPTION_KEY', encryptionKey);
    const keyFile = join(db.dataDir, 'encryption.key');
    if (existsSync(keyFile)) secrets.set('generated encryption key', readFileSync(keyFile, 'utf8').trim());
  }, 60_000);

  afterAll(async () => {
    if (app?.alive) await app.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('runs a full scenario', async () => {
    const password1 = `pw1-${randomBytes(9).toString('hex')}`;
    const password2 = `pw2-${randomBytes(9).toString('hex')}`;
    secrets.set('basic-auth password', password1).set('changed basic-auth password', password2);

    const createdKey = await call('create admin key', 'POST', '/api/v1/api-keys', { name: 'ops' });
    expect(createdKey.status).toBe(201);
    secrets.set('created admin key', createdKey.body.key);
    allowedIn.set('created admin key', 'create admin key');

    const flow = await call('create flow', 'POST', '/api/v1/flows', echoFlow);
    const endpoint = await call('create endpoint', 'POST', '/api/v1/endpoints', {
      name: 'secret-bearing',
      flowId: flow.body.id,
      webhookUrl: receiver.url,
      basicAuthUser: 'bot',
      basicAuthPassword: password1,
      delivery: { retrySchedule: [0.1, 0.1] },
    });
    expect(endpoint.status).toBe(201);
    const id = endpoint.body.id as string;
    secrets.set('signing secret', endpoint.body.signingSecret);
    allowedIn.set('signing secret', 'create endpoint');

    expect(
      (await call('change password', 'PATCH', `/api/v1/endpoints/${id}`, { basicAuthPassword: password2 })).status,
    ).toBe(200);
    const rotated = await call('rotate secret', 'POST', `/api/v1/endpoints/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    secrets.set('rotated signing secret', rotated.body.signingSecret);
    allowedIn.set('rotated signing secret', 'rotate secret');
    const webhookKey = await call('create webhook key', 'POST', `/api/v1/endpoints/${id}/api-keys`, {
      name: 'channel',
    });
    secrets.set('endpoint webhook key', webhookKey.body.key);
    allowedIn.set('endpoint webhook key', 'create webhook key');
    expect((await call('require key', 'PATCH', `/api/v1/endpoints/${id}`, { authMethod: 'apiKey' })).status).toBe(200);

    // Input that tries to get a secret echoed back in an error.
    await call('bad patch', 'PATCH', `/api/v1/endpoints/${id}`, { basicAuthPassword: password2, name: 42 });
    await call('credentials in url', 'PATCH', `/api/v1/endpoints/${id}`, {
      webhookUrl: `http://bot:${password2}@127.0.0.1:${receiver.port}/hook`,
    });
    await call(
      'wrong webhook key',
      'POST',
      `/endpoint/${endpoint.body.URLToken}`,
      { userId: 'u', sessionId: 's', text: 'x' },
      { 'x-webhook-key': `${webhookKey.body.key}x` },
    );

    // Traffic: deliveries with retries and a dead letter, so attempts and errors are logged and stored.
    receiver.behaviour = (hook, index) =>
      hook.body?.AIOutput?.text === 'dead'
        ? { status: 410 }
        : index % 3 === 0
          ? { status: 500, body: 'retry me' }
          : undefined;
    for (const text of ['one', 'two', 'dead', 'three'])
      expect(
        (
          await call(
            `send ${text}`,
            'POST',
            `/endpoint/${endpoint.body.URLToken}`,
            { userId: 'u', sessionId: 's', text },
            { 'x-webhook-key': webhookKey.body.key },
          )
        ).status,
      ).toBe(202);
    await receiver.until(() => receiver.delivered().length >= 3, 20_000, 'three deliveries');
    expect(receiver.delivered()[0].headers.authorization).toBe(
      `Basic ${Buffer.from(`bot:${password2}`).toString('base64')}`,
    );

    // Read everything back through every GET route of the OpenAPI document.
    const doc = await call('openapi', 'GET', '/docs-json');
    const ids: Record<string, string> = { flows: flow.body.id, endpoints: id, 'api-keys': createdKey.body.id };
    const deliveries = await call('list deliveries', 'GET', `/api/v1/endpoints/${id}/deliveries`);
    ids.deliveries = deliveries.body.items[0].id;
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.body.paths)) {
      if (!('get' in item) || path.startsWith('/docs')) continue;
      const filled = path.replace(
        /\/([\w-]+)\/\{(\w+)\}/g,
        (_match, collection: string, param: string) =>
          `/${collection}/${param === 'keyId' ? webhookKey.body.id : param === 'sessionId' ? 's' : (ids[collection] ?? id)}`,
      );
      await call(`GET ${path}`, 'GET', `${filled}${filled.includes('/sessions') ? '?userId=u' : ''}`);
    }
    for (const delivery of deliveries.body.items)
      await call('delivery detail', 'GET', `/api/v1/deliveries/${delivery.id}`);
    await sleep(500);
    // SIGTERM flushes whatever the server still had to say.
    await app.kill('SIGTERM');
  }, 60_000);

  const leaksIn = (text: string) =>
    [...secrets]
      .filter(([, value]) => text.includes(value) || text.includes(signingKeyPart(value)))
      .map(([name]) => name);

  it('finds no secret in any API response but the one that hands it out', () => {
    expect(exchanges.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const { label, res } of exchanges) {
      const headers = res.headers ? JSON.stringify(Object.fromEntries(res.headers)) : '';
      for (const name of leaksIn(`${headers}\n${res.text}`))
        if (allowedIn.get(name) !== label) leaks.push(`${name} in "${label}"`);
    }
    expect(leaks).toEqual([]);
    // The scan does see secrets: each one shows up where it is handed out.
    for (const [name, label] of allowedIn) {
      const handedOut = exchanges.find((exchange) => exchange.label === label)!;
      expect(leaksIn(handedOut.res.text), label).toContain(name);
    }
  });

  it('finds no secret in the logs', () => {
    expect(app.output.length).toBeGreaterThan(0);
    const leaks = app.output
      .split('\n')
      .flatMap((line) => leaksIn(line).map((name) => `${name}: ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  it('finds no secret in any column of any table', async () => {
    const rows = await dumpDatabase(db);
    for (const table of ['endpoints:', 'endpoint_api_keys:', 'api_keys:', 'delivery_attempts:', 'inbound_messages:'])
      expect(
        rows.some((row) => row.startsWith(table)),
        table,
      ).toBe(true);
    const leaks = rows.flatMap((row) => leaksIn(row).map((name) => `${name} in ${row.slice(0, 120)}`));
    expect(leaks).toEqual([]);
  });
});

/** The HMAC key inside a `whsec_` secret (what signs deliveries); other values map to themselves. */
function signingKeyPart(value: string): string {
  return value.startsWith('whsec_') ? value.slice('whsec_'.length) : value;
}
