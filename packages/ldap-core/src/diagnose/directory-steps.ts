import type * as tls from 'node:tls';
import { type Entry, Filter } from 'ldapts';
import { bindAsService, type ConnectionSettings, type LdapTarget } from '../connection/connection.ts';
import { readRootDse } from '../connection/root-dse.ts';
import { DnSyntaxError, parseDn } from '../dn/dn.ts';
import { attributeStrings } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { adSubCode, toDirectoryError } from '../errors/error-mapping.ts';
import { LockoutPolicies } from '../login/lockout-guard.ts';
import { readUserProfile, type UserProfile } from '../login/user-profile.ts';
import { searchUserEntries } from '../login/user-search.ts';
import {
  containerOf,
  type NearestEntry,
  namingContexts,
  nearestExistingEntry,
  PERSON_FILTER,
  SAMPLE_SIZE,
} from './directory-probes.ts';
import { DirectoryReader } from './directory-reader.ts';
import { summarise } from './network-probes.ts';
import { failed, type StepOutcome, type StepRecorder, skipped, success } from './step-recorder.ts';
import {
  attributeSpelling,
  childNearestTo,
  commonContainer,
  countObjectClasses,
  emailLikeAttributes,
  hasObjectClass,
  LOGIN_NAME_ATTRIBUTES,
  listForMessage,
  loginAttributesMatching,
  sharedUserObjectClasses,
  suggestGuidAttribute,
} from './suggestions.ts';
import { hostPort, tlsWhereLdapExpected } from './transport-steps.ts';
import type { LdapEntry } from './types.ts';

/** Everything the directory steps share once a URL answered. */
export interface DirectoryContext {
  entry: LdapEntry;
  plan: EntryPlan;
  /** `LDAP[0].`, to name settings. */
  prefix: string;
  domain: string;
  /** The login name without its domain, as the user search uses it. */
  login: string;
  target: LdapTarget;
  settings: ConnectionSettings;
  recorder: StepRecorder;
  /** LOGIN_THROTTLE_USERNAME_FAILURES, compared with Active Directory's lockout threshold. */
  usernameFailureLimit?: number;
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

/**
 * Node's answer for a certificate that chains to a trusted CA but does not name the host; the
 * error carries the certificate, so the message can say which names it does carry.
 */
function hostNameMismatch(error: unknown): { names: string[] } | undefined {
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 4;
    current = current.cause, depth++
  ) {
    const { code, cert } = current as { code?: unknown; cert?: tls.PeerCertificate };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
      return { names: summarise(cert)?.names ?? [] };
    }
  }
  return undefined;
}

/** Opens the connection as a login does (StartTLS included) and binds as the service account. */
export async function checkServiceBind(context: DirectoryContext): Promise<DirectoryReader | undefined> {
  const { entry, target, settings, recorder } = context;
  let reader: DirectoryReader | undefined;
  const outcome = await recorder.run('service-bind', `Service bind as ${entry.LDAP_BIND_DN}`, async () => {
    try {
      reader = await DirectoryReader.open(target.url, settings);
    } catch (error) {
      return explainConnectFailure(context, error);
    }
    try {
      await bindAsService(reader.connection, entry);
    } catch (error) {
      return explainServiceBindFailure(context, reader, error);
    }
    const tlsNote = !target.secure && entry.LDAP_START_TLS ? ' over StartTLS' : '';
    return success(`bound to ${target.url}${tlsNote} as ${entry.LDAP_BIND_DN}`);
  });
  if (outcome.status === 'success') return reader;
  reader?.close();
  return undefined;
}

