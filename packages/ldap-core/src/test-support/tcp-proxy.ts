import net from 'node:net';

/**
 * A TCP proxy in front of the test directory, to play the network's part: drop every connection
 * (what a server or firewall does to idle connections), let the next request run into a reset, or
 * silence the open connections without telling either side.
 */
export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Resets every open connection now (RST towards both sides). */
  resetAll(): void;
  /** Open connections are reset the moment the client sends anything: a connection that died unnoticed. */
  resetOnNextData(): void;
  /** Nothing passes on the open connections any more, either way, and nobody is told (a NAT that forgot them). */
  stallAll(): void;
  /** A frozen server: open connections stall, and new ones are accepted but never answered. */
  freeze(): void;
  close(): Promise<void>;
}

type PairMode = 'pass' | 'reset-on-data' | 'stall';

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; mode: PairMode }>();
  let accepted = 0;
  let frozen = false;
  const reset = (socket: net.Socket) => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair = { client, upstream, mode: (frozen ? 'stall' : 'pass') as PairMode };
    pairs.add(pair);
    client.on('data', (data) => {
      if (pair.mode === 'reset-on-data') {
        reset(client);
        reset(upstream);
      } else if (pair.mode === 'pass') {
        upstream.write(data);
      }
    });
    upstream.on('data', (data) => {
      if (pair.mode === 'pass') client.write(data);
    });
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
      for (const pair of pairs) pair.mode = 'reset-on-data';
    },
    stallAll() {
      for (const pair of pairs) pair.mode = 'stall';
    },
    freeze() {
      frozen = true;
      for (const pair of pairs) pair.mode = 'stall';
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
