import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TABLES = [
  'api_keys',
  'flows',
  'endpoints',
  'endpoint_api_keys',
  'inbound_messages',
  'sessions',
  'outbox',
  'delivery_attempts',
];

describe('migrations', () => {
  let t: TestApp;
  let dataSource: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    dataSource = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function tables(): Promise<string[]> {
    const rows: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    return rows.map((row) => row.table_name);
  }

  async function applied(): Promise<string[]> {
    const rows: Array<{ name: string }> = await dataSource.query('SELECT name FROM migrations ORDER BY timestamp');
    return rows.map((row) => row.name);
  }

  it('has applied every migration at start-up', async () => {
    expect(await applied()).toEqual(migrations.map((migration) => new migration().name));
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
    await expect(dataSource.showMigrations()).resolves.toBe(false);
  });

  it('counts the outputs of analytics events written before there was one event per message', async () => {
    const endpoint = await createEndpoint(t, { flowId: (await createFlow(t, sayFlow('hi'))).id });
    while ((await applied()).includes('OneAnalyticsEventPerTurn1795880300000')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    // As that schema wrote them: an event for the input and one for each output.
    await dataSource.query(
      `INSERT INTO analytics_events (endpoint_id, kind, source, user_id, session_id)
       VALUES ($1, 'input', 'user', 'u', 's'), ($1, 'output', 'bot', 'u', 's'), ($1, 'output', 'bot', 'u', 's')`,
      [endpoint.id],
    );
    await dataSource.runMigrations({ transaction: 'each' });
    const figures = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/analytics`);
    expect(figures.body).toMatchObject({ inputs: 1, outputs: 2, sessions: 1, users: 1 });
  });

  it('reverts every migration, then applies them again', async () => {
    // Some data, so the down/up cycle runs against non-empty tables.
    const flow = await t.admin('POST', '/api/v1/flows', {
      name: 'f',
      startNodeId: 'a',
      nodes: [{ id: 'a', type: 'stop' }],
    });
    expect(flow.status).toBe(201);

    const before = await applied();
    for (let step = 0; step < before.length; step++) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await applied()).toEqual(before.slice(0, before.length - step - 1));
    }
    const remaining = await tables();
    for (const table of TABLES) expect(remaining).not.toContain(table);
    expect(remaining.filter((table) => table !== 'migrations')).toEqual([]);

    const reapplied = await dataSource.runMigrations({ transaction: 'each' });
    expect(reapplied.map((migration) => migration.name)).toEqual(before);
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
    await expect(dataSource.showMigrations()).resolves.toBe(false);

    // The schema works again: with the bootstrap admin key registered anew, the app writes and reads through it.
    await t.app.get(ApiKeysService).onApplicationBootstrap();
    const again = await t.admin('POST', '/api/v1/flows', {
      name: 'g',
      startNodeId: 'a',
      nodes: [{ id: 'a', type: 'stop' }],
    });
    expect(again.status).toBe(201);
    expect((await t.admin('GET', `/api/v1/flows/${again.body.id}`)).status).toBe(200);
  });
});
