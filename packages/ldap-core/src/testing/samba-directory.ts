import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LdapEntryInput } from '@ldap-login/config-schema';
import { Attribute, Change, Client } from 'ldapts';
import { TestDirectoryError } from './errors.ts';

/**
 * A disposable Samba 4 Active Directory domain controller (`CORP.TEST`, NetBIOS `CORP`) for tests of
 * what only a real AD does: bind sub-codes, lockout, password settings objects, primaryGroupID,
 * LDAP_MATCHING_RULE_IN_CHAIN, userPrincipalName.
 *
 * Samba listens on fixed ports (389, 636), so one DC runs per machine: a lock file serialises test
 * files, and everything listens on loopback only (`interfaces = lo`). The provisioned domain (8-20 s
 * of `samba-tool domain provision`) is kept as a template under the temp folder and copied for each
 * start. The DC presents a certificate of a private CA that, like Samba's own, names only a CN
 * (`localhost`, so that the URL's host name matches without editing /etc/hosts).
 */

const execFileAsync = promisify(execFile);

const REALM = 'CORP.TEST';
const NETBIOS_DOMAIN = 'CORP';
const BASE_DN = 'DC=corp,DC=test';
const ADMIN_PASSWORD = 'Samba-Admin-Passw0rd!';
/** Bumped when the template's content changes, so an old cached template is not reused. */
const TEMPLATE_VERSION = 1;
const LOCK_WAIT_MS = 15 * 60_000;
const READY_TIMEOUT_MS = 90_000;
const HOST = 'localhost';
const SERVICE_ACCOUNT = 'svc-vault';
const SERVICE_PASSWORD = 'Service-Passw0rd!';

