/**
 * Where the product server's CPU goes, from on-CPU samples: reads the text of `perf script` (run
 * with `node --perf-basic-prof`, so that JavaScript frames have names) and charges each sample to
 * the innermost frame that belongs to a known piece (see `PIECES`): a `pwrite` inside SQLite counts
 * as SQLite, a socket write under Node's HTTP reply as HTTP. Unlike the V8 profile, `perf` only
 * samples time on the CPU, so a process descheduled by its neighbours is not charged for their time.
 *
 * Usage:
 *   perf record -F 1999 -g -p SERVER_PID -o perf.data -- sleep 8
 *   perf script -i perf.data -F comm,tid,ip,sym,dso > perf.txt
 *   node --import tsx bench/src/perf-summary.ts perf.txt [--per-request-ms 0.68]
 *     --per-request-ms  the process's CPU per request (from the benchmark's table): prints each
 *                       share also in microseconds per request
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Matched against each frame's text (symbol and file), innermost frame first; the first match wins. */
export const PIECES: [string, RegExp][] = [
  [
    'garbage collection',
    /v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompact|ArrayBufferSweeper|MinorGC|Sweeper|ConcurrentMarking|IncrementalMarking)/,
  ],
  [
    'database: SQLite, better-sqlite3, kysely, account/session/throttle code',
    /better_sqlite3|better-sqlite3|\/kysely\/|\/dist\/(db|accounts|sessions|throttle)\/|sqlite3|\[worker eval\]/,
  ],
  ['crypto: libsodium (X25519, secretbox, random)', /sodium/],
  [
    'crypto: hex, SHA-256, Node random, scrypt',
    /\/dist\/crypto\/|node::crypto|internal\/crypto|OPENSSL|sha256/i,
  ],
  ['directory client (ldapts, ldap-core)', /\/ldapts\/|ldap-core\/dist/],
  ['logging (pino)', /\/pino\/|@pinojs|sonic-boom|\/dist\/(logger|audit)\.js/],
  ['validation (zod)', /\/zod\//],
  [
    'HTTP: hono, @hono/node-server, the app middleware',
    /\/hono\/|@hono\/node-server|\/dist\/(app\.js|http\/)/,
  ],
  ['login and session handlers', /\/dist\/routes\//],
  [
    "HTTP: Node's parser, request and reply, sockets",
    /llhttp|_http_|node:net|streams\/|::Parser::|StreamBase|LibuvStreamWrap|uv__write|uv__read|uv__stream/,
  ],
  ['JSON (V8)', /Json(Parse|Stringify|Parser|Stringifier)/],
];

const KERNEL = '[kernel.kallsyms]';

/** Share of samples per piece, largest first; frames are given innermost first. */
export function summarise(samples: string[][]): { piece: string; share: number }[] {
  const counts = new Map<string, number>();
  for (const frames of samples) {
    const piece =
      frames.map((frame) => PIECES.find(([, pattern]) => pattern.test(frame))?.[0]).find(Boolean) ??
      (frames[0]?.includes(KERNEL)
        ? 'other: kernel (scheduler, epoll, ...)'
        : 'other: V8 runtime, libc, event loop');
    counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
  return [...counts]
    .map(([piece, count]) => ({ piece, share: count / samples.length }))
    .sort((a, b) => b.share - a.share);
}

/** Samples of `perf script` text: a header line, then one indented line per frame, innermost first. */
export function parsePerfScript(text: string): string[][] {
  const samples: string[][] = [];
  let frames: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) frames?.push(line.trim());
    else {
      frames = [];
      samples.push(frames);
    }
  }
  return samples.filter((frames) => frames.length > 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'per-request-ms': { type: 'string' } },
  });
  if (positionals.length !== 1)
    throw new Error('usage: perf-summary.ts PERF_SCRIPT.txt [--per-request-ms N]');
  const samples = parsePerfScript(readFileSync(positionals[0]!, 'utf8'));
  const perRequestMs = values['per-request-ms'] === undefined ? undefined : Number(values['per-request-ms']);
  for (const { piece, share } of summarise(samples)) {
    const micros =
      perRequestMs === undefined ? '' : `  ${Math.round(share * perRequestMs * 1000)} us`.padStart(9);
    console.log(`${(share * 100).toFixed(1).padStart(5)}%${micros}  ${piece}`);
  }
  console.log(`${samples.length} samples`);
}
