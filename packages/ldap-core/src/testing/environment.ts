/** The one place the test directory reads the process environment. */

export interface DirectoryEnvironment {
  /** CI demands the container path: a fallback there would hide a broken image. */
  ci: boolean;
  dockerHost: string | undefined;
  /** LDAP_TEST_DIRECTORY_MODE: forces `container` or `native` where a caller says `auto`. */
  forcedMode: 'container' | 'native' | undefined;
  /** LDAP_LOGIN_DOCKER_RUN_DIR: where `docker/engine.sh` puts the engine's socket. */
  engineRunDir: string;
}

/**
 * The one "are we in CI" rule of every test helper that may skip: `CI` set to anything but an empty
 * string, `0`, `false` or `no` (in any case). `CI=false` is someone saying "this is not CI".
 * Under CI nothing skips: a missing slapd, container engine, PostgreSQL or browser is a failure.
 *
 * @example
 * if (!runningInCi()) console.warn('SKIPPING ...');
 */
export function runningInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && !['', '0', 'false', 'no'].includes(value);
}

export function readDirectoryEnvironment(env: NodeJS.ProcessEnv = process.env): DirectoryEnvironment {
  const ci = runningInCi(env);
  const mode = env.LDAP_TEST_DIRECTORY_MODE;
  return {
    ci,
    dockerHost: env.DOCKER_HOST || undefined,
    forcedMode: mode === 'container' || mode === 'native' ? mode : undefined,
    engineRunDir: env.LDAP_LOGIN_DOCKER_RUN_DIR || '/run/ldap-login-docker',
  };
}

/**
 * testcontainers reads its settings from the environment. Point it at the engine found here and turn
 * off what cannot work without an image registry (the reaper image) or inside a container (host guessing).
 */
export function configureTestcontainers(dockerHost: string, env: NodeJS.ProcessEnv = process.env): void {
  env.DOCKER_HOST = dockerHost;
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}
