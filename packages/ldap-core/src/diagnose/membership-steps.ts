import { closestNames } from '@ldap-login/config-schema';
import { type Entry, Filter } from 'ldapts';
import { readRootDse } from '../connection/root-dse.ts';
import { attributeStrings } from '../entries/attributes.ts';
import { AccountRestrictedError, isDirectoryError, NotPermittedError } from '../errors/errors.ts';
import { type DirectoryGroup, memberValuesOf, resolveGroups } from '../groups/groups.ts';
import { checkRequiredAttributes, checkRequiredGroups } from '../login/access-rules.ts';
import { assertPasswordGiven } from '../login/login-input.ts';
import { bindAsUser } from '../login/user-bind.ts';
import { GROUP_FILTER, SAMPLE_SIZE } from './directory-probes.ts';
import { DirectoryReader } from './directory-reader.ts';
import { type DirectoryContext, explainMissingBase } from './directory-steps.ts';
import { failed, type StepOutcome, skipped, success } from './step-recorder.ts';
import {
  type GroupSettingsSuggestion,
  hasObjectClass,
  listForMessage,
  suggestGroupSettings,
} from './suggestions.ts';

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

function groupNames(groups: DirectoryGroup[]): string {
  return listForMessage(
    groups.map((group) => group.name),
    8,
  );
}

/** Groups under the group base, to see which shape (class and member attribute) they have. */
async function sampleGroups(reader: DirectoryReader, base: string): Promise<Entry[]> {
  return reader
    .search(base, { scope: 'sub', filter: GROUP_FILTER, attributes: ['objectClass'], sizeLimit: SAMPLE_SIZE })
    .catch(() => []);
}

function describeShape(shape: GroupSettingsSuggestion): string {
  return `LDAP_OBJECT_CLASS_GROUP: ${shape.LDAP_OBJECT_CLASS_GROUP}, LDAP_ATTR_MEMBERS: ${shape.LDAP_ATTR_MEMBERS}, LDAP_MEMBER_ATTRIBUTE: ${shape.LDAP_MEMBER_ATTRIBUTE}`;
}

/**
 * The user's groups, resolved exactly as the login resolves them; when there are none, whether
 * that is the truth or a setting that does not fit (no memberOf anywhere, another group shape).
 * Returns the groups, or undefined after an error.
 */
export async function checkGroups(
  context: DirectoryContext,
  reader: DirectoryReader,
  user: Entry,
): Promise<DirectoryGroup[] | undefined> {
  const { entry, plan, recorder } = context;
  let groups: DirectoryGroup[] | undefined;
  const title = entry.LDAP_MEMBER_OF_OVERLAY
    ? `Groups from ${entry.LDAP_ATTR_GROUPS}`
    : `Groups under ${entry.LDAP_SEARCH_GROUP_DN} by ${entry.LDAP_ATTR_MEMBERS}`;
  await recorder.run('groups', title, async () => {
    if (!entry.LDAP_MEMBER_OF_OVERLAY && !(await reader.exists(entry.LDAP_SEARCH_GROUP_DN))) {
      const filters = [`(objectClass=${Filter.escape(entry.LDAP_OBJECT_CLASS_GROUP)})`, GROUP_FILTER];
      return explainMissingBase(
        reader,
        entry.LDAP_SEARCH_GROUP_DN,
        filters,
        `${context.prefix}LDAP_SEARCH_GROUP_DN`,
      );
    }
    let resolved: DirectoryGroup[];
    try {
      const rootDse = entry.LDAP_NESTED_GROUPS ? await readRootDse(reader.connection) : undefined;
      resolved = await resolveGroups(reader.connection, plan, user, rootDse);
    } catch (error) {
      if (!isDirectoryError(error)) throw error;
      return failed(`the group search failed: ${error.detail ?? error.message}`, {
        ...(entry.LDAP_CUSTOM_GROUP_FILTER ? { setting: `${context.prefix}LDAP_CUSTOM_GROUP_FILTER` } : {}),
      });
    }
    if (resolved.length > 0) {
      groups = resolved;
      return success(`member of ${resolved.length}: ${groupNames(resolved)}`);
    }
    const outcome = entry.LDAP_MEMBER_OF_OVERLAY
      ? await explainNoMemberOf(context, reader)
      : await explainNoGroupFound(context, reader, user);
    if (outcome.status === 'success') groups = [];
    return outcome;
  });
  return groups;
}

