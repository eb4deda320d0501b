/**
 * The load generator's HTTP client. The load generator shares the machine's CPUs with the servers it
 * measures, so every millisecond it spends is taken from them: undici's `Pool.request` costs about
 * half of what the global `fetch` (undici's WHATWG layer with web streams) costs per request, and
 * both product and peer are driven through it alike. Connections are kept alive and reused.
 */
import type { TransportResponse } from '@ldap-login/server/testing';
import { Pool } from 'undici';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class HttpClient {
  private readonly pool: Pool;

  constructor(origin: string) {
    this.pool = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpReply> {
    const reply = await this.pool.request({
      method: method as 'GET',
      path,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return { status: reply.statusCode, headers: reply.headers, body: await reply.body.text() };
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
