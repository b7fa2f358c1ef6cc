import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpTarget {
  host: string;
  port: number;
}

/**
 * A TCP relay on loopback between a client (an app's database pool) and a server (PostgreSQL), for fault
 * injection without touching the real server that other tests share:
 * - `cut()` drops every relayed connection and refuses new ones, as a stopped database would; `restore()`
 *   accepts connections again on the same port;
 * - `stall()` stops relaying bytes and holds new connections unanswered, as a network partition would (no
 *   reset, no error: peers just wait); `resume()` lets everything flow again.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private readonly held: Socket[] = [];
  /** Connections relayed since start (accepted and connected upstream). */
  connections = 0;

  private constructor(
    private readonly target: TcpTarget,
    public port: number,
  ) {}

  static async start(target: TcpTarget, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** `url` with its host and port replaced by this proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Destroys every relayed connection (both sides) and stops listening: new connections are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
    for (const client of this.held.splice(0)) if (!client.destroyed) this.connectUpstream(client);
  }

  close(): Promise<void> {
    for (const client of this.held.splice(0)) client.destroy();
    return this.cut();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private relay(client: Socket): void {
    if (this.stalled) {
      client.pause();
      client.on('error', () => client.destroy());
      this.held.push(client);
      return;
    }
    this.connectUpstream(client);
  }

  private connectUpstream(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    this.connections += 1;
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
