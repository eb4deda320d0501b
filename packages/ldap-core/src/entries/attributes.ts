import type { Entry } from 'ldapts';

/**
 * Reading attributes of a search entry. ldapts returns a single value as a scalar and several as
 * an array, keyed by the attribute name as the server spelt it; these helpers hide both.
 */

type AttributeValue = string | Buffer;

/** Each entry's values by lowercase attribute name, built on first use: a login reads several attributes. */
const indexes = new WeakMap<Entry, Map<string, AttributeValue[]>>();

function indexOf(entry: Entry): Map<string, AttributeValue[]> {
  let index = indexes.get(entry);
  if (index === undefined) {
    index = new Map();
    for (const key of Object.keys(entry)) {
      if (key === 'dn') continue;
      const raw = entry[key]!;
      const base = (key.includes(';') ? key.slice(0, key.indexOf(';')) : key).toLowerCase();
      const values = index.get(base) ?? [];
      if (Array.isArray(raw)) {
        for (const value of raw) values.push(value);
      } else {
        values.push(raw);
      }
      index.set(base, values);
    }
    indexes.set(entry, index);
  }
  return index;
}

/** Every value of `name` (matched case-insensitively, ignoring `;options` such as `;binary`), as sent. */
export function attributeValues(entry: Entry, name: string): AttributeValue[] {
  return indexOf(entry).get(name.toLowerCase())?.slice() ?? [];
}

/** Every value of `name` as text (binary values decoded as UTF-8), empty strings dropped. */
export function attributeStrings(entry: Entry, name: string): string[] {
  return attributeValues(entry, name)
    .map((value) => (typeof value === 'string' ? value : value.toString('utf8')))
    .filter((value) => value !== '');
}

/** True when the entry carries `name` with at least one value. */
export function hasAttribute(entry: Entry, name: string): boolean {
  return attributeValues(entry, name).some((value) => value.length > 0);
}

/** Attribute descriptions as RFC 4512 allows them: a name or an OID, optionally with `;options`. */
const ATTRIBUTE_DESCRIPTION = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)(;[A-Za-z0-9-]+)*$/;

export function isValidAttributeName(name: string): boolean {
  return ATTRIBUTE_DESCRIPTION.test(name);
}
