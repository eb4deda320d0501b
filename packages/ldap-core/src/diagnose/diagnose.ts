import { splitUsername } from '@ldap-login/protocol';
import type { ConnectionSettings, LdapTarget } from '../connection/connection.ts';
import { compileEntry, type EntryPlan } from '../entries/entry-plan.ts';
import { isDirectoryError } from '../errors/errors.ts';
import { searchNameFor, selectEntry } from '../login/login-input.ts';
import type { DirectoryReader } from './directory-reader.ts';
import {
  checkLockoutThreshold,
  checkServiceBind,
  checkUserAttributes,
  checkUserSearchBase,
  type DirectoryContext,
  findUser,
} from './directory-steps.ts';
import {
  checkGroups,
  checkRequiredAttribute,
  checkRequiredGroup,
  checkUserBind,
} from './membership-steps.ts';
import { failed, StepRecorder, success } from './step-recorder.ts';
import { type CaFile, checkTransport, loadCaFile } from './transport-steps.ts';
import type { DiagnoseOptions, DiagnoseResult, LdapEntry, Settings } from './types.ts';

/**
 * Walks the path a login takes for `username` / `password` and says, step by step, what works and
 * what does not, stopping at the first error. Where a step fails because of a setting, it reads the
 * directory to name the setting and the value that most likely fits (object classes and attributes
 * the entries carry, the nearest existing search base, the group shape). Every step reuses the
 * login's own code (entry choice, connection, searches, binds, group resolution), so a success
 * here means the login succeeds. The password is sent only in the user bind and appears in no step.
 *
 * The first step of testldap, "settings found and valid", belongs to whoever loaded the settings:
 * `diagnose` starts at "LDAP in AUTHENTICATION_METHODS".
 *
 * @example
 * const result = await diagnose(settings, 'alice@example.com', password);
 * for (const step of result.steps) console.log(step.status, step.title, step.message);
 */
export async function diagnose(
  settings: Settings,
  username: string,
  password: string,
  options: DiagnoseOptions = {},
): Promise<DiagnoseResult> {
  const recorder = new StepRecorder(options.signal);
  const result = (extra: Partial<DiagnoseResult> = {}): DiagnoseResult => ({
    ok: !recorder.failed,
    steps: recorder.steps,
    ...extra,
  });

  const methods = settings.AUTHENTICATION_METHODS;
  await recorder.run('authentication-methods', 'LDAP in AUTHENTICATION_METHODS', () =>
    methods.includes('LDAP')
      ? success(`AUTHENTICATION_METHODS is ${methods.join(', ')}`)
      : failed(`AUTHENTICATION_METHODS is ${methods.join(', ') || 'empty'}: LDAP logins are off`, {
          setting: 'AUTHENTICATION_METHODS',
          suggestion: [...methods, 'LDAP'].join(', '),
        }),
  );
  if (recorder.failed) return result();

  const { localPart, domain } = splitUsername(username);
  let chosen: { entry: LdapEntry; index: number; plan: EntryPlan; searchName: string } | undefined;
  await recorder.run('domain-entry', 'LDAP entry for the username', () => {
    const domains = settings.LDAP.map((entry) => entry.LDAP_DOMAIN);
    if (domains.length === 0)
      return failed('the LDAP list is empty: no directory is configured', { setting: 'LDAP' });
    let entry: LdapEntry;
    let selectedName: string;
    try {
      ({ entry, localPart: selectedName } = selectEntry(settings.LDAP, username));
    } catch (error) {
      if (!isDirectoryError(error)) throw error;
      if (domain === null) {
        return failed(
          `${localPart} has no @domain, and ${domains.length} entries serve ${domains.join(', ')}`,
          {
            hint: `test with ${localPart}@<domain>`,
          },
        );
      }
      if (error.reason === 'unknown-domain') {
        return failed(`no LDAP entry serves the domain ${domain}; configured: ${domains.join(', ')}`, {
          setting: domains.length === 1 ? 'LDAP[0].LDAP_DOMAIN' : 'LDAP[].LDAP_DOMAIN',
          hint: `the part after @ chooses the directory entry: test with ${localPart}@${domains[0]}, or serve ${domain}`,
        });
      }
      return failed(`"${localPart}" can match no user (empty or with control characters)`);
    }
    const index = settings.LDAP.indexOf(entry);
    try {
      chosen = { entry, index, plan: compileEntry(entry), searchName: searchNameFor(entry, selectedName) };
    } catch (error) {
      if (!isDirectoryError(error)) throw error;
      const key = /^(LDAP_[A-Z_]+):/.exec(error.detail ?? '')?.[1];
      return failed(`LDAP[${index}] cannot work: ${error.detail ?? error.message}`, {
        ...(key ? { setting: `LDAP[${index}].${key}` } : {}),
      });
    }
    const how = domain === null ? `${localPart} has no @domain; the only entry` : 'it';
    return success(`LDAP[${index}] serves ${entry.LDAP_DOMAIN}: ${how} is used`);
  });
  if (recorder.failed || !chosen) return result();

  const run = await diagnoseEntry(recorder, chosen, chosen.searchName, password, {
    ...options,
    usernameFailureLimit: settings.LOGIN_THROTTLE_USERNAME_FAILURES,
  });
  return result({ entryIndex: chosen.index, ...run });
}