function explainConnectFailure(context: DirectoryContext, error: unknown): StepOutcome {
  const { prefix, target } = context;
  const mapped = toDirectoryError(error, { step: 'start-tls', url: target.url });
  const mismatch = mapped.reason === 'tls-certificate-rejected' ? hostNameMismatch(error) : undefined;
  if (mismatch !== undefined) {
    const name = mismatch.names.find((candidate) => !candidate.includes('*'));
    const names = mismatch.names.length > 0 ? `: it names ${listForMessage(mismatch.names, 4)}` : '';
    return failed(`StartTLS: the certificate is not valid for ${target.host}${names}`, {
      setting: `${prefix}LDAP_URL`,
      hint: 'a host-name mismatch, not an untrusted CA: connect by a name the certificate carries (its subjectAltName, or its CN when it has none)',
      ...(name ? { suggestion: `ldap://${hostPort(name, target.port)}` } : {}),
    });
  }
  if (mapped.reason === 'tls-certificate-rejected') {
    return failed(`the directory's certificate is not trusted (${mapped.detail})`, {
      setting: `${prefix}LDAP_CA_CERT_FILE`,
      hint: 'set LDAP_CA_CERT_FILE to the PEM file of the CA that signed the directory certificate',
    });
  }
  if (mapped.reason === 'start-tls-refused' || mapped.reason === 'tls-handshake-failed') {
    return failed(`StartTLS failed (${mapped.detail})`, {
      setting: `${prefix}LDAP_START_TLS`,
      hint: 'the server offers no StartTLS on this port: use an ldaps:// URL, or enable TLS on the directory',
      suggestion: 'False',
    });
  }
  return failed(`cannot open a connection: ${mapped.detail}`, { setting: `${prefix}LDAP_URL` });
}

async function explainServiceBindFailure(
  context: DirectoryContext,
  reader: DirectoryReader,
  error: unknown,
): Promise<StepOutcome> {
  const { entry, prefix, target, settings } = context;
  const mapped = toDirectoryError(error, { step: 'service-bind', url: target.url, dn: entry.LDAP_BIND_DN });
  if (mapped.code === 'DIRECTORY_UNAVAILABLE' || mapped.reason === 'tls-handshake-failed') {
    if (await tlsWhereLdapExpected(target, settings.connectTimeoutMs)) {
      return failed(`${target.host}:${target.port} speaks TLS, but the URL says ldap:// (${mapped.reason})`, {
        setting: `${prefix}LDAP_URL`,
        hint: 'the wrong URL scheme: this port expects ldaps://',
        suggestion: `ldaps://${target.host}:${target.port}`,
      });
    }
    return failed(`the directory did not answer the bind: ${mapped.detail}`, {
      setting: `${prefix}LDAP_URL`,
      hint: `raise ${prefix}LDAP_OPERATION_TIMEOUT if the directory is slow`,
    });
  }
  if (mapped.reason === 'tls-required') {
    return failed(`the directory requires an encrypted connection (${mapped.detail})`, {
      setting: target.secure ? `${prefix}LDAP_URL` : `${prefix}LDAP_START_TLS`,
      suggestion: 'True',
    });
  }
  if (mapped.reason !== 'service-bind-refused') return failed(mapped.detail ?? mapped.message);

  try {
    parseDn(entry.LDAP_BIND_DN);
  } catch (syntax) {
    if (syntax instanceof DnSyntaxError) return failed(syntax.message, { setting: `${prefix}LDAP_BIND_DN` });
    throw syntax;
  }
  // The failed bind left the connection anonymous: many directories still let it read entries.
  let exists: boolean | undefined;
  try {
    exists = await reader.exists(entry.LDAP_BIND_DN);
  } catch {
    exists = undefined;
  }
  if (exists === true) {
    return failed(`the directory refused the password of ${entry.LDAP_BIND_DN} (invalid credentials)`, {
      setting: `${prefix}LDAP_BIND_PASS`,
      hint: 'the service account exists: its password (LDAP_BIND_PASS) is wrong, expired or the account is locked',
    });
  }
  // "No such object" is also what a directory answers for an entry hidden from anonymous readers:
  // believe it only when an entry above it is visible.
  const nearest: NearestEntry | undefined =
    exists === false
      ? await nearestExistingEntry(reader, entry.LDAP_BIND_DN).catch(() => undefined)
      : undefined;
  if (exists === false && nearest?.dn) {
    return failed(`${entry.LDAP_BIND_DN} does not exist in the directory (invalid credentials)`, {
      setting: `${prefix}LDAP_BIND_DN`,
      hint: `the nearest existing entry is ${nearest.dn}, holding ${listForMessage(nearest.children)}`,
      ...optional('suggestion', childNearestTo(entry.LDAP_BIND_DN, nearest.dn, nearest.children)),
    });
  }
  if (adSubCode(mapped.detail ?? '') !== undefined) {
    // Active Directory answers `data 52e` both for a DN that does not exist and for a wrong password.
    return failed(`Active Directory refused LDAP_BIND_DN / LDAP_BIND_PASS (invalid credentials)`, {
      setting: `${prefix}LDAP_BIND_DN`,
      hint: `Active Directory cannot tell a wrong DN from a wrong password: check that ${entry.LDAP_BIND_DN} is the service account's DN (or user@domain), then LDAP_BIND_PASS`,
    });
  }
  return failed(`the directory refused LDAP_BIND_DN / LDAP_BIND_PASS (invalid credentials)`, {
    setting: `${prefix}LDAP_BIND_PASS`,
    hint: `the password is wrong, or ${entry.LDAP_BIND_DN} is not the service account's DN`,
  });
}

