import { distance } from 'fastest-levenshtein';

/**
 * "Did you mean": the known names closest to a misspelt one, closest first (ties alphabetically),
 * at most `limit` of them. Comparison ignores case, so `ldap_url` finds `LDAP_URL`.
 *
 * A name counts as close when the edit distance is at most a third of the misspelt name's length
 * (and at least 2 edits are allowed), which catches dropped, doubled and swapped letters without
 * proposing unrelated names. Settings keys use it here; `testldap` uses it for attribute names and DNs.
 *
 * @example
 * closestNames('cn=admin', ['cn=admins', 'cn=staff', 'cn=adm']) // ['cn=admins', 'cn=adm']
 */
export function closestNames(misspelt: string, known: Iterable<string>, limit = 3): string[] {
  const wanted = misspelt.toUpperCase();
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  return [...known]
    .map((candidate) => ({ candidate, edits: distance(wanted, candidate.toUpperCase()) }))
    .filter(({ edits }) => edits <= budget)
    .sort((a, b) => a.edits - b.edits || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/** The one known name closest to a misspelt key, or undefined when none is close enough. */
export function suggestKey(unknown: string, known: Iterable<string>): string | undefined {
  return closestNames(unknown, known, 1)[0];
}
