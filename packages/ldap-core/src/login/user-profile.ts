import type { Entry } from 'ldapts';
import { attributeStrings, attributeValues } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { guidFromAttributeValue } from '../entries/guid.ts';
import { DirectoryMisconfiguredError } from '../errors/errors.ts';

/** Who a directory entry is: the stable id, the canonical username and the e-mail. */
export interface UserProfile {
  dn: string;
  guid: string;
  /** The directory's value of `LDAP_ATTR_USERNAME` + `@` + domain, lowercase. */
  username: string;
  email: string | null;
}

/**
 * Reads the profile from the user search's entry. The GUID is required (accounts are keyed by
 * it): without one the settings name the wrong `LDAP_ATTR_GUID`. Among several username values
 * the one the user typed wins; among several e-mails the first.
 */
export function readUserProfile(plan: EntryPlan, entry: Entry, typedName: string): UserProfile {
  const { entry: settings } = plan;
  const guidValue = attributeValues(entry, settings.LDAP_ATTR_GUID)
    .map((value) => guidFromAttributeValue(value))
    .find((value) => value !== null);
  if (!guidValue) {
    throw new DirectoryMisconfiguredError('guid-missing', {
      detail: `LDAP_ATTR_GUID "${settings.LDAP_ATTR_GUID}" has no value on ${entry.dn}`,
      domain: plan.domain,
    });
  }

  const names = attributeStrings(entry, settings.LDAP_ATTR_USERNAME);
  const typed = typedName.toLowerCase();
  const name = names.find((value) => value.toLowerCase() === typed) ?? names[0] ?? typedName;

  // A userPrincipalName already ends with the domain: gina@corp.test, not gina@corp.test@corp.test.
  const qualified = name.toLowerCase().endsWith(`@${plan.domain}`) ? name : `${name}@${plan.domain}`;
  return {
    dn: entry.dn,
    guid: guidValue,
    username: qualified.toLowerCase(),
    email: attributeStrings(entry, settings.LDAP_ATTR_EMAIL)[0] ?? null,
  };
}
