import { randomBytes } from 'node:crypto';
import type { LdapEntryInput } from '@ldap-login/config-schema';
import type { DirectoryBackend, DirectoryLaunch, DirectoryMode } from './backend.ts';
import { engineAnswers, findDockerHost } from './container-engine.ts';
import {
  type DatasetDefinition,
  type DatasetName,
  type DirectoryGroup,
  type DirectoryUser,
  datasetContent,
  datasetDefinition,
  datasetLdapEntry,
  GENERATED,
  generatedPeople,
} from './datasets.ts';
import { configureTestcontainers, readDirectoryEnvironment } from './environment.ts';
import { TestDirectoryError } from './errors.ts';
import { missingNativePrograms, startNativeDirectory } from './native-directory.ts';

export interface StartDirectoryOptions {
  dataset: DatasetName;
  /** Extra generated users `user00001`... (password `GENERATED.extra.password`), for benchmarks. */
  extraUsers?: number;
  /** Extra generated groups `group0001`...; the extra users are shared out among them round-robin. */
  extraGroups?: number;
  /** Members of the dataset's large group (default 2,000); 0 leaves the group out for faster starts. */
  largeGroupSize?: number;
  /** More LDIF loaded last, as the directory's administrator (`adminDn`). */
  extraLdif?: string;
  /**
   * `auto` (default): a container when an engine answers, else a native slapd; under CI the container
   * is required. LDAP_TEST_DIRECTORY_MODE=container|native overrides `auto`.
   */
  mode?: 'auto' | DirectoryMode;
}

export interface TestDirectory {
  mode: DirectoryMode;
  dataset: DatasetName;
  definition: DatasetDefinition;
  /** `ldap://127.0.0.1:P` (StartTLS is available on it). */
  url: string;
  /** `ldaps://localhost:S`: the name the certificate carries. */
  ldapsUrl: string;
  /** The `host` to give StartTLS so the certificate check passes. */
  tlsServername: string;
  caCert: string;
  caCertFile: string;
  baseDn: string;
  /** The read-only service account (LDAP_BIND_DN / LDAP_BIND_PASS). */
  bindDn: string;
  bindPassword: string;
  /** The directory's rootdn: may change anything (rename, move, set passwords). */
  adminDn: string;
  adminPassword: string;
  domain: string;
  /** Every user by key: hand-written ones (alice, jsmith, ...), then member00001..., user00001... */
  users: Record<string, DirectoryUser>;
  /** Every group by key: staff, developers, ..., large-group, group0001... */
  groups: Record<string, DirectoryGroup>;
  /** Milliseconds from the call to the data being loaded. */
  startupMs: number;
  /** A ready LDAP entry for settings.yaml describing this directory; `overrides` win. */
  ldapEntry(overrides?: Partial<LdapEntryInput>): LdapEntryInput;
  /** slapd's own log at loglevel stats: connections, binds (with DNs), search filters. */
  log(): Promise<string>;
  /** Freezes slapd (SIGSTOP or `docker pause`): connections hang, as with a stuck server. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a disposable OpenLDAP with one of the test datasets (see DATASETS.md).
 *
 * @example
 * const directory = await startDirectory({ dataset: 'openldap-memberof' });
 * try {
 *   const client = new Client({ url: directory.url });
 *   await client.bind(directory.users.jsmith.dn, directory.users.jsmith.password);
 * } finally {
 *   await directory.stop();
 * }
 */
export async function startDirectory(options: StartDirectoryOptions): Promise<TestDirectory> {
  const started = performance.now();
  const definition = datasetDefinition(options.dataset);
  const launch: DirectoryLaunch = {
    dataset: options.dataset,
    adminPassword: randomBytes(18).toString('base64url'),
    largeGroupSize: count(options.largeGroupSize ?? GENERATED.member.size, 'largeGroupSize'),
    extraUsers: count(options.extraUsers ?? 0, 'extraUsers'),
    extraGroups: count(options.extraGroups ?? 0, 'extraGroups'),
    ...(options.extraLdif === undefined ? {} : { extraLdif: options.extraLdif }),
  };
  if (launch.extraGroups > launch.extraUsers) {
    throw new TestDirectoryError(
      'BAD_OPTIONS',
      'extraGroups needs at least as many extraUsers: groups must not be empty',
    );
  }
  const choice = await chooseMode(options.mode ?? 'auto');
  const backend =
    choice.mode === 'container'
      ? await startContainer(launch, choice.mayFallBack)
      : await startNativeDirectory(launch);
  return describe(definition, launch, backend, performance.now() - started);
}

function count(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new TestDirectoryError('BAD_OPTIONS', `${name} must be a whole number >= 0, not ${value}`);
  }
  return value;
}

