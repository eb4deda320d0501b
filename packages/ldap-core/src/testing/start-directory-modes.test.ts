import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDirectoryEnvironment, runningInCi } from './environment.ts';
import { TestDirectoryError } from './errors.ts';
import { missingNativePrograms } from './native-directory.ts';
import { startDirectory } from './start-directory.ts';

const NO_ENGINE = 'unix:///nonexistent/ldap-login-test/docker.sock';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('choosing how to run the test directory', () => {
  it('requires the container under CI and says how to start an engine', async () => {
    vi.stubEnv('CI', 'true');
    vi.stubEnv('DOCKER_HOST', NO_ENGINE);
    // A developer's LDAP_TEST_DIRECTORY_MODE=native would otherwise skip the engine question.
    vi.stubEnv('LDAP_TEST_DIRECTORY_MODE', '');
    const failure = startDirectory({ dataset: 'openldap-memberof' });
    await expect(failure).rejects.toBeInstanceOf(TestDirectoryError);
    await expect(failure).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/under CI.*docker\/engine\.sh start/s);
  });

  it('fails an explicit container request without an engine, even outside CI', async () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('DOCKER_HOST', NO_ENGINE);
    await expect(startDirectory({ dataset: 'ad-like', mode: 'container' })).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
    });
  });

  it('falls back to a native slapd outside CI, or says how to get either', async () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('DOCKER_HOST', NO_ENGINE);
    vi.stubEnv('LDAP_TEST_DIRECTORY_MODE', '');
    const attempt = startDirectory({ dataset: 'openldap-posix', largeGroupSize: 0 });
    if (missingNativePrograms().length > 0) {
      await expect(attempt).rejects.toMatchObject({ code: 'NO_BACKEND' });
      await expect(attempt).rejects.toThrow(/engine\.sh start.*apt-get install slapd/s);
      return;
    }
    const directory = await attempt;
    try {
      expect(directory.mode).toBe('native');
      expect(directory.groups['large-group']).toBeUndefined();
    } finally {
      await directory.stop();
    }
  }, 60_000);

  it('refuses counts that make no sense before starting anything', async () => {
    await expect(
      startDirectory({ dataset: 'openldap-memberof', extraUsers: 2, extraGroups: 3 }),
    ).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await expect(startDirectory({ dataset: 'openldap-memberof', extraUsers: -1 })).rejects.toMatchObject({
      code: 'BAD_OPTIONS',
    });
  });
});

describe('runningInCi', () => {
  it.each([
    [{ CI: 'true' }, true],
    [{ CI: 'TRUE' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'yes' }, true],
    [{ CI: 'woodpecker' }, true],
    [{ CI: 'false' }, false],
    [{ CI: 'False' }, false],
    [{ CI: ' false ' }, false],
    [{ CI: '0' }, false],
    [{ CI: 'no' }, false],
    [{ CI: '' }, false],
    [{}, false],
  ])('reads CI from %j as %s', (env, ci) => {
    expect(runningInCi(env)).toBe(ci);
    expect(readDirectoryEnvironment(env).ci).toBe(ci);
  });
});

describe('readDirectoryEnvironment', () => {
  it('reads a forced mode and ignores anything else', () => {
    expect(readDirectoryEnvironment({ LDAP_TEST_DIRECTORY_MODE: 'native' }).forcedMode).toBe('native');
    expect(readDirectoryEnvironment({ LDAP_TEST_DIRECTORY_MODE: 'podman' }).forcedMode).toBeUndefined();
  });
});
