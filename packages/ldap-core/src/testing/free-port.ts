import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: nothing listens on it until someone binds it. slapd
 * binds it next (a lost race is retried there); tests use it as an address where no directory answers.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
