/**
 * A loopback TCP proxy in front of the directory that a test can cut and restore on the same port,
 * which is what the server sees when the directory goes away and comes back: `cut()` resets every
 * open connection and stops listening (new connections are refused), `restore()` listens again.
 * `dropConnections()` resets the open connections only (the directory dropping idle connections),
 * `stallConnections()` silences them without notice.
 */
import net from 'node:net';

export class TcpGate {
  private server: net.Server | undefined;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly stalled: net.Socket[] = [];
  /** Connections accepted since the start. */
  accepted = 0;

  private constructor(
    private readonly targetPort: number,
    private readonly targetHost: string,
    public port: number,
  ) {}

  static async open(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpGate> {
    const gate = new TcpGate(targetPort, targetHost, 0);
    await gate.listen();
    return gate;
  }

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  /** Resets every open connection (RST towards both sides). */
  dropConnections(): void {
    for (const { client, upstream } of this.pairs) {
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /**
   * Open connections go silent without any notice (a NAT or firewall forgot them): nothing passes
   * any more in either direction. New connections work.
   */
  stallConnections(): void {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
      this.stalled.push(client, upstream);
    }
    this.pairs.clear();
  }

  /** The directory is gone: open connections reset, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    this.dropConnections();
    await closed;
  }

  /** The directory is back, on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
    for (const socket of this.stalled.splice(0)) socket.destroy();
  }
}