const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`;

export interface SambaUserOptions {
  /** Defaults to `<name>@corp.test`. */
  userPrincipalName?: string;
  mail?: string;
  /** Parent container (default `CN=Users,DC=corp,DC=test`). */
  parentDn?: string;
}

export interface SambaDirectory {
  /** `ldaps://localhost:636`. */
  ldapsUrl: string;
  /** `ldap://localhost:389`: simple binds need StartTLS here (`ldap server require strong auth`). */
  ldapUrl: string;
  /** The host name the certificate names (its only CN). */
  tlsHostName: string;
  caCertFile: string;
  baseDn: string;
  /** `CN=Users,DC=corp,DC=test`. */
  usersDn: string;
  realm: string;
  netbiosDomain: string;
  /** `corp.test` (LDAP_DOMAIN). */
  domain: string;
  /** A plain user account for LDAP_BIND_DN (no administrative rights). */
  bindDn: string;
  bindPassword: string;
  /** An `LDAP` entry for this DC (ldaps, CA file, memberOf, service account), with `overrides`. */
  ldapEntry(overrides?: Partial<LdapEntryInput>): LdapEntryInput;
  /** The domain's Administrator (may change anything). */
  adminDn: string;
  adminPassword: string;
  /** Creates an enabled user with `password`; returns its DN. */
  createUser(name: string, password: string, options?: SambaUserOptions): Promise<string>;
  /** Creates a global security group under CN=Users with `memberDns`; returns its DN. */
  createGroup(name: string, memberDns?: string[]): Promise<string>;
  addMember(groupDn: string, memberDn: string): Promise<void>;
  /** The domain's `lockoutThreshold` (0: never lock). */
  setDomainLockoutThreshold(threshold: number): Promise<void>;
  /** A password settings object with `lockoutThreshold` that applies to `appliesToDns`; returns its DN. */
  createPasswordSettings(name: string, lockoutThreshold: number, appliesToDns: string[]): Promise<string>;
  disableUser(dn: string): Promise<void>;
  enableUser(dn: string): Promise<void>;
  /** Sets `accountExpires` in the past. */
  expireUser(dn: string): Promise<void>;
  /** `pwdLastSet=0`: the user must change the password at the next logon. */
  requirePasswordChange(dn: string): Promise<void>;
  /** `logonHours` of all zero bytes: the user may log on at no time. */
  denyAllLogonHours(dn: string): Promise<void>;
  /** Replaces the password, as an administrator's reset would. */
  setPassword(dn: string, password: string): Promise<void>;
  /**
   * Denies `trusteeDn` reading `attribute` of the entry at `dn` (an explicit deny ACE, as an
   * administrator who locks a policy down would add); returns the function that puts the entry's
   * security descriptor back as it was.
   */
  denyAttributeRead(dn: string, attribute: string, trusteeDn: string): Promise<() => Promise<void>>;
  /** Reads attributes of one entry as the Administrator (strings). */
  read(dn: string, attributes: string[]): Promise<Record<string, string[]>>;
  /** Runs `samba-tool` against this DC's database (for what LDAP does not do). */
  sambaTool(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Names the programs a Samba DC needs that are not installed (empty: it can run). */
export function missingSambaPrograms(): string[] {
  return ['samba', 'samba-tool', 'openssl'].filter((program) => {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { env: { PATH: SBIN_PATH }, stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the test DC (waiting for the machine's one DC slot), with an empty domain apart from
 * Samba's defaults. Stop it with `stop()`; if this process dies first, Samba ends with its stdin.
 *
 * @example
 * const dc = await startSambaDirectory();
 * const gina = await dc.createUser('gina', 'Gina-Passw0rd!');
 * // LDAP_URL: [dc.ldapsUrl], LDAP_CA_CERT_FILE: dc.caCertFile, LDAP_SEARCH_USER_DN: dc.usersDn ...
 * await dc.stop();
 */
export async function startSambaDirectory(): Promise<SambaDirectory> {
  const missing = missingSambaPrograms();
  if (missing.length > 0) {
    throw new TestDirectoryError(
      'NO_BACKEND',
      `a Samba AD DC needs ${missing.join(', ')}: run scripts/setup.sh (apt-get install samba samba-ad-provision samba-ad-dc)`,
    );
  }
  const template = await ensureTemplate();
  const releaseLock = await acquireLock(join(tmpdir(), 'ldap-login-samba-dc.lock'), LOCK_WAIT_MS);
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'ldap-login-samba-'));
    cpSync(template, dir, { recursive: true });
    for (const sub of ['pid', 'log', 'cache']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'etc', 'smb.conf'), smbConf(dir));
    const started = spawn('samba', ['-i', '-s', join(dir, 'etc', 'smb.conf')], {
      env: { ...process.env, PATH: SBIN_PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = started;
    running.add(started);
    let output = '';
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
    await waitUntilAnswering(started, join(dir, 'tls', 'ca.pem'), () => output);
  } catch (error) {
    if (child) await stopProcess(child);
    if (dir) rmSync(dir, { recursive: true, force: true });
    releaseLock();
    throw error;
  }
  const directory = sambaDirectory(dir, child, releaseLock);
  try {
    await directory.createUser(SERVICE_ACCOUNT, SERVICE_PASSWORD);
  } catch (error) {
    await directory.stop();
    throw error;
  }
  return directory;
}

function smbConf(dir: string): string {
  return `[global]
\tnetbios name = DC1
\trealm = ${REALM}
\tworkgroup = ${NETBIOS_DOMAIN}
\tserver role = active directory domain controller
\tserver services = ldap
\tdisable netbios = yes
\tinterfaces = lo
\tbind interfaces only = yes
\tprivate dir = ${dir}/private
\tstate directory = ${dir}/state
\tcache directory = ${dir}/cache
\tlock directory = ${dir}
\tpid directory = ${dir}/pid
\tlog file = ${dir}/log/samba.log
\tlogging = file
\tbinddns dir = ${dir}/bind-dns
\tidmap_ldb:use rfc2307 = yes
\ttls enabled = yes
\ttls keyfile = ${dir}/tls/key.pem
\ttls certfile = ${dir}/tls/cert.pem
\ttls cafile = ${dir}/tls/ca.pem
`;
}

/** Provisions the domain once per machine (and template version) into the temp folder. */
async function ensureTemplate(): Promise<string> {
  const template = join(tmpdir(), `ldap-login-samba-template-v${TEMPLATE_VERSION}`);
  if (existsSync(join(template, 'ready'))) return template;
  const release = await acquireLock(`${template}.lock`, 5 * 60_000);
  try {
    if (existsSync(join(template, 'ready'))) return template;
    rmSync(template, { recursive: true, force: true });
    const building = `${template}.building`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    const env = { ...process.env, PATH: SBIN_PATH };
    await execFileAsync(
      'samba-tool',
      [
        'domain',
        'provision',
        `--realm=${REALM}`,
        `--domain=${NETBIOS_DOMAIN}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        '--use-rfc2307',
        '--host-name=dc1',
        '--host-ip=127.0.0.1',
        `--targetdir=${building}`,
        `--adminpass=${ADMIN_PASSWORD}`,
        '--option=interfaces=lo',
        '--option=bind interfaces only=yes',
      ],
      { env, maxBuffer: 16 * 1024 * 1024, timeout: 5 * 60_000 },
    );
    await writeCertificates(join(building, 'tls'), env);
    writeFileSync(join(building, 'ready'), `${new Date().toISOString()}\n`);
    // The template is copied whole for each start; the provision's smb.conf is replaced there.
    execFileSync('mv', [building, template]);
    return template;
  } catch (error) {
    throw new TestDirectoryError('START_FAILED', `samba-tool domain provision failed: ${String(error)}`, {
      cause: error,
    });
  } finally {
    release();
  }
}

/** A private CA and a server certificate that names only `CN=localhost` (no subjectAltName), as Samba's does. */
async function writeCertificates(tlsDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(tlsDir, { recursive: true });
  const run = (args: string[]) => execFileAsync('openssl', args, { env, cwd: tlsDir });
  await run(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-keyout', 'ca-key.pem'].concat([
      '-out',
      'ca.pem',
      '-subj',
      '/O=ldap-login tests/CN=ldap-login test CA',
    ]),
  );
  await run(
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.csr'].concat([
      '-subj',
      `/O=ldap-login tests/CN=${HOST}`,
    ]),
  );
  await run(
    ['x509', '-req', '-in', 'cert.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial'].concat([
      '-days',
      '3650',
      '-out',
      'cert.pem',
    ]),
  );
  execFileSync('chmod', ['600', join(tlsDir, 'key.pem')]);
}

/**
 * A lock file holding the owner's pid: created exclusively, taken over when its owner is gone.
 * Returns the release function.
 */
async function acquireLock(path: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(path, 'utf8').trim() || 'NaN');
    if (!Number.isInteger(owner) || !processAlive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new TestDirectoryError(
        'START_FAILED',
        `${path} is held by pid ${owner} for over ${waitMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until an Administrator bind over ldaps succeeds. */
async function waitUntilAnswering(
  child: ChildProcess,
  caCertFile: string,
  output: () => string,
): Promise<void> {
  const ca = readFileSync(caCertFile);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new TestDirectoryError(
        'START_FAILED',
        `samba exited (${child.signalCode ?? child.exitCode}):\n${output()}`,
      );
    }
    const client = new Client({
      url: `ldaps://${HOST}:636`,
      tlsOptions: { ca },
      connectTimeout: 2_000,
      timeout: 5_000,
    });
    try {
      await client.bind(`CN=Administrator,CN=Users,${BASE_DN}`, ADMIN_PASSWORD);
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new TestDirectoryError(
    'START_FAILED',
    `samba did not answer ldaps within ${READY_TIMEOUT_MS / 1000} s (${String(lastError)}):\n${output()}`,
  );
}

async function stopProcess(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Windows FILETIME (100 ns since 1601) of a date, as AD stores accountExpires. */
function fileTime(date: Date): string {
  return (BigInt(date.getTime()) * 10_000n + 116_444_736_000_000_000n).toString();
}

/** `S-1-5-21-...` of a binary objectSid. */
function sidString(sid: Buffer): string {
  const subAuthorities: number[] = [];
  for (let index = 0; index < sid[1]!; index++) subAuthorities.push(sid.readUInt32LE(8 + 4 * index));
  return `S-${sid[0]}-${sid.readUIntBE(2, 6)}-${subAuthorities.join('-')}`;
}

/** The string form of a binary GUID (its first three fields little-endian). */
function guidString(guid: Buffer): string {
  const hex = (start: number, end: number, reverse: boolean) => {
    const part = Buffer.from(guid.subarray(start, end));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

function unicodePassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function sambaDirectory(dir: string, child: ChildProcess, releaseLock: () => void): SambaDirectory {
  const caCertFile = join(dir, 'tls', 'ca.pem');
  const ca = readFileSync(caCertFile);
  const usersDn = `CN=Users,${BASE_DN}`;
  const adminDn = `CN=Administrator,${usersDn}`;
  const ldapsUrl = `ldaps://${HOST}:636`;

  async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ url: ldapsUrl, tlsOptions: { ca }, timeout: 30_000 });
    try {
      await client.bind(adminDn, ADMIN_PASSWORD);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  const replace = (dn: string, type: string, values: string[] | Buffer[]) =>
    asAdmin((client) =>
      client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values }) })),
    );
  const readOne = (dn: string, attributes: string[]) =>
    asAdmin(async (client) => {
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
      const entry = searchEntries[0];
      const result: Record<string, string[]> = {};
      for (const name of attributes) {
        const key = Object.keys(entry ?? {}).find(
          (candidate) => candidate.toLowerCase() === name.toLowerCase(),
        );
        const value = key ? entry?.[key] : undefined;
        result[name] = value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
      }
      return result;
    });
  const userAccountControl = async (dn: string, change: (flags: number) => number) => {
    const flags = Number((await readOne(dn, ['userAccountControl'])).userAccountControl?.[0] ?? '512');
    await replace(dn, 'userAccountControl', [String(change(flags))]);
  };
  let stopped = false;
  const bindDn = `CN=${SERVICE_ACCOUNT},${usersDn}`;

  return {
    domain: REALM.toLowerCase(),
    bindDn,
    bindPassword: SERVICE_PASSWORD,
    ldapEntry: (overrides = {}) => ({
      LDAP_URL: [ldapsUrl],
      LDAP_DOMAIN: REALM.toLowerCase(),
      LDAP_BIND_DN: bindDn,
      LDAP_BIND_PASS: SERVICE_PASSWORD,
      LDAP_SEARCH_USER_DN: usersDn,
      LDAP_SEARCH_GROUP_DN: BASE_DN,
      LDAP_ATTR_GUID: 'objectGUID',
      LDAP_OBJECT_CLASS_USER: 'user',
      LDAP_OBJECT_CLASS_GROUP: 'group',
      LDAP_ATTR_USERNAME: 'sAMAccountName',
      LDAP_ATTR_EMAIL: 'mail',
      LDAP_ATTR_GROUPS: 'memberOf',
      LDAP_MEMBER_OF_OVERLAY: true,
      LDAP_MEMBER_ATTRIBUTE: 'dn',
      LDAP_ATTR_MEMBERS: 'member',
      LDAP_CA_CERT_FILE: caCertFile,
      ...overrides,
    }),
    ldapsUrl,
    ldapUrl: `ldap://${HOST}:389`,
    tlsHostName: HOST,
    caCertFile,
    baseDn: BASE_DN,
    usersDn,
    realm: REALM,
    netbiosDomain: NETBIOS_DOMAIN,
    adminDn,
    adminPassword: ADMIN_PASSWORD,
    async createUser(name, password, options = {}) {
      const dn = `CN=${name},${options.parentDn ?? usersDn}`;
      await asAdmin((client) =>
        client.add(dn, {
          objectClass: ['top', 'person', 'organizationalPerson', 'user'],
          sAMAccountName: name,
          userPrincipalName: options.userPrincipalName ?? `${name}@${REALM.toLowerCase()}`,
          ...(options.mail ? { mail: options.mail } : {}),
        }),
      );
      await replace(dn, 'unicodePwd', [unicodePassword(password)]);
      await replace(dn, 'userAccountControl', ['512']);
      return dn;
    },
    async createGroup(name, memberDns = []) {
      const dn = `CN=${name},${usersDn}`;
      await asAdmin((client) =>
        client.add(dn, {
          objectClass: ['top', 'group'],
          sAMAccountName: name,
          ...(memberDns.length > 0 ? { member: memberDns } : {}),
        }),
      );
      return dn;
    },
    addMember: (groupDn, memberDn) =>
      asAdmin((client) =>
        client.modify(
          groupDn,
          new Change({
            operation: 'add',
            modification: new Attribute({ type: 'member', values: [memberDn] }),
          }),
        ),
      ),
    setDomainLockoutThreshold: (threshold) => replace(BASE_DN, 'lockoutThreshold', [String(threshold)]),
    async createPasswordSettings(name, lockoutThreshold, appliesToDns) {
      const dn = `CN=${name},CN=Password Settings Container,CN=System,${BASE_DN}`;
      const minutes = (count: number) => String(-BigInt(count) * 60n * 10_000_000n);
      await asAdmin((client) =>
        client.add(dn, {
          objectClass: ['top', 'msDS-PasswordSettings'],
          'msDS-PasswordSettingsPrecedence': '1',
          'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
          'msDS-PasswordHistoryLength': '0',
          'msDS-PasswordComplexityEnabled': 'FALSE',
          'msDS-MinimumPasswordLength': '0',
          'msDS-MinimumPasswordAge': '0',
          'msDS-MaximumPasswordAge': minutes(60 * 24 * 365),
          'msDS-LockoutThreshold': String(lockoutThreshold),
          'msDS-LockoutObservationWindow': minutes(30),
          'msDS-LockoutDuration': minutes(30),
          ...(appliesToDns.length > 0 ? { 'msDS-PSOAppliesTo': appliesToDns } : {}),
        }),
      );
      return dn;
    },
    disableUser: (dn) => userAccountControl(dn, (flags) => flags | 0x2),
    enableUser: (dn) => userAccountControl(dn, (flags) => flags & ~0x2),
    expireUser: (dn) => replace(dn, 'accountExpires', [fileTime(new Date(Date.now() - 24 * 3600_000))]),
    requirePasswordChange: (dn) => replace(dn, 'pwdLastSet', ['0']),
    denyAllLogonHours: (dn) => replace(dn, 'logonHours', [Buffer.alloc(21)]),
    setPassword: (dn, password) => replace(dn, 'unicodePwd', [unicodePassword(password)]),
    read: readOne,
    async denyAttributeRead(dn, attribute, trusteeDn) {
      const binary = (base: string, filter: string, name: string) =>
        asAdmin(async (client) => {
          const { searchEntries } = await client.search(base, {
            scope: base === dn || base === trusteeDn ? 'base' : 'one',
            filter,
            attributes: [name],
            explicitBufferAttributes: [name],
          });
          const value = searchEntries[0]?.[name];
          if (!Buffer.isBuffer(value)) throw new Error(`no ${name} at ${base} (${filter})`);
          return value;
        });
      const sid = sidString(await binary(trusteeDn, '(objectClass=*)', 'objectSid'));
      const schemaDn = `CN=Schema,CN=Configuration,${BASE_DN}`;
      const attributeGuid = guidString(
        await binary(schemaDn, `(lDAPDisplayName=${attribute})`, 'schemaIDGUID'),
      );
      const saved = await binary(dn, '(objectClass=*)', 'nTSecurityDescriptor');
      await this.sambaTool(['dsacl', 'set', `--objectdn=${dn}`, `--sddl=(OD;;RP;${attributeGuid};;${sid})`]);
      return () => replace(dn, 'nTSecurityDescriptor', [saved]);
    },
    async sambaTool(args) {
      const { stdout } = await execFileAsync('samba-tool', [...args, '-s', join(dir, 'etc', 'smb.conf')], {
        env: { ...process.env, PATH: SBIN_PATH },
      });
      return stdout;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopProcess(child);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        releaseLock();
      }
    },
  };
}
