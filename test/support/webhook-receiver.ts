import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body text, as signed. */
  raw: string;
  body: any;
  receivedAt: number;
  /** The status the receiver answered. */
  status: number;
}

export interface ReceiverAnswer {
  status: number;
  /** Answer this long after the request arrived (recorded when answered). */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides the answer to one request (index counts every request); undefined answers 200, 'hang' never answers. */
export type ReceiverBehaviour = (
  hook: Omit<ReceivedWebhook, 'status'>,
  index: number,
) => ReceiverAnswer | 'hang' | undefined;

/** A real HTTP webhook receiver on loopback that records every request it answers. */
export class WebhookReceiver {
  /** Every answered request, in arrival order. */
  readonly received: ReceivedWebhook[] = [];
  behaviour: ReceiverBehaviour = () => undefined;
  port = 0;
  private requests = 0;
  private readonly hanging = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private server: Server | undefined;

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.listen(port);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Requests answered 2xx, in arrival order. */
  delivered(): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.status < 300);
  }

  async listen(port = this.port): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.handle(request.headers, Buffer.concat(chunks).toString('utf8'), response));
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private handle(headers: IncomingHttpHeaders, raw: string, response: ServerResponse): void {
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    const hook = { headers, raw, body, receivedAt: Date.now() };
    const answer = this.behaviour(hook, this.requests++);
    if (answer === 'hang') {
      this.hanging.add(response);
      response.on('close', () => this.hanging.delete(response));
      return;
    }
    const reply = (): void => {
      const status = answer?.status ?? 200;
      this.received.push({ ...hook, status });
      response.writeHead(status, { 'content-type': 'text/plain', ...answer?.headers });
      response.end(answer?.body ?? 'ok');
      for (const wake of this.waiters) wake();
    };
    if (answer?.delayMs) setTimeout(reply, answer.delayMs);
    else reply();
  }

  /** Waits until `condition` holds (checked on every request), or fails after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (received ${this.received.length})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
    });
  }

  /** Waits for `count` successful deliveries. */
  async waitForDelivered(count: number, timeoutMs = 20_000): Promise<ReceivedWebhook[]> {
    await this.until(() => this.delivered().length >= count, timeoutMs, `${count} deliveries`);
    return this.delivered();
  }

  /** Stops listening; `listen()` again (same port) to simulate a receiver coming back. */
  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Receivers started by one test file, closed together in its afterAll. */
export class WebhookReceivers {
  private readonly started: WebhookReceiver[] = [];

  async start(): Promise<WebhookReceiver> {
    const receiver = await WebhookReceiver.start();
    this.started.push(receiver);
    return receiver;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.map((receiver) => receiver.close()));
  }
}