/** `LDAP_SEARCH_USER_DN` exists; otherwise where the users most likely are. */
export async function checkUserSearchBase(
  context: DirectoryContext,
  reader: DirectoryReader,
): Promise<boolean> {
  const { entry, prefix, recorder } = context;
  const base = entry.LDAP_SEARCH_USER_DN;
  const outcome = await recorder.run('user-search-base', `User search base ${base}`, async () => {
    try {
      parseDn(base);
    } catch (error) {
      if (error instanceof DnSyntaxError)
        return failed(error.message, { setting: `${prefix}LDAP_SEARCH_USER_DN` });
      throw error;
    }
    if (await reader.exists(base)) return success(`${base} exists`);
    // Where the user being tested lives says most; then where entries of the user class live.
    const filters = [
      context.plan.userFilter(context.login).toString(),
      `(objectClass=${Filter.escape(entry.LDAP_OBJECT_CLASS_USER)})`,
      PERSON_FILTER,
    ];
    return explainMissingBase(reader, base, filters, `${prefix}LDAP_SEARCH_USER_DN`);
  });
  return outcome.status === 'success';
}

/**
 * A search base that does not exist: the nearest entry that does, what it holds, and (from the
 * entries matching `locate`) where the users or groups most likely live.
 */
export async function explainMissingBase(
  reader: DirectoryReader,
  base: string,
  locate: string[],
  setting: string,
): Promise<StepOutcome> {
  const nearest = await nearestExistingEntry(reader, base);
  if (!nearest.dn) {
    const suffixes = nearest.children;
    const located = suffixes[0] ? await containerOf(reader, suffixes[0], locate) : undefined;
    return failed(`${base} does not exist, nor does any entry above it`, {
      setting,
      hint: suffixes.length
        ? `this directory holds ${listForMessage(suffixes)}`
        : 'the directory does not list its naming contexts',
      ...optional('suggestion', located ?? suffixes[0]),
    });
  }
  const located = await containerOf(reader, nearest.dn, locate);
  const similar = childNearestTo(base, nearest.dn, nearest.children);
  return failed(`${base} does not exist`, {
    setting,
    hint: `the nearest existing entry is ${nearest.dn}, holding ${listForMessage(nearest.children)}`,
    ...optional('suggestion', similar ?? located ?? nearest.dn),
  });
}

