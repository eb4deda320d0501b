/**
 * The load generator's HTTP client. The load generator shares the machine's CPUs with the servers it
 * measures, so every millisecond it spends is taken from them: undici's `Pool.request` costs about
 * half of what the global `fetch` (undici's WHATWG layer with web streams) costs per request, and
 * both product and peer are driven through it alike. Connections are kept alive and reused.
 */
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
   * The same as a `fetch` for the product's protocol client, which reads status, headers and body
   * of a standard `Response`.
   */
  transport(basePath: string): (path: string, init: RequestInit) => Promise<Response> {
    return async (path, init) => {
      const reply = await this.request(
        init.method ?? 'GET',
        basePath + path,
        (init.headers ?? {}) as Record<string, string>,
        typeof init.body === 'string' ? init.body : undefined,
      );
      const headers = new Headers();
      for (const [name, value] of Object.entries(reply.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      // A Response may not carry a body with these statuses.
      const bodyless = reply.status === 204 || reply.status === 304;
      return new Response(bodyless ? null : reply.body, { status: reply.status, headers });
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
