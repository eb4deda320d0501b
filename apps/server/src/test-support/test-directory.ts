import { startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { Client } from 'ldapts';
import { afterAll, beforeAll, type TestContext } from 'vitest';

export interface TestDirectoryHandle {
  /** The directory, or skips the test (with the warning printed at start) on a machine without one. */
  need(context: TestContext): TestDirectory;
  /** A connection bound as the directory's administrator, to change users and groups in a test. */
  readonly admin: Client;
}

/**
 * Starts a real OpenLDAP (the `openldap-memberof` dataset) for the calling file or `describe`
 * block, with an administrator connection, and stops both after it. On a developer machine
 * without slapd or Docker the tests skip loudly; under CI a missing directory fails the run.
 *
 * @example
 * const ldap = useTestDirectory('team vault tests');
 * it('...', async (context) => {
 *   const dir = ldap.need(context);
 *   await ldap.admin.del(dir.users.dave!.dn);
 * });
 */
export function useTestDirectory(purpose: string): TestDirectoryHandle {
  let directory: TestDirectory | undefined;
  let admin: Client | undefined;
  beforeAll(async () => {
    directory = await startDirectoryOrSkip({ dataset: 'openldap-memberof', largeGroupSize: 0 }, purpose);
    if (!directory) return;
    admin = new Client({ url: directory.url });
    await admin.bind(directory.adminDn, directory.adminPassword);
  }, 180_000);
  afterAll(async () => {
    await admin?.unbind();
    await directory?.stop();
  });
  return {
    need(context) {
      if (!directory) context.skip('no test directory on this machine (see the warning above)');
      return directory!;
    },
    get admin() {
      if (!admin) throw new Error('the test directory did not start');
      return admin;
    },
  };
}
