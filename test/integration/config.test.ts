import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { DataDirLockedError, lockDataDir } from '../../src/database/data-dir.js';
import { TEST_TMP_ROOT } from '../support/paths.js';

const HEX_KEY = 'ab'.repeat(32);
const BASE64_KEY = Buffer.alloc(32, 7).toString('base64');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: null,
      dataDir: './data',
      adminApiKey: null,
      encryptionKey: null,
      publicUrl: 'http://localhost:3000',
      webhookAllowedHosts: [],
      bodyLimitBytes: 1_048_576,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable, treating empty ones as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db:5432/hookflow',
      ENCRYPTION_KEY: HEX_KEY,
      ADMIN_API_KEY: 'a-long-enough-admin-key',
      PUBLIC_URL: 'https://hooks.example.com/',
      WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1 , localhost,,10.0.0.0/8 ',
      BODY_LIMIT_BYTES: '2048',
      LOG_LEVEL: 'debug',
      DATABASE_PREPARED_STATEMENTS: 'false',
      DATA_DIR: '',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db:5432/hookflow',
      adminApiKey: 'a-long-enough-admin-key',
      publicUrl: 'https://hooks.example.com',
      webhookAllowedHosts: ['127.0.0.1', 'localhost', '10.0.0.0/8'],
      bodyLimitBytes: 2048,
      logLevel: 'debug',
      databasePreparedStatements: false,
      dataDir: './data',
    });
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(config.encryptionKey).toEqual(Buffer.from(HEX_KEY, 'hex'));
    expect(loadConfig({ ENCRYPTION_KEY: BASE64_KEY }).encryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it.each([
    ['ENCRYPTION_KEY', 'bad-secret-value'],
    ['ENCRYPTION_KEY', Buffer.alloc(16, 1).toString('base64')],
    ['ADMIN_API_KEY', 'short-secret'],
    ['DATABASE_URL', 'mysql://root:hunter2-secret@db/app'],
    ['PORT', 'eighty-eighty'],
    ['PORT', '70000'],
    ['PUBLIC_URL', 'not-a-url-secret'],
    ['LOG_LEVEL', 'chatty-secret'],
    ['BODY_LIMIT_BYTES', '12'],
    ['DATABASE_PREPARED_STATEMENTS', 'yes-secret'],
  ])('names %s and never prints its value', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain(value);
    expect(error.problems.some((problem) => problem.startsWith(`${variable}:`))).toBe(true);
  });

  it('requires ENCRYPTION_KEY with DATABASE_URL', () => {
    const error = configError({ DATABASE_URL: 'postgres://u:pw-secret@db/hookflow' });
    expect(error.problems).toEqual(['ENCRYPTION_KEY: is required when DATABASE_URL is set']);
    expect(error.message).not.toContain('pw-secret');
  });

  it('lists every bad variable at once', () => {
    const error = configError({ PORT: 'x', LOG_LEVEL: 'y', ENCRYPTION_KEY: 'z' });
    const variables = error.problems.map((problem) => problem.split(':')[0]);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'ENCRYPTION_KEY']));
  });
});

/**
 * The holder is a separate process speaking the lock-file protocol of `lockDataDir` (create `hookflow.lock`
 * exclusively, holding the owner's pid): the tests run from TypeScript sources, which a plain child node cannot load.
 */
const HOLDER_SCRIPT = `
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const fd = openSync(join(process.argv[2], 'hookflow.lock'), 'wx');
writeFileSync(fd, String(process.pid));
closeSync(fd);
process.send('locked');
setInterval(() => {}, 60_000);
`;

describe('data folder lock', () => {
  let root: string;
  let holder: ChildProcess | null = null;
  let script: string;

  beforeAll(() => {
    mkdirSync(TEST_TMP_ROOT, { recursive: true });
    root = mkdtempSync(join(TEST_TMP_ROOT, 'lock-'));
    script = join(root, 'hold-lock.mjs');
    writeFileSync(script, HOLDER_SCRIPT);
  });
  afterEach(async () => {
    if (holder && holder.exitCode === null && holder.signalCode === null) {
      const exited = once(holder, 'exit');
      holder.kill('SIGKILL');
      await exited;
    }
    holder = null;
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  async function startHolder(dataDir: string): Promise<ChildProcess> {
    mkdirSync(dataDir, { recursive: true });
    const child = fork(script, [dataDir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    holder = child;
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error('lock holder exited early');
      }),
    ])) as unknown[];
    expect(message).toBe('locked');
    return child;
  }

  it('refuses a data folder another live process holds', async () => {
    const dataDir = join(root, 'held');
    const child = await startHolder(dataDir);
    let thrown: unknown;
    try {
      lockDataDir(dataDir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DataDirLockedError);
    expect((thrown as DataDirLockedError).ownerPid).toBe(child.pid);
    expect((thrown as Error).message).toContain(String(child.pid));
    expect(readFileSync(join(dataDir, 'hookflow.lock'), 'utf8')).toBe(String(child.pid));
  });

  it('takes over the lock of a process that died (kill -9), and releases it', async () => {
    const dataDir = join(root, 'stale');
    const child = await startHolder(dataDir);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const release = lockDataDir(dataDir);
    expect(readFileSync(join(dataDir, 'hookflow.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(join(dataDir, 'hookflow.lock'))).toBe(false);
  });

  it('refuses a second lock from the same process until the first is released', () => {
    const dataDir = join(root, 'twice');
    const release = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    release();
    lockDataDir(dataDir)();
  });
});
