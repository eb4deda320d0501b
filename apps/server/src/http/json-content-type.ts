/**
 * Every API request that carries a body must declare it as JSON. A web page may send another
 * site a cross-origin POST with a "simple" content type (`text/plain`, form encodings) without
 * the browser asking that site first; `application/json` makes the browser send a CORS preflight,
 * which this server never approves. So no other site can make its visitors' browsers send logins
 * here. Psono's client and ours send `application/json` on every request with a body.
 */
import type { MiddlewareHandler } from 'hono';

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Refuses, with `unsupported(reason)`, a request that declares a body type other than JSON, or
 * that carries a body without declaring its type. GET and HEAD pass (they carry no body), and so
 * does a request without a body and without a type: there is nothing to interpret.
 */
export function requireJsonBody(unsupported: (reason: string) => Error): MiddlewareHandler {
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const contentType = c.req.header('Content-Type');
    if (contentType === undefined) {
      const length = c.req.header('Content-Length');
      const hasBody =
        c.req.header('Transfer-Encoding') !== undefined || (length !== undefined && length.trim() !== '0');
      if (hasBody) throw unsupported(`${method} with a body but no Content-Type`);
      return next();
    }
    if (!isJsonMediaType(contentType)) {
      throw unsupported(`${method} with Content-Type ${JSON.stringify(contentType.slice(0, 100))}`);
    }
    return next();
  };
}