/** memberOf mode, no group on the user: is the attribute missing from the whole directory? */
async function explainNoMemberOf(context: DirectoryContext, reader: DirectoryReader): Promise<StepOutcome> {
  const { entry, prefix } = context;
  const attribute = entry.LDAP_ATTR_GROUPS;
  const anyone = await reader
    .search(entry.LDAP_SEARCH_USER_DN, {
      scope: 'sub',
      filter: `(${attribute}=*)`,
      attributes: ['1.1'],
      sizeLimit: 1,
    })
    .catch(() => []);
  if (anyone.length > 0)
    return success(`member of no group (${attribute} is empty for this user; other users have it)`);
  const shape = suggestGroupSettings(await sampleGroups(reader, entry.LDAP_SEARCH_GROUP_DN));
  return failed(
    `no user under ${entry.LDAP_SEARCH_USER_DN} carries ${attribute}: this directory has no memberOf overlay (or hides ${attribute} from the service account)`,
    {
      setting: `${prefix}LDAP_MEMBER_OF_OVERLAY`,
      suggestion: 'False',
      hint: shape
        ? `with False, groups are searched under LDAP_SEARCH_GROUP_DN; ${shape.groups} groups there fit ${describeShape(shape)}`
        : `with False, groups are searched under LDAP_SEARCH_GROUP_DN (${entry.LDAP_SEARCH_GROUP_DN} shows no groups)`,
    },
  );
}

/** Search mode, no group found: is the user in none, or do the settings not fit the groups there? */
async function explainNoGroupFound(
  context: DirectoryContext,
  reader: DirectoryReader,
  user: Entry,
): Promise<StepOutcome> {
  const { entry, plan, prefix } = context;
  const base = entry.LDAP_SEARCH_GROUP_DN;
  const sample = await sampleGroups(reader, base);
  const shape = suggestGroupSettings(sample);
  const values = memberValuesOf(plan, user);
  if (values.length === 0) {
    return failed(`${user.dn} has no ${entry.LDAP_MEMBER_ATTRIBUTE}, the value groups are searched by`, {
      setting: `${prefix}LDAP_MEMBER_ATTRIBUTE`,
      ...optional('suggestion', shape?.LDAP_MEMBER_ATTRIBUTE),
      ...(shape ? { hint: `groups under ${base} fit ${describeShape(shape)}` } : {}),
    });
  }
  if (shape && !sample.some((group) => hasObjectClass(group, entry.LDAP_OBJECT_CLASS_GROUP))) {
    return failed(`no group under ${base} has objectClass ${entry.LDAP_OBJECT_CLASS_GROUP}`, {
      setting: `${prefix}LDAP_OBJECT_CLASS_GROUP`,
      suggestion: shape.LDAP_OBJECT_CLASS_GROUP,
      hint: `${shape.groups} groups there fit ${describeShape(shape)}`,
    });
  }
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (
    shape &&
    same(shape.LDAP_OBJECT_CLASS_GROUP, entry.LDAP_OBJECT_CLASS_GROUP) &&
    (!same(shape.LDAP_ATTR_MEMBERS, entry.LDAP_ATTR_MEMBERS) ||
      !same(shape.LDAP_MEMBER_ATTRIBUTE, entry.LDAP_MEMBER_ATTRIBUTE))
  ) {
    const membersWrong = !same(shape.LDAP_ATTR_MEMBERS, entry.LDAP_ATTR_MEMBERS);
    const by = shape.LDAP_MEMBER_ATTRIBUTE === 'dn' ? 'DN' : shape.LDAP_MEMBER_ATTRIBUTE;
    return failed(
      `no ${entry.LDAP_OBJECT_CLASS_GROUP} under ${base} lists ${values[0]} in ${entry.LDAP_ATTR_MEMBERS}; these groups list members in ${shape.LDAP_ATTR_MEMBERS} by ${by}`,
      {
        setting: `${prefix}${membersWrong ? 'LDAP_ATTR_MEMBERS' : 'LDAP_MEMBER_ATTRIBUTE'}`,
        suggestion: membersWrong ? shape.LDAP_ATTR_MEMBERS : shape.LDAP_MEMBER_ATTRIBUTE,
        hint: `groups under ${base} fit ${describeShape(shape)}`,
      },
    );
  }
  return success(`member of no group (no ${entry.LDAP_OBJECT_CLASS_GROUP} under ${base} lists ${values[0]})`);
}