/** The user search of the login path, run as the login runs it: exactly one entry, or why not. */
export async function findUser(
  context: DirectoryContext,
  reader: DirectoryReader,
): Promise<Entry | undefined> {
  const { entry, plan, prefix, login, recorder } = context;
  const filter = plan.userFilter(login);
  let found: Entry | undefined;
  await recorder.run('user-search', `User search ${filter.toString()}`, async () => {
    let entries: Entry[];
    try {
      entries = await searchUserEntries(reader.connection, plan, login);
    } catch (error) {
      const mapped = toDirectoryError(error, { step: 'user-search', dn: entry.LDAP_SEARCH_USER_DN });
      if (mapped.reason === 'invalid-filter') {
        return failed(`the directory refused the user search filter: ${mapped.detail}`, {
          setting: entry.LDAP_CUSTOM_USER_FILTER
            ? `${prefix}LDAP_CUSTOM_USER_FILTER`
            : `${prefix}LDAP_ATTR_USERNAME`,
        });
      }
      return failed(`the user search failed: ${mapped.detail}`);
    }
    if (entries.length === 1) {
      found = entries[0]!;
      return success(`found ${found.dn}`);
    }
    if (entries.length > 1) {
      // The login asks for two entries at most; list more of them for the administrator.
      const all = await reader
        .search(entry.LDAP_SEARCH_USER_DN, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 10 })
        .catch(() => entries);
      const dns = all.map((item) => item.dn);
      const containers = [...new Set(dns.map((dn) => dn.slice(dn.indexOf(',') + 1)))];
      return failed(
        `${dns.length}${dns.length >= 10 ? '+' : ''} entries match ${login}: ${listForMessage(dns)}`,
        {
          setting: `${prefix}LDAP_SEARCH_USER_DN`,
          hint: `the username is ambiguous, so its login is refused: narrow LDAP_SEARCH_USER_DN to one of ${listForMessage(containers)} or exclude entries with LDAP_CUSTOM_USER_FILTER`,
        },
      );
    }
    return explainNoUser(context, reader);
  });
  return found;
}

function loginFilter(context: DirectoryContext): string {
  const { entry, login, domain } = context;
  const names = [...new Set([...LOGIN_NAME_ATTRIBUTES, entry.LDAP_ATTR_USERNAME])];
  const clauses = names.map((name) => `(${name}=${Filter.escape(login)})`);
  for (const name of ['mail', 'userPrincipalName'])
    clauses.push(`(${name}=${Filter.escape(`${login}@${domain}`)})`);
  return `(|${clauses.join('')})`;
}

function valueMatches(candidate: Entry, attribute: string, login: string): boolean {
  return attributeStrings(candidate, attribute).some((value) => value.toLowerCase() === login.toLowerCase());
}

