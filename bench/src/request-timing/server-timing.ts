/**
 * The server's side of the open loop's request timing: `preload.mjs` (loaded into the bench's
 * product server only) records, for each request the load generator tagged, when Node handed it
 * to the app, when the reply's head was written and when the reply was handed to the kernel, on the
 * system's monotonic clock. Joined with the load generator's own times of the same request, a
 * request's time splits into: on its way to the server (undici, the kernel, the server's event loop
 * before it read the socket), in the server (middleware, handler, its awaits), writing the reply,
 * and on its way back (the kernel, undici, the load generator's event loop).

Node's `process.hrtime` is the system's monotonic clock, the same in every process of a machine.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HRTIME_OFFSET_MS, type RequestTiming } from '../http-client.ts';

/** `node --import` this in the server process (the benchmark's server only). */
export const REQUEST_TIMING_PRELOAD = fileURLToPath(new URL('./preload.mjs', import.meta.url));
/** Where the preload writes what it recorded. */
export const REQUEST_TIMING_FILE_VARIABLE = 'BENCH_REQUEST_TIMING_FILE';

/** What the preload recorded of one request (ms on the monotonic clock). */
export interface ServerTiming {
  id: string;
  received: number;
  head: number;
  finished: number;
  /** 1 for a connection's first request; 0 on a connection accepted before the recording began. */
  socketRequest: number;
}

/** One request's time, split where the server saw it (ms). */
export interface RequestSegments {
  /**
   * From the hand-over to undici's pool to undici writing the request to a socket: the pool's
   * queue and, for a request on a new connection, the connect (0 when not watched).
   */
  in_load_generator_ms: number;
  /** From there to Node's parser handing it to the server's app (the kernel, the server's loop). */
  to_server_ms: number;
  /** From there to the reply's head (middleware, handler, what it awaited). */
  in_server_ms: number;
  /**
   * From the reply's head (the app writes head and body in the same turn) to its last byte read
   * by the load generator: the kernel, undici, the load generator's event loop.
   */
  to_client_ms: number;
  /**
   * From the reply's head to the server's event loop running the write's completion (informative:
   * it overlaps `to_client_ms`, and is long when the server's loop is busy with other requests).
   */
  reply_done_ms: number;
  /** The request was its connection's first (undici opened a connection for it). */
  new_connection: number;
}

export function segmentsOf(client: RequestTiming, server: ServerTiming, sentAtMs?: number): RequestSegments {
  const start = client.startMs + HRTIME_OFFSET_MS;
  const sent = (sentAtMs ?? client.startMs) + HRTIME_OFFSET_MS;
  const end = client.endMs + HRTIME_OFFSET_MS;
  return {
    in_load_generator_ms: sent - start,
    to_server_ms: server.received - sent,
    in_server_ms: server.head - server.received,
    to_client_ms: end - server.head,
    reply_done_ms: server.finished - server.head,
    new_connection: server.socketRequest === 1 ? 1 : 0,
  };
}

/** Turns the recording on in the server (`pid`) from now. */
export function startServerTiming(pid: number): void {
  process.kill(pid, 'SIGUSR2');
}

/** Turns it off and reads what it recorded, by tag; empty when the server did not write it in time. */
export async function collectServerTiming(pid: number, file: string): Promise<Map<string, ServerTiming>> {
  const timings = new Map<string, ServerTiming>();
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + 5_000;
  while (!existsSync(file) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!existsSync(file)) return timings;
  try {
    for (const record of JSON.parse(readFileSync(file, 'utf8')) as ServerTiming[])
      timings.set(record.id, record);
  } catch {
    // Written as we read it: one more look after it is complete.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const record of JSON.parse(readFileSync(file, 'utf8')) as ServerTiming[])
      timings.set(record.id, record);
  }
  rmSync(file, { force: true });
  return timings;
}