/** Binds as the user on a fresh connection, exactly as the login does; never with an empty password. */
export async function checkUserBind(
  context: DirectoryContext,
  user: Entry,
  password: string,
): Promise<boolean> {
  const { recorder, target, settings, domain } = context;
  const outcome = await recorder.run('user-bind', `User bind as ${user.dn}`, async () => {
    try {
      assertPasswordGiven(password, domain);
    } catch {
      return failed(
        'the password is empty: a login never sends it (a directory may take it for an anonymous bind)',
      );
    }
    let reader: DirectoryReader | undefined;
    try {
      reader = await DirectoryReader.open(target.url, settings);
      await bindAsUser(reader.connection, user.dn, password, domain);
      return success(`the directory accepted the password for ${user.dn}`);
    } catch (error) {
      if (!isDirectoryError(error)) throw error;
      if (error.code === 'INVALID_CREDENTIALS') {
        return failed(`the directory refused the password for ${user.dn} (invalid credentials)`, {
          hint: 'the password is wrong; every setting checked so far fits this directory',
        });
      }
      if (error instanceof AccountRestrictedError) {
        const code = error.adSubCode ? `, Active Directory code ${error.adSubCode}` : '';
        return failed(`the directory refused ${user.dn}: ${error.reason}${code}`, {
          hint: restrictionHint(error),
        });
      }
      return failed(`the user bind failed: ${error.detail ?? error.message}`);
    } finally {
      reader?.close();
    }
  });
  return outcome.status === 'success';
}

/** What the user or an administrator can do about a restricted account. */
export function restrictionHint(error: AccountRestrictedError): string {
  switch (error.reason) {
    case 'password-must-change':
    case 'password-expired':
      // AD 773 / 532: the password was right; only a new one is missing.
      return "the password is right but must be changed: the user can change it (at a Windows logon or the directory's password page), then log in with the new one";
    case 'account-locked':
      return 'the account is locked after too many wrong passwords: it unlocks after the lockout duration, or an administrator unlocks it';
    case 'logon-hours':
      return 'the account may not log on at this time (logonHours): try within its hours, or an administrator changes them';
    default:
      return 'the account itself cannot log in now; an administrator of the directory has to change it';
  }
}

/** `LDAP_REQUIRED_GROUP`: the user must be in at least one; otherwise which they lack and which they have. */
export async function checkRequiredGroup(
  context: DirectoryContext,
  reader: DirectoryReader,
  user: Entry,
  groups: DirectoryGroup[],
): Promise<boolean> {
  const { entry, plan, prefix, recorder, login } = context;
  const required = entry.LDAP_REQUIRED_GROUP;
  const outcome = await recorder.run('required-group', 'Required group', async () => {
    if (required.length === 0) return skipped('LDAP_REQUIRED_GROUP is empty: no group is required');
    try {
      checkRequiredGroups(plan, user.dn, groups);
      return success(`member of a required group (${listForMessage(required, 3)})`);
    } catch (error) {
      if (!(error instanceof NotPermittedError)) throw error;
    }
    const missing: string[] = [];
    for (const dn of required.slice(0, 10)) {
      if (!(await reader.exists(dn).catch(() => true))) missing.push(dn);
    }
    let hint = `${login} is in ${groups.length === 0 ? 'no group' : groupNames(groups)}`;
    let suggestion: string | undefined;
    if (missing.length > 0) {
      const existing = (await sampleGroups(reader, entry.LDAP_SEARCH_GROUP_DN)).map((group) => group.dn);
      suggestion = closestNames(missing[0]!, existing, 1)[0];
      hint += `; ${listForMessage(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist`;
    }
    return failed(`${login} is in none of the required groups: ${listForMessage(required)}`, {
      setting: `${prefix}LDAP_REQUIRED_GROUP`,
      hint,
      ...optional('suggestion', suggestion),
    });
  });
  return outcome.status !== 'error';
}

/** `LDAP_REQUIRED_ATTRIBUTE`: every `[attribute, value]` must hold (`*`: present). */
export async function checkRequiredAttribute(context: DirectoryContext, user: Entry): Promise<boolean> {
  const { entry, plan, prefix, recorder, login } = context;
  const required = entry.LDAP_REQUIRED_ATTRIBUTE;
  const outcome = await recorder.run('required-attribute', 'Required attributes', () => {
    if (required.length === 0) return skipped('LDAP_REQUIRED_ATTRIBUTE is empty: no attribute is required');
    try {
      checkRequiredAttributes(plan, user);
      return success(`${login} has ${required.map(([name, value]) => `${name}=${value}`).join(', ')}`);
    } catch (error) {
      if (!(error instanceof NotPermittedError)) throw error;
    }
    const lines = required.map(([name, value]) => {
      const has = attributeStrings(user, name);
      return `${name}: required ${value}, ${has.length > 0 ? `has ${listForMessage(has, 3)}` : 'absent'}`;
    });
    return failed(`${login} does not meet LDAP_REQUIRED_ATTRIBUTE`, {
      setting: `${prefix}LDAP_REQUIRED_ATTRIBUTE`,
      hint: lines.join('; '),
    });
  });
  return outcome.status !== 'error';
}
