/**
 * Combined mode: the web client's built files at `/`, with single-page-app fallback, a long cache
 * for content-hashed assets, and `config.json` from a configurable file (so an administrator can
 * mount their own).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export interface StaticSiteOptions {
  /** Folder with the built web client (`index.html`, `assets/`). */
  root: string;
  /** File served as `/config.json`; defaults to `config.json` in the root. */
  configJson?: string;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

function fileResponse(path: string, size: number, cacheControl: string, head: boolean): Response {
  const headers = {
    'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': cacheControl,
  };
  if (head) return new Response(null, { headers });
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return new Response(body, { headers });
}

/** A browser navigation's Accept header names text/html (scripts send `*\/*` or nothing). */
export function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

export function staticSite(options: StaticSiteOptions): Hono {
  const root = resolve(options.root);
  const configJson = resolve(options.configJson ?? resolve(root, 'config.json'));
  const app = new Hono();

  app.on(['GET', 'HEAD'], '/config.json', async (c) => {
    let text: string;
    try {
      text = await readFile(configJson, 'utf8');
    } catch {
      return c.json({ error: 'config.json not found' }, 404);
    }
    c.header('Cache-Control', REVALIDATE);
    c.header('Content-Type', CONTENT_TYPES['.json']);
    return c.req.method === 'HEAD' ? c.body(null) : c.body(text);
  });

  app.on(['GET', 'HEAD'], '*', async (c) => {
    const head = c.req.method === 'HEAD';
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('Bad Request', 400);
    }
    const candidate = resolve(root, `.${pathname}`);
    if (candidate !== root && !candidate.startsWith(root + sep)) return c.text('Not Found', 404);

    const size = pathname.endsWith('/') ? undefined : await fileSize(candidate);
    if (size !== undefined) {
      const cache = pathname.startsWith('/assets/')
        ? IMMUTABLE
        : extname(candidate) === '.html'
          ? REVALIDATE
          : 'public, max-age=3600';
      return fileResponse(candidate, size, cache, head);
    }
    // Client-side routes have no extension; a missing asset is a real 404. Only a browser navigating
    // (it asks for HTML) gets the page at another path: a scanner, a Prometheus scrape or an API
    // client at a wrong path learns that nothing is there.
    if (extname(pathname) !== '') return c.text('Not Found', 404);
    if (pathname !== '/' && !acceptsHtml(c.req.header('Accept'))) return c.text('Not Found', 404);
    const index = resolve(root, 'index.html');
    const indexSize = await fileSize(index);
    if (indexSize === undefined) return c.text('Not Found', 404);
    return fileResponse(index, indexSize, REVALIDATE, head);
  });
  return app;
}