/** Zero entries: find the user by any login-like attribute and say which setting keeps them out. */
async function explainNoUser(context: DirectoryContext, reader: DirectoryReader): Promise<StepOutcome> {
  const { entry, prefix, login, domain } = context;
  const base = entry.LDAP_SEARCH_USER_DN;
  const userClass = entry.LDAP_OBJECT_CLASS_USER;
  const attribute = entry.LDAP_ATTR_USERNAME;
  const broad = loginFilter(context);
  const candidates = await reader.search(base, {
    scope: 'sub',
    filter: broad,
    attributes: ['*'],
    sizeLimit: 20,
  });

  if (candidates.length > 0) {
    const byAttribute = candidates.filter((candidate) => valueMatches(candidate, attribute, login));
    if (byAttribute.length > 0 && !byAttribute.some((candidate) => hasObjectClass(candidate, userClass))) {
      const classes = sharedUserObjectClasses(byAttribute);
      const first = byAttribute[0]!;
      return failed(
        `${first.dn} has ${attribute}=${login} but not objectClass ${userClass}; its classes: ${listForMessage(attributeStrings(first, 'objectClass'), 8)}`,
        { setting: `${prefix}LDAP_OBJECT_CLASS_USER`, ...optional('suggestion', classes[0]) },
      );
    }
    if (byAttribute.length > 0) {
      return failed(
        `${byAttribute[0]!.dn} matches class and ${attribute}, but LDAP_CUSTOM_USER_FILTER excludes it`,
        {
          setting: `${prefix}LDAP_CUSTOM_USER_FILTER`,
          hint: `the filter is ${entry.LDAP_CUSTOM_USER_FILTER ?? '(none)'}`,
        },
      );
    }
    const preferred = candidates.find((candidate) => hasObjectClass(candidate, userClass)) ?? candidates[0]!;
    const matching = loginAttributesMatching(preferred, login, domain);
    const classHint = hasObjectClass(preferred, userClass)
      ? ''
      : `; it also lacks objectClass ${userClass} (set LDAP_OBJECT_CLASS_USER to ${sharedUserObjectClasses([preferred])[0] ?? 'one of its classes'})`;
    const known = attributeSpelling(preferred, attribute) !== undefined;
    return failed(
      `no entry has ${attribute}=${login}, but ${preferred.dn} carries ${login} in ${listForMessage(matching)}`,
      {
        setting: `${prefix}LDAP_ATTR_USERNAME`,
        hint: `${known ? `its ${attribute} is ${listForMessage(attributeStrings(preferred, attribute), 2)}` : `the entry has no ${attribute} attribute`}${classHint}`,
        ...optional('suggestion', matching[0]),
      },
    );
  }

  // Nobody under the base: maybe elsewhere in the directory.
  const roots = await namingContexts(reader);
  for (const root of roots) {
    const elsewhere = await reader
      .search(root, { scope: 'sub', filter: broad, attributes: ['1.1'], sizeLimit: 5 })
      .catch(() => []);
    if (elsewhere.length > 0) {
      const where = elsewhere.map((item) => item.dn);
      return failed(`${login} is not under ${base}, but the directory has ${listForMessage(where)}`, {
        setting: `${prefix}LDAP_SEARCH_USER_DN`,
        hint: 'the user search only looks below LDAP_SEARCH_USER_DN',
        ...optional('suggestion', commonContainer([...where, `cn=x,${base}`])),
      });
    }
  }

  // Nobody anywhere: describe what the base does hold, to tell a typo from a wrong setting.
  const sample = await reader.search(base, {
    scope: 'sub',
    filter: '(objectClass=*)',
    attributes: ['objectClass', ...LOGIN_NAME_ATTRIBUTES, attribute],
    sizeLimit: SAMPLE_SIZE,
  });
  const withClass = sample.filter((item) => hasObjectClass(item, userClass));
  const classes = countObjectClasses(sample).map((item) => `${item.name} (${item.count})`);
  if (withClass.length === 0) {
    const people = sample.filter((item) =>
      LOGIN_NAME_ATTRIBUTES.some((name) => attributeSpelling(item, name)),
    );
    return failed(`no entry under ${base} has objectClass ${userClass}`, {
      setting: `${prefix}LDAP_OBJECT_CLASS_USER`,
      hint: `object classes under the base: ${listForMessage(classes, 8)}`,
      ...optional('suggestion', sharedUserObjectClasses(people)[0]),
    });
  }
  const withAttribute = withClass.filter((item) => attributeSpelling(item, attribute) !== undefined);
  if (withAttribute.length === 0) {
    const counts = LOGIN_NAME_ATTRIBUTES.map((name) => ({
      name,
      count: withClass.filter((item) => attributeSpelling(item, name) !== undefined).length,
    })).filter((item) => item.count > 0);
    counts.sort((a, b) => b.count - a.count);
    return failed(`no ${userClass} entry under ${base} carries ${attribute}`, {
      setting: `${prefix}LDAP_ATTR_USERNAME`,
      hint: `login-like attributes on these entries: ${listForMessage(counts.map((item) => `${item.name} (${item.count})`))}`,
      ...optional('suggestion', counts[0]?.name),
    });
  }
  const examples = withAttribute.slice(0, 3).flatMap((item) => attributeStrings(item, attribute).slice(0, 1));
  return failed(
    `no user ${login} under ${base} (searched ${attribute} and ${LOGIN_NAME_ATTRIBUTES.join(', ')})`,
    {
      hint: `the settings fit the directory (${withAttribute.length}${withAttribute.length >= SAMPLE_SIZE ? '+' : ''} ${userClass} entries with ${attribute}, for example ${listForMessage(examples)}): check the username`,
    },
  );
}