function connectionSettings(
  entry: LdapEntry,
  ca: CaFile | undefined,
  options: DiagnoseOptions,
): ConnectionSettings {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? entry.LDAP_CONNECT_TIMEOUT * 1000,
    operationTimeoutMs: options.operationTimeoutMs ?? entry.LDAP_OPERATION_TIMEOUT * 1000,
    startTls: entry.LDAP_START_TLS,
    verifyCertificate: entry.LDAP_TLS_VERIFY,
    ca: ca?.ok ? ca.pem : undefined,
  };
}

async function diagnoseEntry(
  recorder: StepRecorder,
  chosen: { entry: LdapEntry; index: number; plan: EntryPlan },
  login: string,
  password: string,
  options: DiagnoseOptions & { usernameFailureLimit?: number },
): Promise<{ url?: string; userDn?: string }> {
  const { entry, index, plan } = chosen;
  const prefix = `LDAP[${index}].`;
  const ca = entry.LDAP_CA_CERT_FILE ? await loadCaFile(entry.LDAP_CA_CERT_FILE) : undefined;
  const settings = connectionSettings(entry, ca, options);

  let target: LdapTarget | undefined;
  const urls = entry.LDAP_URL;
  for (const [position, url] of urls.entries()) {
    target = await checkTransport({ entry, prefix, settings, recorder, ca }, url, position < urls.length - 1);
    if (target || recorder.failed) break;
  }
  if (!target || recorder.failed) return {};

  const context: DirectoryContext = {
    entry,
    plan,
    prefix,
    domain: entry.LDAP_DOMAIN,
    login,
    target,
    settings,
    recorder,
    ...(options.usernameFailureLimit === undefined
      ? {}
      : { usernameFailureLimit: options.usernameFailureLimit }),
  };
  const reader = await checkServiceBind(context);
  if (!reader) return { url: target.url };
  try {
    await checkLockoutThreshold(context, reader);
    return { url: target.url, ...(await diagnoseUser(context, reader, password)) };
  } finally {
    reader.close();
  }
}

async function diagnoseUser(
  context: DirectoryContext,
  reader: DirectoryReader,
  password: string,
): Promise<{ userDn?: string }> {
  if (!(await checkUserSearchBase(context, reader))) return {};
  const user = await findUser(context, reader);
  if (!user) return {};
  const found = { userDn: user.dn };
  if (!(await checkUserAttributes(context, reader, user))) return found;
  const groups = await checkGroups(context, reader, user);
  if (!groups) return found;
  if (!(await checkUserBind(context, user, password))) return found;
  if (!(await checkRequiredGroup(context, reader, user, groups))) return found;
  await checkRequiredAttribute(context, user);
  return found;
}
