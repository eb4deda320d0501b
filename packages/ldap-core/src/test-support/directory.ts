import {
  type StartDirectoryOptions,
  startDirectory,
  type TestDirectory,
  TestDirectoryError,
} from '../testing/index.ts';

/**
 * Starts the test directory, or explains loudly why the directory tests are skipped on a machine
 * without slapd or a container engine. Under CI nothing is skipped: the error fails the suite.
 */
export async function startDirectoryOrSkip(
  options: StartDirectoryOptions,
): Promise<TestDirectory | undefined> {
  try {
    return await startDirectory(options);
  } catch (error) {
    if (error instanceof TestDirectoryError && error.code === 'NO_BACKEND' && !process.env.CI) {
      console.warn(
        `\n${'!'.repeat(78)}\n!! SKIPPING the directory integration tests of ldap-core: ${error.message}\n${'!'.repeat(78)}\n`,
      );
      return undefined;
    }
    throw error;
  }
}
