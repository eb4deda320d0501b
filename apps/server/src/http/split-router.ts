/**
 * The API's router: hono's RegExpRouter for every path but a few route families that it cannot
 * express, which go to its TrieRouter.
 *
 * Why: hono's default router tries RegExpRouter and falls back to TrieRouter for the whole app as
 * soon as one route is beyond it. A static segment beside a parameter at the same place with
 * deeper routes below it is such a route (`/secret/history/:id` beside `/secret/:id`, and
 * `/share/rights/:id` or `/group/rights/:id` likewise), so every request, logins included, paid
 * the trie's walk over some hundred routes and wildcard middleware (~15 us per request). Here a
 * request path inside one of `slowFamilies` (`/server/secret`, or below it) is matched by a
 * TrieRouter holding that family's routes, and every other path by a RegExpRouter holding the
 * rest. A route that can match paths of both (wildcard middleware such as `/server/*`) is added to
 * both, so each router holds every route that can match the paths sent to it, in the order they
 * were added: the handlers and their order are the same as with one router.
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { TrieRouter } from 'hono/router/trie-router';

/** The part of a route's path before its first parameter or wildcard. */
function staticPrefix(path: string): { prefix: string; exact: boolean } {
  const dynamic = path.search(/[:*{]/);
  return dynamic < 0 ? { prefix: path, exact: true } : { prefix: path.slice(0, dynamic), exact: false };
}

/** Whether `path` is `family` or below it (`/server/secret`, `/server/secret/x`, not `/server/secrets`). */
function inFamily(path: string, family: string): boolean {
  return path.startsWith(family) && (path.length === family.length || path[family.length] === '/');
}

export class SplitRouter<T> implements Router<T> {
  readonly name = 'SplitRouter';
  private readonly fast = new RegExpRouter<T>();
  private readonly slow = new TrieRouter<T>();

  /** @param slowFamilies path prefixes without a trailing slash, for example `/server/secret`. */
  constructor(private readonly slowFamilies: readonly string[]) {}

  add(method: string, path: string, handler: T): void {
    if (this.isSlow(path)) {
      this.slow.add(method, path, handler);
      return;
    }
    this.fast.add(method, path, handler);
    const { prefix, exact } = staticPrefix(path);
    // A route with a parameter or wildcard before or at a family's start may match its paths too.
    const reachesFamily =
      !exact && this.slowFamilies.some((family) => family.startsWith(prefix) || inFamily(prefix, family));
    if (reachesFamily) this.slow.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    return this.isSlow(path) ? this.slow.match(method, path) : this.fast.match(method, path);
  }

  private isSlow(path: string): boolean {
    for (const family of this.slowFamilies) if (inFamily(path, family)) return true;
    return false;
  }
}
