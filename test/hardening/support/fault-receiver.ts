import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ReceivedWebhook } from '../../support/webhook-receiver.js';

/** What the receiver does with one request. */
export type Fault =
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string | Buffer; delayMs?: number }
  /** Sends the status line and headers, then `bytes` of body in chunks (never ending when `bytes` is Infinity). */
  | { kind: 'stream'; status: number; bytes: number }
  /** Drops the TCP connection (RST) without answering. */
  | { kind: 'reset' };

export type FaultScript = (hook: Omit<ReceivedWebhook, 'status'>, index: number) => Fault | undefined;

/**
 * A loopback webhook receiver that misbehaves on request: late answers, connection resets, redirects,
 * Retry-After, huge or endless bodies. Records every request it got (`requests`) and the answers it completed
 * with a 2xx (`delivered()`), like WebhookReceiver.
 */
export class FaultReceiver {
  readonly requests: Array<Omit<ReceivedWebhook, 'status'> & { fault: Fault['kind'] | 'ok'; status?: number }> = [];
  script: FaultScript = () => undefined;
  port = 0;
  host = '127.0.0.1';
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly waiters = new Set<() => void>();

  static async start(host = '127.0.0.1'): Promise<FaultReceiver> {
    const receiver = new FaultReceiver();
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        receiver.handle(request.headers, Buffer.concat(chunks).toString('utf8'), response, request.socket),
      );
    });
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    receiver.server = server;
    receiver.port = (server.address() as AddressInfo).port;
    receiver.host = host;
    return receiver;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/hook`;
  }

  delivered(): ReceivedWebhook[] {
    return this.requests
      .filter((hook) => hook.status !== undefined && hook.status >= 200 && hook.status < 300)
      .map((hook) => ({ ...hook, status: hook.status! }));
  }

  async until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (got ${this.requests.length})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 50);
      });
    }
  }

  private handle(headers: IncomingHttpHeaders, raw: string, response: ServerResponse, socket: Socket): void {
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // not JSON
    }
    const hook = { headers, raw, body, receivedAt: Date.now() };
    const fault = this.script(hook, this.requests.length) ?? { kind: 'answer', status: 200 };
    const record: (typeof this.requests)[number] = { ...hook, fault: fault.kind };
    this.requests.push(record);
    const done = (status?: number) => {
      record.status = status;
      for (const wake of [...this.waiters]) wake();
    };
    switch (fault.kind) {
      case 'reset':
        socket.resetAndDestroy();
        done();
        return;
      case 'stream':
        streamBody(response, fault.status, fault.bytes);
        done(fault.status);
        return;
      case 'answer': {
        const send = () => {
          if (response.destroyed) return done();
          response.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
          response.end(fault.body ?? 'ok');
          done(fault.status);
        };
        if (fault.delayMs) setTimeout(send, fault.delayMs);
        else send();
      }
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function streamBody(response: ServerResponse, status: number, bytes: number): void {
  response.writeHead(status, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !response.destroyed) {
      const size = Math.min(chunk.length, bytes - sent);
      sent += size;
      if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        response.once('drain', pump);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  response.on('close', () => (sent = bytes));
  pump();
}
