/**
 * Where the product server's CPU time goes: reads a V8 `.cpuprofile` (from `npm run bench --
 * --cpu-prof DIR`) and prints self time by package or file, and the functions with the most self
 * and total (inclusive) time.
 *
 * Usage: node --import tsx bench/src/profile-summary.ts FILE.cpuprofile [--top N] [--per N]
 *   --per N   also print each figure divided by N (for example the logins the run made)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by what it is for (see `CATEGORIES`); native frames count for their JavaScript caller. */
  byCategory: [string, number][];
  /** Self time by package (`node_modules/<name>`), product file, or V8/Node bucket. */
  byOrigin: [string, number][];
  bySelf: [string, number][];
  byTotal: [string, number][];
}

/** `pino`, `server:routes/login.js`, `node:internal/...`, `(garbage collector)`. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const product = /(apps|packages)\/([^/]+)\/(?:dist|src)\/(.+)$/.exec(url);
  if (product) return `${product[2]}:${product[3]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

/** Buckets for "where does a login's time go", matched against a frame's origin in order. */
export const CATEGORIES: [string, RegExp][] = [
  ['idle (waiting for I/O)', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['directory client (ldapts, ldap-core)', /^(ldapts|asn1|ldap-core:)/],
  [
    'database (kysely, better-sqlite3, SQL)',
    /^(kysely|better-sqlite3|pg)|^server:(db|sessions|throttle|accounts)\//,
  ],
  ['crypto (Node crypto, noble ciphers)', /^(node:internal\/crypto|@noble\/)|^server:crypto\//],
  ['logging (pino)', /^(pino|sonic-boom|fast-redact|thread-stream)|^server:(logger|audit)/],
  ['validation (zod)', /^zod$/],
  [
    'HTTP (node http, hono, node-server, web streams)',
    /^(hono|@hono\/|node:_http|node:internal\/(webstreams|deps|streams|url|abort_controller|event_target|http))|^server:(app|http|routes\/info)/,
  ],
  ['login and session logic', /^server:/],
  ['sockets and timers (net, libuv)', /^node:(net|internal\/stream_base_commons|internal\/timers|timers)/],
];

function isNodeOrNative(node: ProfileNode): boolean {
  const { url, functionName } = node.callFrame;
  if (!url) return !functionName.startsWith('(');
  return url.startsWith('node:') && !url.startsWith('node:internal/crypto');
}

function categoryOf(origin: string): string {
  return CATEGORIES.find(([, pattern]) => pattern.test(origin))?.[0] ?? `other (${origin.split('/')[0]})`;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${originOf(url, functionName)}:${lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  });

  const origin = new Map<string, number>();
  const category = new Map<string, number>();
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const from = originOf(node.callFrame.url, node.callFrame.functionName);
    origin.set(from, (origin.get(from) ?? 0) + us);
    // Native frames (a socket write, a SQLite call) and Node's own modules do work for the library
    // that called them: a socket write under ldapts is directory time, under hono it is HTTP time.
    let owner = node;
    for (let at = parent.get(node.id); at !== undefined && isNodeOrNative(owner); at = parent.get(at)) {
      const candidate = byId.get(at)!;
      if (candidate.callFrame.functionName === '(root)') break;
      owner = candidate;
    }
    if (isNodeOrNative(owner)) owner = node;
    const bucket = categoryOf(originOf(owner.callFrame.url, owner.callFrame.functionName));
    category.set(bucket, (category.get(bucket) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once (recursion counts once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = label(byId.get(at)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + us);
    }
  }
  const sorted = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, us]): [string, number] => [key, us / 1000]);
  return {
    totalMs: totalUs / 1000,
    byCategory: sorted(category, CATEGORIES.length + top),
    byOrigin: sorted(origin, top),
    bySelf: sorted(self, top),
    byTotal: sorted(total, top),
  };
}

export function formatSummary(summary: ProfileSummary, per?: number): string {
  const row = ([name, ms]: [string, number]) => {
    const share = ((ms / summary.totalMs) * 100).toFixed(1).padStart(5);
    const each = per ? `${(ms / per).toFixed(3).padStart(9)} ms/each` : '';
    return `  ${ms.toFixed(0).padStart(8)} ms ${share}% ${each}  ${name}`;
  };
  return [
    `profile: ${summary.totalMs.toFixed(0)} ms sampled${per ? `, ${(summary.totalMs / per).toFixed(3)} ms per each of ${per}` : ''}`,
    '',
    'self time by category:',
    ...summary.byCategory.map(row),
    '',
    'self time by origin:',
    ...summary.byOrigin.map(row),
    '',
    'self time by function:',
    ...summary.bySelf.map(row),
    '',
    'total (inclusive) time by function:',
    ...summary.byTotal.map(row),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' }, per: { type: 'string' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: profile-summary.ts FILE.cpuprofile [--top N] [--per N]');
    process.exitCode = 64;
  } else {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const summary = summarizeProfile(profile, Number(values.top));
    console.log(formatSummary(summary, values.per ? Number(values.per) : undefined));
  }
}
