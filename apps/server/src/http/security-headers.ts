/**
 * Security headers on every reply (the set hono's `secureHeaders` writes, with our CSP), written
 * into the context before the handler runs. Hono's `secureHeaders` sets them after `next()`, which
 * turns @hono/node-server's lightweight reply into a full web `Response` and its slow write path
 * (about 0.1 ms per request); set beforehand they travel with the reply for free. Replies a handler
 * builds itself (static files) drop the prepared headers, so they get them afterwards, as before.
 * The API's replies, behind a Node server, get them on Node's reply instead (see `presetHeaders`).
 */
import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

function cspValue(policy: Record<string, string[]>): string {
  return Object.entries(policy)
    .map(([directive, values]) =>
      [directive.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), ...values].join(' '),
    )
    .join('; ');
}

/** The headers for a content security policy given as camelCase directives (`defaultSrc: ["'self'"]`). */
export function securityHeaderList(contentSecurityPolicy: Record<string, string[]>): HeaderList {
  return [
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'SAMEORIGIN'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
    ['Content-Security-Policy', cspValue(contentSecurityPolicy)],
  ];
}

/**
 * The Strict-Transport-Security value for the settings, or undefined when `maxAgeSeconds` is 0.
 * It belongs on https replies only: over plain http a browser ignores it (RFC 6797 section 8.1),
 * and an http-only installation has nothing to pin.
 */
export function strictTransportSecurity(
  maxAgeSeconds: number,
  includeSubDomains: boolean,
): string | undefined {
  if (maxAgeSeconds <= 0) return undefined;
  return includeSubDomains ? `max-age=${maxAgeSeconds}; includeSubDomains` : `max-age=${maxAgeSeconds}`;
}

/** The list with lower-case names, as they went out before (web `Headers` lower-case them). */
const lowerCased = new WeakMap<HeaderList, HeaderList>();

function lowerCaseNames(headers: HeaderList): HeaderList {
  let lower = lowerCased.get(headers);
  if (!lower) {
    lower = headers.map(([name, value]) => [name.toLowerCase(), value] as const);
    lowerCased.set(headers, lower);
  }
  return lower;
}

/**
 * Sets `headers` on every reply (a list, or a function choosing the list per request). A reply built through the context (`c.json`, `c.body`, the error
 * handler) carries them from the start; one a handler builds itself (a static file) does not, so
 * afterwards each reply is checked and completed. The check reads the reply's headers, which makes
 * @hono/node-server turn them into a web `Headers` and back (about 3% of a login's server CPU), so
 * it is skipped on the paths `builtThroughContext` names: those whose replies are all built
 * through the context (the API; a test checks its replies, errors included).
 *
 * On those paths, behind a Node server, the headers go on Node's reply itself: written into the
 * context they would make hono keep a web `Headers` for the reply (undici's, which checks and
 * lower-cases every name and value, then sorts them when @hono/node-server reads them back: about
 * 5 us per reply), while a reply whose only header is its Content-Type travels as a plain object.
 * Node writes the headers it holds with those of the reply; one the reply sets itself (a route's
 * own Cache-Control) replaces the preset one, as it does in the context.
 */
export function presetHeaders(
  headersFor: HeaderList | ((c: Context) => HeaderList),
  builtThroughContext: (path: string) => boolean = () => false,
): MiddlewareHandler {
  const choose = typeof headersFor === 'function' ? headersFor : () => headersFor;
  return async (c, next) => {
    const headers = choose(c);
    if (builtThroughContext(c.req.path)) {
      const outgoing = (c.env as { outgoing?: Pick<ServerResponse, 'setHeader'> } | undefined)?.outgoing;
      if (outgoing) {
        for (const [name, value] of lowerCaseNames(headers)) outgoing.setHeader(name, value);
      } else {
        for (const [name, value] of headers) c.header(name, value);
      }
      return next();
    }
    const marker = headers[0]![0];
    for (const [name, value] of headers) c.header(name, value);
    await next();
    const replyHeaders = c.res.headers;
    if (!replyHeaders.has(marker)) for (const [name, value] of headers) replyHeaders.set(name, value);
  };
}
