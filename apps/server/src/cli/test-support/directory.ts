import {
  type StartDirectoryOptions,
  startDirectory,
  type TestDirectory,
  TestDirectoryError,
} from '@ldap-login/ldap-core/testing';

/**
 * Starts the test directory, or explains loudly why the CLI's directory tests are skipped on a
 * machine without slapd or a container engine. Under CI nothing is skipped: the error fails the run.
 */
export async function startDirectoryOrSkip(
  options: StartDirectoryOptions,
): Promise<TestDirectory | undefined> {
  try {
    return await startDirectory(options);
  } catch (error) {
    if (error instanceof TestDirectoryError && error.code === 'NO_BACKEND' && !process.env.CI) {
      console.warn(
        `\n${'!'.repeat(78)}\n!! SKIPPING the manage CLI directory tests: ${error.message}\n${'!'.repeat(78)}\n`,
      );
      return undefined;
    }
    throw error;
  }
}
