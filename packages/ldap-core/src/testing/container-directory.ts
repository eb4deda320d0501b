import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenericContainer } from 'testcontainers';
import { type DirectoryBackend, type DirectoryLaunch, launchEnvironment, READY_LINE } from './backend.ts';
import { TestDirectoryError } from './errors.ts';
import { OPENLDAP_IMAGE_DIR } from './paths.ts';

/** The image built from docker/openldap; `docker build -t` with this name gives the same image. */
const OPENLDAP_IMAGE = 'ldap-login/openldap:dev';
/** The Dockerfile's base; `docker/base-images.sh` builds it where no registry answers. */
const BASE_IMAGE = 'debian:bookworm-slim';

const STATE_DIR = '/var/lib/ldap-directory';
const START_TIMEOUT_MS = 120_000;

let imageBuild: Promise<GenericContainer> | undefined;

/**
 * Builds the image once per process (the engine's layer cache makes a rebuild of an unchanged
 * directory take about a second, so edits to the start script or data are always picked up).
 */
function buildImage(): Promise<GenericContainer> {
  imageBuild ??= (async () => {
    const { GenericContainer, getContainerRuntimeClient, ImageName } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    if (!(await client.image.exists(ImageName.fromString(BASE_IMAGE)))) {
      throw new TestDirectoryError(
        'BASE_IMAGE_MISSING',
        `the container engine has no ${BASE_IMAGE} image and none can be pulled here: run docker/base-images.sh`,
      );
    }
    return GenericContainer.fromDockerfile(OPENLDAP_IMAGE_DIR)
      .build(OPENLDAP_IMAGE, { deleteOnExit: false })
      .catch((error: unknown) => {
        throw new TestDirectoryError(
          'IMAGE_BUILD_FAILED',
          `building ${OPENLDAP_IMAGE} from docker/openldap failed: ${String(error)}`,
          { cause: error },
        );
      });
  })();
  imageBuild.catch(() => {
    imageBuild = undefined;
  });
  return imageBuild;
}

/** Starts the OpenLDAP image through testcontainers (the engine must already be configured). */
export async function startContainerDirectory(launch: DirectoryLaunch): Promise<DirectoryBackend> {
  const { getContainerRuntimeClient, Wait } = await import('testcontainers');
  const image = await buildImage();
  // slapd's per-operation log stays in its file (`readLog`), as in native mode: copied to the
  // container's output it went through the engine's log pipeline (tee, shim, dockerd), which under
  // load took more CPU than slapd itself. A failed start still prints the log's tail.
  let prepared = image
    .withEnvironment({ ...launchEnvironment(launch), STATE_DIR, LOG_TO_STDERR: '0' })
    .withExposedPorts(389, 636)
    .withWaitStrategy(Wait.forLogMessage(READY_LINE))
    .withStartupTimeout(START_TIMEOUT_MS);
  if (launch.extraLdif !== undefined) {
    prepared = prepared
      .withCopyContentToContainer([{ content: launch.extraLdif, target: '/extra-ldif/extra.ldif' }])
      .withEnvironment({ EXTRA_LDIF_DIR: '/extra-ldif' });
  }
  const container = await prepared.start().catch((error: unknown) => {
    throw new TestDirectoryError('START_FAILED', `the OpenLDAP container did not start: ${String(error)}`, {
      cause: error,
    });
  });
  const readFile = async (path: string): Promise<string> => {
    const result = await container.exec(['cat', path]);
    if (result.exitCode !== 0) throw new Error(`cannot read ${path} in the container: ${result.stderr}`);
    return result.stdout;
  };
  const caCert = await readFile(`${STATE_DIR}/tls/ca.pem`);
  const caDir = mkdtempSync(join(tmpdir(), 'ldap-directory-ca-'));
  const caCertFile = join(caDir, 'ca.pem');
  writeFileSync(caCertFile, caCert);
  const engineContainer = (await getContainerRuntimeClient()).container.getById(container.getId());
  let stopped = false;
  return {
    mode: 'container',
    ldapPort: container.getMappedPort(389),
    ldapsPort: container.getMappedPort(636),
    caCert,
    caCertFile,
    readLog: () => readFile(`${STATE_DIR}/slapd.log`),
    pause: async () => {
      await engineContainer.pause();
    },
    resume: async () => {
      await engineContainer.unpause();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const state = await engineContainer.inspect().catch(() => undefined);
      if (state?.State.Paused) await engineContainer.unpause();
      // A throwaway directory: no graceful shutdown needed (timeout 0 kills at once).
      await container.stop({ remove: true, timeout: 0 });
      rmSync(caDir, { recursive: true, force: true });
    },
  };
}
