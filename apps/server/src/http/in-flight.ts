/**
 * Counts the HTTP requests a server is answering, so that a stopping server can wait for them
 * (bounded) instead of cutting them off: a login in progress finishes, then the process exits.
 */
import type { Server } from 'node:http';

export interface InFlight {
  readonly count: number;
  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
}

export function trackInFlight(server: Pick<Server, 'on'>): InFlight {
  let count = 0;
  const waiters = new Set<() => void>();
  server.on('request', (_request, response) => {
    count += 1;
    // 'close' fires once the reply is sent or the connection dropped: either way it is done.
    response.once('close', () => {
      count -= 1;
      if (count === 0) for (const wake of waiters) wake();
    });
  });
  return {
    get count() {
      return count;
    },
    drain(timeoutMs) {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (drained: boolean) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(drained);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(wake);
      });
    },
  };
}
