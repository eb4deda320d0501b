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

export function readDirectoryEnvironment(env: NodeJS.ProcessEnv = process.env): DirectoryEnvironment {
  const ci = env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
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
