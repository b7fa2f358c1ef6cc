import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A hookflow server in its own process (built dist/main.js), for crash and restart tests. */
export class AppProcess {
  output = '';
  /** Resolves with the exit code, or the signal's name when the process ended by a signal. */
  private exited: Promise<number | string>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    /** ADMIN_API_KEY of its environment, when it was given one. */
    private readonly adminKey: string | undefined,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  }

  static async start(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<AppProcess> {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(child, `http://127.0.0.1:${port}`, env.ADMIN_API_KEY);
    await app.waitReady(readyTimeoutMs);
    return app;
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`app exited with ${this.child.exitCode}:\n${this.output}`);
      const ready = await fetch(`${this.baseUrl}/health/ready`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`app not ready in ${timeoutMs} ms:\n${this.output}`);
  }

  /** A request to its admin API with the ADMIN_API_KEY it was started with (JSON body, when given). */
  admin(method: string, path: string, body?: unknown): Promise<Response> {
    if (!this.adminKey) throw new Error('started without ADMIN_API_KEY');
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    this.child.kill(signal);
    return this.exited;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The environment of an instance in the multi-process tests: PostgreSQL, a fresh encryption key, the admin key,
 * loopback receivers allowed, short leases and sweeps (so a dead instance's work is taken over quickly).
 */
export function instanceEnv(
  databaseUrl: string,
  adminKey: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    PIPELINE_LEASE_MS: '2000',
    PIPELINE_SWEEP_INTERVAL_MS: '250',
    ...overrides,
  };
}
