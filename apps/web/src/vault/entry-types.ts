/**
 * The entry types this client edits, with Psono's field names (its `item-blueprint.js` and entry
 * dialogs). Every other type is shown read-only; its fields are kept as stored.
 */

import { toHex, utf8 } from '@ldap-login/protocol';
import { sha1 } from '@noble/hashes/legacy.js';
import type { SecretFields } from './datastore-codec.ts';
import type { VaultItem } from './tree.ts';

export type EditableType = 'website_password' | 'note';

export interface EditableFields {
  title: string;
  url: string;
  username: string;
  password: string;
  notes: string;
}

export const EMPTY_FIELDS: EditableFields = { title: '', url: '', username: '', password: '', notes: '' };

export function isEditableType(type: unknown): type is EditableType {
  return type === 'website_password' || type === 'note';
}

function text(fields: SecretFields, key: string): string {
  const value = fields[key];
  return typeof value === 'string' ? value : '';
}

/** The form's view of a stored secret. */
export function readFields(type: EditableType, fields: SecretFields): EditableFields {
  if (type === 'note')
    return { ...EMPTY_FIELDS, title: text(fields, 'note_title'), notes: text(fields, 'note_notes') };
  return {
    title: text(fields, 'website_password_title'),
    url: text(fields, 'website_password_url'),
    username: text(fields, 'website_password_username'),
    password: text(fields, 'website_password_password'),
    notes: text(fields, 'website_password_notes'),
  };
}

/** Host of a URL, Psono's `urlfilter` (what its browser extension matches pages against). */
export function urlFilterOf(url: string): string | undefined {
  try {
    const parsed = new URL(url.includes('://') ? url : `https://${url}`);
    return parsed.host || undefined;
  } catch {
    return undefined;
  }
}

function setOrDrop(target: Record<string, unknown>, key: string, value: string): void {
  if (value === '') delete target[key];
  else target[key] = value;
}

/**
 * The stored secret after an edit: the form's fields written over the previous secret, so that
 * fields this client does not edit (TOTP, custom fields, tags, ...) stay.
 */
export function writeFields(
  type: EditableType,
  form: EditableFields,
  previous: SecretFields = {},
): SecretFields {
  const next: SecretFields = { ...previous };
  if (type === 'note') {
    next.note_title = form.title;
    setOrDrop(next, 'note_notes', form.notes);
    return next;
  }
  next.website_password_title = form.title;
  setOrDrop(next, 'website_password_url', form.url);
  setOrDrop(next, 'website_password_username', form.username);
  setOrDrop(next, 'website_password_password', form.password);
  setOrDrop(next, 'website_password_notes', form.notes);
  const filter = form.url ? urlFilterOf(form.url) : undefined;
  if (filter) next.website_password_url_filter = filter;
  else delete next.website_password_url_filter;
  if (next.website_password_auto_submit === undefined) next.website_password_auto_submit = false;
  if (next.website_password_allow_http === undefined) next.website_password_allow_http = false;
  return next;
}

/**
 * What the datastore's item shows without opening the secret, as Psono's client writes it: name,
 * the username as description, the URL filter and the first five hex digits of the password's SHA-1
 * (its breach check).
 */
export function itemSummary(type: EditableType, form: EditableFields): Partial<VaultItem> {
  if (type === 'note') return { name: form.title };
  const filter = form.url ? urlFilterOf(form.url) : undefined;
  return {
    name: form.title,
    description: form.username === '' ? undefined : form.username,
    urlfilter: filter,
    password_hash: form.password === '' ? '' : toHex(sha1(utf8(form.password))).slice(0, 5),
  };
}

/** Field names of read-only types whose values stay hidden until revealed. */
export function isSecretFieldName(key: string): boolean {
  return /password|private|pin|cvc|code|secret|key/i.test(key);
}
