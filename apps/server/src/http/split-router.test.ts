import { TrieRouter } from 'hono/router/trie-router';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { SplitRouter } from './split-router.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The handlers (by route) and parameters a router finds, in order, whichever result form it uses. */
function matched(router: SplitRouter<number> | TrieRouter<number>, method: string, path: string) {
  const [found, stash] = router.match(method, path) as [[number, Record<string, unknown>][], unknown[]?];
  return found.map(([handler, params]) => [
    handler,
    Object.fromEntries(Object.entries(params).map(([name, at]) => [name, stash ? stash[at as number] : at])),
  ]);
}

describe('SplitRouter', () => {
  it("finds the same handlers in the same order as hono's TrieRouter for the app's own routes", async () => {
    t = await createTestApp({ directory: new FakeDirectory() });
    const families = ['/server/secret', '/server/share', '/server/group'];
    const split = new SplitRouter<number>(families);
    const trie = new TrieRouter<number>();
    t.app.routes.forEach((route, index) => {
      split.add(route.method, route.path, index);
      trie.add(route.method, route.path, index);
    });
    const paths = [
      '/',
      '/index.html',
      '/server',
      '/server/info',
      '/server/authentication/login',
      '/server/authentication/activate-token',
      '/server/user',
      '/server/user/status',
      '/server/datastore',
      '/server/datastore/0b7c5c5e-55f1-4b4b-8b1f-5b0d7e0b3a11',
      '/server/secret',
      '/server/secret/link',
      '/server/secret/history/abc',
      '/server/secret/abc',
      '/server/secrets',
      '/server/history/abc',
      '/server/share',
      '/server/share/right',
      '/server/share/rights/abc',
      '/server/share/abc',
      '/server/group',
      '/server/group/rights',
      '/server/group/rights/abc',
      '/server/group/abc',
      '/server/membership/accept',
      '/server/job/membership-missing-group-secret',
      '/server/nothing/here',
    ];
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      for (const path of paths) {
        expect(matched(split, method, path), `${method} ${path}`).toEqual(matched(trie, method, path));
      }
    }
  });

  it('serves the app: logins and vault routes answer through it', async () => {
    t = await createTestApp({ directory: new FakeDirectory() });
    expect(t.app.router.name).toBe('SplitRouter');
    expect((await t.request('/info/')).status).toBe(200);
    // A vault family (trie) and the API's 404 route (regular expressions) both end in API errors.
    expect((await t.request('/secret/abc/')).status).toBe(401);
    expect((await t.request('/nothing/here/')).status).toBe(404);
  });
});
