import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/app-process.js';
import { TEST_TMP_ROOT } from '../../support/paths.js';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/bin/nginx'];

/** The nginx binary, or null when it is not installed (`apt-get install -y nginx-light`). */
export function findNginx(): string | null {
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/**
 * nginx as a foreground child process on a free loopback port, balancing round-robin over hookflow instances:
 * the deployment the README describes, in miniature. `setUpstreams()` rewrites the config and reloads (SIGHUP).
 */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(binary: string, upstreamPorts: number[]): Promise<Nginx> {
    const dir = mkdtempSync(join(TEST_TMP_ROOT, 'nginx-'));
    mkdirSync(join(dir, 'tmp'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port, upstreamPorts));
    const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nginx = new Nginx(child, dir, port);
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || i > 100) throw new Error(`nginx did not start: ${nginx.errorLog()}`);
      const up = await fetch(`${nginx.baseUrl}/health/live`).then(
        (res) => res.ok,
        () => false,
      );
      if (up) return nginx;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** New upstream list; nginx re-reads its config and replaces its workers gracefully. */
  async setUpstreams(ports: number[]): Promise<void> {
    writeFileSync(join(this.dir, 'nginx.conf'), config(this.dir, this.port, ports));
    this.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  errorLog(): string {
    const path = join(this.dir, 'error.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function config(dir: string, port: number, upstreamPorts: number[]): string {
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  // Workers run as the invoking user when not root; as root, nginx would switch to an unprivileged user that
  // cannot write the temp folders in our test directory.
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream hookflow {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://hookflow;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 1s;
      # A refused connection is retried on the next instance; a POST already sent is not (it may have been kept).
      proxy_next_upstream error timeout;
      # Tells the client which instance answered (tests check the load was spread).
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}
