/**
 * A loopback TCP proxy in front of the directory that a test can cut and restore on the same port,
 * which is what the server sees when the directory goes away and comes back: `cut()` resets every
 * open connection and stops listening (new connections are refused), `restore()` listens again.
 * The open connections alone can be reset now (`dropConnections`), reset when the client next
 * sends anything (`resetOnNextData`: they died unnoticed), or silenced without any notice
 * (`stallConnections`: a NAT or firewall forgot them). New connections always work while listening.
 */
import net from 'node:net';

type PairMode = 'pass' | 'reset-on-data' | 'stall';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  mode: PairMode;
}

export class TcpGate {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
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
    const pair: Pair = { client, upstream, mode: 'pass' };
    this.pairs.add(pair);
    client.on('data', (data) => {
      if (pair.mode === 'reset-on-data') TcpGate.reset(pair);
      else if (pair.mode === 'pass') upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (pair.mode === 'pass') client.write(data);
    });
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

  private static reset(pair: Pair): void {
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.resetAndDestroy();
  }

  /** Resets every open connection now (RST towards both sides). */
  dropConnections(): void {
    for (const pair of this.pairs) TcpGate.reset(pair);
  }

  /** Open connections are reset when the client next sends anything. */
  resetOnNextData(): void {
    for (const pair of this.pairs) pair.mode = 'reset-on-data';
  }

  /** Nothing passes on the open connections any more, in either direction, and nobody is told. */
  stallConnections(): void {
    for (const pair of this.pairs) pair.mode = 'stall';
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
  }
}
