/**
 * The load generator's HTTP client. The load generator shares the machine's CPUs with the servers it
 * measures, so every millisecond it spends is taken from them: undici's `Pool.request` costs about
 * half of what the global `fetch` (undici's WHATWG layer with web streams) costs per request, and
 * both product and peer are driven through it alike. Connections are kept alive and reused.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { TransportResponse } from '@ldap-login/server/testing';
import { Pool } from 'undici';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request of a traced operation, in `performance.now()` milliseconds. */
export interface RequestTiming {
  path: string;
  /** When the caller handed the request to the pool. */
  startMs: number;
  /** When the reply's body had arrived. */
  endMs: number;
  /** Requests the pool held back (no free connection) when this one was handed over. */
  poolQueued: number;
  /** The request's tag (`x-bench-request`), by which the server's own timestamps are matched. */
  tag: string;
}

/** The header a traced request carries, for the server's side of its timing (see request-timing/). */
export const REQUEST_TAG_HEADER = 'x-bench-request';

/** `performance.now()` of this process on the system's monotonic clock (`process.hrtime`), in ms. */
export const HRTIME_OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export class HttpClient {
  private readonly pool: Pool;
  private readonly traces = new AsyncLocalStorage<RequestTiming[]>();
  private tags = 0;

  constructor(origin: string) {
    this.pool = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpReply> {
    const trace = this.traces.getStore();
    const startMs = trace ? performance.now() : 0;
    const stats = trace ? this.pool.stats : undefined;
    const poolQueued = stats ? stats.pending + stats.queued : 0;
    const tag = trace ? String(++this.tags) : '';
    const reply = await this.pool.request({
      method: method as 'GET',
      path,
      headers: trace ? { ...headers, [REQUEST_TAG_HEADER]: tag } : headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await reply.body.text();
    trace?.push({ path, startMs, endMs: performance.now(), poolQueued, tag });
    return { status: reply.statusCode, headers: reply.headers, body: text };
  }

  /** Runs `operation` and returns, with its result, the timing of each request it made through this client. */
  async traced<T>(operation: () => Promise<T>): Promise<{ result: T; requests: RequestTiming[] }> {
    const requests: RequestTiming[] = [];
    const result = await this.traces.run(requests, operation);
    return { result, requests };
  }

  /**
   * The transport of the product's protocol client: what it reads of a `fetch` `Response` (status,
   * a header, the body), without building one (a WHATWG `Response` and `Headers` cost the load
   * generator about 20 us per request).
   */
  transport(basePath: string): (path: string, init: RequestInit) => Promise<TransportResponse> {
    return async (path, init) => {
      const reply = await this.request(
        init.method ?? 'GET',
        basePath + path,
        (init.headers ?? {}) as Record<string, string>,
        typeof init.body === 'string' ? init.body : undefined,
      );
      return {
        status: reply.status,
        ok: reply.status >= 200 && reply.status < 300,
        headers: {
          get(name) {
            const value = reply.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        text: async () => reply.body,
        json: async () => JSON.parse(reply.body) as unknown,
      };
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What undici did for the traced requests while watched (see `watchUndici`). */
export interface UndiciWatch {
  /** When undici wrote each tagged request's head to its socket (`performance.now()` ms), by tag. */
  sentAt: Map<string, number>;
  /** Connections undici opened, and how long each took from its start to connected (ms). */
  connectMs: number[];
}

/**
 * Watches undici's diagnostics channels (this process's HTTP client): when each tagged request
 * was written to its socket, so that a request's way to the server splits into its wait in the
 * load generator (the pool's queue, a connection being opened) and the rest; and the connections
 * opened, with their time to connect. Only while watched: a subscriber costs every request.
 */
export function watchUndici(): { stop(): UndiciWatch } {
  const sentAt = new Map<string, number>();
  const connectMs: number[] = [];
  const connecting = new Map<unknown, number>();
  const tagPattern = new RegExp(`${REQUEST_TAG_HEADER}: ([^\\r]+)\\r`, 'i');
  const onSend = (message: unknown) => {
    const headers = (message as { headers?: unknown }).headers;
    if (typeof headers !== 'string') return;
    const tag = tagPattern.exec(headers)?.[1];
    if (tag !== undefined) sentAt.set(tag, performance.now());
  };
  const onBeforeConnect = (message: unknown) => {
    connecting.set((message as { connector?: unknown }).connector, performance.now());
  };
  const onConnected = (message: unknown) => {
    const connector = (message as { connector?: unknown }).connector;
    const started = connecting.get(connector);
    if (started === undefined) return;
    connecting.delete(connector);
    connectMs.push(performance.now() - started);
  };
  subscribe('undici:client:sendHeaders', onSend);
  subscribe('undici:client:beforeConnect', onBeforeConnect);
  subscribe('undici:client:connected', onConnected);
  return {
    stop() {
      unsubscribe('undici:client:sendHeaders', onSend);
      unsubscribe('undici:client:beforeConnect', onBeforeConnect);
      unsubscribe('undici:client:connected', onConnected);
      return { sentAt, connectMs };
    },
  };
}
