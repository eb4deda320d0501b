import { readDirectoryEnvironment } from './environment.ts';
import { TestDirectoryError } from './errors.ts';
import { type StartDirectoryOptions, startDirectory, type TestDirectory } from './start-directory.ts';

/**
 * Starts the test directory, or explains loudly why `suite` is skipped on a machine without slapd
 * or a container engine. Under CI nothing is skipped: the error fails the run.
 *
 * @example
 * const directory = await startDirectoryOrSkip({ dataset: 'openldap-posix' }, 'diagnose tests');
 * if (!directory) return;
 */
export async function startDirectoryOrSkip(
  options: StartDirectoryOptions,
  suite: string,
): Promise<TestDirectory | undefined> {
  try {
    return await startDirectory(options);
  } catch (error) {
    if (
      error instanceof TestDirectoryError &&
      error.code === 'NO_BACKEND' &&
      !readDirectoryEnvironment().ci
    ) {
      console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING the ${suite}: ${error.message}\n${'!'.repeat(78)}\n`);
      return undefined;
    }
    throw error;
  }
}
