import net from 'node:net';

/**
 * A TCP proxy in front of the test directory, to play the network's part: drop every connection
 * (what a server or firewall does to idle connections) or let the next request run into a reset.
 */
export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Resets every open connection now (RST towards both sides). */
  resetAll(): void;
  /** Open connections are reset the moment the client sends anything: a connection that died unnoticed. */
  resetOnNextData(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; armed: boolean }>();
  let accepted = 0;
  const reset = (socket: net.Socket) => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair = { client, upstream, armed: false };
    pairs.add(pair);
    client.on('data', (data) => {
      if (pair.armed) {
        reset(client);
        reset(upstream);
        return;
      }
      upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    resetAll() {
      for (const pair of pairs) {
        reset(pair.client);
        reset(pair.upstream);
      }
    },
    resetOnNextData() {
      for (const pair of pairs) pair.armed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
