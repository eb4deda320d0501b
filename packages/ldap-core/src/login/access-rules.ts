import type { Entry } from 'ldapts';
import { attributeStrings, hasAttribute } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { NotPermittedError } from '../errors/errors.ts';
import { type DirectoryGroup, groupKey } from '../groups/groups.ts';

/**
 * Who may log in beyond having the right password: `LDAP_REQUIRED_GROUP` (member of at least one
 * of the groups, DNs compared after normalisation) and `LDAP_REQUIRED_ATTRIBUTE` (every listed
 * attribute has the value, compared case-insensitively; `*` means any value).
 */

/** Throws `NotPermittedError('required-group')` unless the user is in one of the required groups. */
export function checkRequiredGroups(
  plan: EntryPlan,
  userDn: string,
  groups: readonly DirectoryGroup[],
): void {
  if (plan.requiredGroups.length === 0) return;
  const member = groups.some((group) => plan.requiredGroups.includes(groupKey(group.dn)));
  if (!member) {
    throw new NotPermittedError('required-group', {
      detail: `${userDn} is in none of LDAP_REQUIRED_GROUP (${plan.entry.LDAP_REQUIRED_GROUP.join(' | ')})`,
      domain: plan.domain,
    });
  }
}

/** Throws `NotPermittedError('required-attribute')` for the first requirement the entry does not meet. */
export function checkRequiredAttributes(plan: EntryPlan, userEntry: Entry): void {
  for (const [name, wanted] of plan.entry.LDAP_REQUIRED_ATTRIBUTE) {
    const met =
      wanted === '*'
        ? hasAttribute(userEntry, name)
        : attributeStrings(userEntry, name).some((value) => value.toLowerCase() === wanted.toLowerCase());
    if (!met) {
      throw new NotPermittedError('required-attribute', {
        detail: `${userEntry.dn} lacks ${name}=${wanted} (LDAP_REQUIRED_ATTRIBUTE)`,
        domain: plan.domain,
      });
    }
  }
}
