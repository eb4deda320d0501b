import { distance } from 'fastest-levenshtein';

/**
 * The known name closest to a misspelt one, or undefined when none is close enough to be a
 * plausible typo. Comparison ignores case, so `ldap_url` suggests `LDAP_URL`.
 *
 * A suggestion is offered when the edit distance is at most a third of the name's length
 * (and at least 2 edits are allowed), which catches dropped, doubled and swapped letters
 * without proposing unrelated keys.
 */
export function suggestKey(unknown: string, known: Iterable<string>): string | undefined {
  const wanted = unknown.toUpperCase();
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const edits = distance(wanted, candidate.toUpperCase());
    if (edits < bestDistance) {
      best = candidate;
      bestDistance = edits;
    }
  }
  return bestDistance <= budget ? best : undefined;
}