/** Username, GUID and e-mail of the found user, read as the login reads them. */
export async function checkUserAttributes(
  context: DirectoryContext,
  reader: DirectoryReader,
  user: Entry,
): Promise<UserProfile | undefined> {
  const { entry, plan, prefix, login, recorder } = context;
  let profile: UserProfile | undefined;
  await recorder.run('user-attributes', 'User attributes (username, GUID, e-mail)', async () => {
    try {
      profile = readUserProfile(plan, user, login);
    } catch (error) {
      const mapped = toDirectoryError(error, { step: 'user-search', dn: user.dn });
      if (mapped.reason !== 'guid-missing') return failed(mapped.detail ?? mapped.message);
      const everything = await reader.read(user.dn).catch(() => undefined);
      const suggestion = everything ? suggestGuidAttribute(everything) : undefined;
      return failed(`${user.dn} has no ${entry.LDAP_ATTR_GUID}, the stable id accounts are keyed by`, {
        setting: `${prefix}LDAP_ATTR_GUID`,
        hint: suggestion
          ? `the entry carries ${suggestion} (${suggestion.toLowerCase() === 'objectguid' ? 'Active Directory' : 'OpenLDAP'} style)`
          : 'the entry carries none of the usual id attributes (objectGUID, entryUUID, nsUniqueId)',
        ...optional('suggestion', suggestion),
      });
    }
    const parts = [
      `username ${profile.username} (${entry.LDAP_ATTR_USERNAME})`,
      `GUID ${profile.guid} (${entry.LDAP_ATTR_GUID})`,
      profile.email
        ? `e-mail ${profile.email} (${entry.LDAP_ATTR_EMAIL})`
        : `no e-mail (${entry.LDAP_ATTR_EMAIL} is empty)`,
    ];
    if (profile.email) return success(parts.join(', '));
    // No e-mail is fine for a login; say where an address may be hiding.
    const everything = await reader.read(user.dn).catch(() => undefined);
    const alternatives = everything ? emailLikeAttributes(everything) : [];
    return success(parts.join(', '), {
      ...(alternatives.length > 0
        ? {
            hint: `${listForMessage(alternatives)} holds an address: set LDAP_ATTR_EMAIL to it if that is the e-mail`,
            setting: `${prefix}LDAP_ATTR_EMAIL`,
            suggestion: alternatives[0]!,
          }
        : {}),
    });
  });
  return profile;
}

/**
 * Active Directory's domain-wide lockout threshold (readable by any account), compared with the
 * login throttle. Never fails the run: the login works either way, and a bind that would lock an
 * account is not sent (see lockout-guard.ts); the message says what an administrator should know.
 */
export async function checkLockoutThreshold(
  context: DirectoryContext,
  reader: DirectoryReader,
): Promise<void> {
  const { recorder } = context;
  await recorder.run('lockout', 'Lockout threshold', async () => {
    try {
      return await lockoutOutcome(context, reader);
    } catch (error) {
      return skipped(`cannot read the lockout threshold: ${(error as Error).message}`);
    }
  });
}

async function lockoutOutcome(context: DirectoryContext, reader: DirectoryReader): Promise<StepOutcome> {
  const { plan, usernameFailureLimit } = context;
  const rootDse = await readRootDse(reader.connection);
  if (!rootDse.isActiveDirectory) return skipped('not Active Directory: no lockoutThreshold to read');
  const domainDn = rootDse.defaultNamingContext;
  const policy =
    domainDn === null ? undefined : await new LockoutPolicies().read(reader.connection, plan, domainDn);
  const limit =
    usernameFailureLimit === undefined
      ? ''
      : ` (LOGIN_THROTTLE_USERNAME_FAILURES is ${usernameFailureLimit})`;
  if (policy === undefined) {
    return skipped(
      `cannot read lockoutThreshold of ${domainDn ?? 'the domain'} as the service account${limit}: keep LOGIN_THROTTLE_USERNAME_FAILURES below the directory's threshold yourself`,
    );
  }
  if (policy.threshold === 0)
    return success(`the domain never locks accounts (lockoutThreshold 0 on ${policy.source})`);
  const above = usernameFailureLimit !== undefined && usernameFailureLimit >= policy.threshold;
  return success(
    `lockoutThreshold ${policy.threshold} on ${policy.source}${limit}; password settings objects may set lower thresholds for some users`,
    above
      ? {
          setting: 'LOGIN_THROTTLE_USERNAME_FAILURES',
          suggestion: String(Math.max(1, policy.threshold - 1)),
          hint: `warning: LOGIN_THROTTLE_USERNAME_FAILURES does not stay below the lockout threshold: set it to ${Math.max(1, policy.threshold - 1)} or less (logins are still never sent when one more wrong password would lock the account)`,
        }
      : {},
  );
}