const HOW_TO_GET_ONE = [
  'a container engine: `sudo docker/engine.sh start` (installs Debian docker.io if needed), then `sudo docker/base-images.sh`;',
  'or a native slapd: `sudo apt-get install slapd ldap-utils openssl`.',
].join('\n');

interface ModeChoice {
  mode: DirectoryMode;
  /** The container was picked automatically outside CI: without its image, a native slapd will do. */
  mayFallBack: boolean;
}

async function chooseMode(requested: 'auto' | DirectoryMode): Promise<ModeChoice> {
  const environment = readDirectoryEnvironment();
  const wanted = requested === 'auto' ? (environment.forcedMode ?? 'auto') : requested;
  if (wanted === 'native') return { mode: 'native', mayFallBack: false };
  const dockerHost = findDockerHost(environment);
  const engineUp = dockerHost !== undefined && (await engineAnswers(dockerHost));
  if (engineUp && dockerHost) {
    configureTestcontainers(dockerHost);
    return {
      mode: 'container',
      mayFallBack: wanted === 'auto' && !environment.ci && missingNativePrograms().length === 0,
    };
  }
  if (wanted === 'container' || environment.ci) {
    throw new TestDirectoryError(
      'ENGINE_UNAVAILABLE',
      `the test directory needs a container engine${environment.ci ? ' under CI' : ''}, and ${
        dockerHost ? `${dockerHost} does not answer` : 'none was found (DOCKER_HOST is not set)'
      }. Start one: \`sudo docker/engine.sh start\`, then \`sudo docker/base-images.sh\`.`,
    );
  }
  const missing = missingNativePrograms();
  if (missing.length === 0) return { mode: 'native', mayFallBack: false };
  throw new TestDirectoryError(
    'NO_BACKEND',
    `no way to run the test directory: no container engine answers and ${missing.join(', ')} ${
      missing.length === 1 ? 'is' : 'are'
    } not installed. Get either\n${HOW_TO_GET_ONE}`,
  );
}

async function startContainer(launch: DirectoryLaunch, mayFallBack: boolean): Promise<DirectoryBackend> {
  // Loaded on demand so that the native path works where testcontainers is not installed.
  const { startContainerDirectory } = await import('./container-directory.ts');
  try {
    return await startContainerDirectory(launch);
  } catch (error) {
    const imageProblem =
      error instanceof TestDirectoryError &&
      (error.code === 'BASE_IMAGE_MISSING' || error.code === 'IMAGE_BUILD_FAILED');
    if (!mayFallBack || !imageProblem) throw error;
    console.warn(
      `\n!!! test directory: ${error.message}\n!!! falling back to a native slapd (CI would fail here)\n`,
    );
    return startNativeDirectory(launch);
  }
}

function describe(
  definition: DatasetDefinition,
  launch: DirectoryLaunch,
  backend: DirectoryBackend,
  startupMs: number,
): TestDirectory {
  const content = datasetContent(definition.name);
  const users: Record<string, DirectoryUser> = {};
  const groups: Record<string, DirectoryGroup> = {};
  for (const { user } of content.people) users[user.key] = user;
  for (const { group } of content.groups) groups[group.key] = group;
  for (const generated of [
    generatedPeople(definition, 'member', launch.largeGroupSize, 1),
    generatedPeople(definition, 'extra', launch.extraUsers, launch.extraGroups),
  ]) {
    if (generated.users.length === 0) continue;
    for (const user of generated.users) users[user.key] = user;
    for (const group of generated.groups) groups[group.key] = group;
  }
  const url = `ldap://127.0.0.1:${backend.ldapPort}`;
  const adminDn = `cn=admin,${definition.baseDn}`;
  const stop = () => backend.stop();
  return {
    mode: backend.mode,
    dataset: definition.name,
    definition,
    url,
    ldapsUrl: `ldaps://localhost:${backend.ldapsPort}`,
    tlsServername: 'localhost',
    caCert: backend.caCert,
    caCertFile: backend.caCertFile,
    baseDn: definition.baseDn,
    bindDn: definition.bindDn,
    bindPassword: definition.bindPassword,
    adminDn,
    adminPassword: launch.adminPassword,
    domain: definition.domain,
    users,
    groups,
    startupMs,
    ldapEntry: (overrides) => datasetLdapEntry(definition, url, backend.caCertFile, overrides),
    log: () => backend.readLog(),
    pause: () => backend.pause(),
    resume: () => backend.resume(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
