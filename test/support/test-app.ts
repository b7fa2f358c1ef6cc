import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { createApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, with the given content type (for malformed-body tests). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  /** http://127.0.0.1:<port> of the listening app. */
  baseUrl: string;
  adminKey: string;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  /** A request to the admin API with the admin key. */
  admin<T = any>(method: string, path: string, body?: unknown): Promise<TestResponse<T>>;
  /** Stops the app; drops its database unless `keepDatabase` (to start another app on it). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. to restart on the same data). */
  db?: TestDatabase;
}

export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const adminKey = options.env?.ADMIN_API_KEY ?? `test-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {}),
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    ...options.env,
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const request = async <T>(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    let payload: string | Buffer | undefined;
    if (opts.rawBody !== undefined) payload = opts.rawBody;
    else if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url: path, headers, payload });
    let body: unknown = undefined;
    try {
      body = response.body.length > 0 ? JSON.parse(response.body) : undefined;
    } catch {
      body = response.body;
    }
    return { status: response.statusCode, headers: response.headers, body: body as T, text: response.body };
  };

  return {
    app,
    config,
    db,
    baseUrl: `http://127.0.0.1:${port}`,
    adminKey,
    request,
    admin: (method, path, body) => request(method, path, { body, headers: { authorization: `Bearer ${adminKey}` } }),
    async close(closeOptions = {}) {
      await app.close();
      if (!closeOptions.keepDatabase) await db.drop();
    },
  };
}
