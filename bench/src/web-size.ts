/**
 * The JavaScript a browser downloads for the web client, gzip-compressed: ours (the built
 * `apps/web/dist`) next to Psono's official client (its static build, `webclient.tgz` in the shared
 * fixtures folder beside the repository, or OFFICIAL_WEBCLIENT_DIR), each file compressed on its own
 * at gzip's default level as a web server would send it. Ours counts the scripts its `index.html`
 * loads and every script those name (the scrypt worker), so that files a cached build left beside
 * the current ones (turbo restores outputs without emptying the folder) do not count; the official
 * archive is extracted fresh, and every `.js` file in it counts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { WebVaultRecord } from './web-vault/web-vault.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface JsSize {
  files: number;
  bytes: number;
  gzip_bytes: number;
}

export interface WebSizes {
  ours: JsSize | null;
  official: JsSize | null;
  /** Our client in Chromium with a large vault (`web-vault/`); absent when it could not run (see notes). */
  vault?: WebVaultRecord;
  /** Why a figure is missing. */
  notes: string[];
}

function jsFiles(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...jsFiles(path));
    else if (name.endsWith('.js') || name.endsWith('.mjs')) found.push(path);
  }
  return found;
}

/**
 * The scripts a browser can fetch for the page `index.html` of `folder`: those it loads, then, one
 * level after another, every script of the folder whose file name one of them contains.
 */
export function loadedJsFiles(folder: string): string[] {
  const all = jsFiles(folder);
  const byName = new Map(all.map((path) => [path.slice(path.lastIndexOf('/') + 1), path]));
  const html = readFileSync(join(folder, 'index.html'), 'utf8');
  const pending = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.m?js)"/g)]
    .map((match) => byName.get(match[1]!.slice(match[1]!.lastIndexOf('/') + 1)))
    .filter((path): path is string => path !== undefined);
  const found = new Set<string>();
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (found.has(path)) continue;
    found.add(path);
    const text = readFileSync(path, 'utf8');
    for (const [name, other] of byName) if (!found.has(other) && text.includes(name)) pending.push(other);
  }
  return [...found].sort();
}

export function jsSizeOf(folder: string, files: string[] = jsFiles(folder)): JsSize {
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    gzipBytes += gzipSync(content).length;
  }
  return { files: files.length, bytes, gzip_bytes: gzipBytes };
}

export function officialWebclientArchive(env: NodeJS.ProcessEnv = process.env): string {
  const folder = env.OFFICIAL_WEBCLIENT_DIR || join(REPOSITORY_ROOT, '..', 'shared', 'psono-webclient');
  return join(resolve(folder), 'webclient.tgz');
}

/** Our web client's build, as `npm run bench` makes it. */
export const OUR_WEB_DIST = join(REPOSITORY_ROOT, 'apps', 'web', 'dist');

export function measureWebSizes(): WebSizes {
  const notes: string[] = [];
  const ourDist = OUR_WEB_DIST;
  let ours: JsSize | null = null;
  if (existsSync(join(ourDist, 'index.html'))) ours = jsSizeOf(ourDist, loadedJsFiles(ourDist));
  else notes.push('apps/web/dist is missing: build the web client (npm run bench builds it)');

  let official: JsSize | null = null;
  const archive = officialWebclientArchive();
  if (existsSync(archive)) {
    const folder = mkdtempSync(join(tmpdir(), 'bench-webclient-'));
    try {
      execFileSync('tar', ['-xzf', archive, '-C', folder], { timeout: 60_000 });
      official = jsSizeOf(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  } else {
    notes.push(`the official web client's build is missing (${archive}; set OFFICIAL_WEBCLIENT_DIR)`);
  }
  return { ours, official, notes };
}
