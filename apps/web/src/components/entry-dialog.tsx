import { createResource, createSignal, createUniqueId, For, Match, Show, Switch } from 'solid-js';
import { t } from '../i18n/i18n.ts';
import type { SecretFields } from '../vault/datastore-codec.ts';
import {
  type EditableFields,
  type EditableType,
  EMPTY_FIELDS,
  isEditableType,
  isSecretFieldName,
  readFields,
} from '../vault/entry-types.ts';
import type { VaultItem } from '../vault/tree.ts';
import { Dialog } from './dialog.tsx';
import { PasswordGeneratorPanel } from './password-generator-panel.tsx';

export interface EntryDialogProps {
  /** undefined: a new entry */
  item?: VaultItem;
  readSecret?: (item: VaultItem) => Promise<SecretFields>;
  onSave: (type: EditableType, form: EditableFields, previous: SecretFields) => Promise<void>;
  onCopy: (what: 'username' | 'password', value: string) => void;
  onClose: () => void;
  /** an entry of a share the user may only read: shown, never edited */
  readOnlyShare?: boolean;
}

function typeLabel(type: string | undefined): string {
  if (type === 'website_password') return t('entry.type.website_password');
  if (type === 'note') return t('entry.type.note');
  return t('entry.type.other', { type: type ?? '?' });
}

/** Creates or edits a website password or a note; shows any other type read-only. */
export function EntryDialog(props: EntryDialogProps) {
  const [secret] = createResource(
    () => props.item,
    (item) => props.readSecret?.(item) ?? Promise.resolve({}),
  );
  const editable = () =>
    props.item === undefined || (isEditableType(props.item.type) && props.readOnlyShare !== true);
  const title = () =>
    props.item === undefined
      ? t('entry.newTitle')
      : editable()
        ? t('entry.editTitle')
        : (props.item.name ?? '');
  return (
    <Dialog title={title()} description={null} onCancel={props.onClose}>
      <Switch>
        <Match when={props.item === undefined}>
          <EntryForm previous={{}} onSave={props.onSave} onCopy={props.onCopy} onClose={props.onClose} />
        </Match>
        <Match when={secret.error}>
          <p class="field-error" role="alert">
            {t('vault.openFailed', { reason: String(secret.error?.message ?? secret.error) })}
          </p>
        </Match>
        <Match when={secret.loading}>
          <p class="muted" role="status">
            {t('app.loading')}
          </p>
        </Match>
        <Match when={editable() && secret()}>
          {(fields) => (
            <EntryForm
              type={props.item?.type as EditableType}
              previous={fields()}
              onSave={props.onSave}
              onCopy={props.onCopy}
              onClose={props.onClose}
            />
          )}
        </Match>
        <Match when={secret()}>
          {(fields) => (
            <ReadOnlyFields
              type={props.item?.type}
              fields={fields()}
              notice={props.readOnlyShare ? t('vault.readOnlyShare') : t('vault.readOnly')}
              onClose={props.onClose}
            />
          )}
        </Match>
      </Switch>
    </Dialog>
  );
}

function EntryForm(props: {
  type?: EditableType;
  previous: SecretFields;
  onSave: EntryDialogProps['onSave'];
  onCopy: EntryDialogProps['onCopy'];
  onClose: () => void;
}) {
  const [type, setType] = createSignal<EditableType>(props.type ?? 'website_password');
  const [form, setForm] = createSignal<EditableFields>(
    props.type ? readFields(props.type, props.previous) : { ...EMPTY_FIELDS },
  );
  const [reveal, setReveal] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const ids = {
    type: createUniqueId(),
    title: createUniqueId(),
    url: createUniqueId(),
    user: createUniqueId(),
    pass: createUniqueId(),
    notes: createUniqueId(),
    error: createUniqueId(),
  };
  const set = (key: keyof EditableFields) => (event: { currentTarget: { value: string } }) =>
    setForm((current) => ({ ...current, [key]: event.currentTarget.value }));

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    if (form().title.trim() === '') {
      setError(t('entry.titleRequired'));
      document.getElementById(ids.title)?.focus();
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      await props.onSave(type(), { ...form(), title: form().title.trim() }, props.previous);
    } catch (failure) {
      setError(
        t('vault.saveFailed', { reason: failure instanceof Error ? failure.message : String(failure) }),
      );
      setBusy(false);
    }
  };

  return (
    <form class="dialog-form entry-form" onSubmit={submit} novalidate>
      <Show when={props.type === undefined}>
        <div class="field">
          <label class="field-label" for={ids.type}>
            {t('entry.type')}
          </label>
          <select
            id={ids.type}
            class="input"
            value={type()}
            onChange={(event) => setType(event.currentTarget.value as EditableType)}
          >
            <option value="website_password">{t('entry.type.website_password')}</option>
            <option value="note">{t('entry.type.note')}</option>
          </select>
        </div>
      </Show>
      <div class="field">
        <label class="field-label" for={ids.title}>
          {t('entry.title')}
        </label>
        <input
          id={ids.title}
          class="input"
          data-autofocus
          autocomplete="off"
          value={form().title}
          onInput={set('title')}
          aria-invalid={error() === t('entry.titleRequired')}
          aria-describedby={error() ? ids.error : undefined}
        />
      </div>
      <Show when={type() === 'website_password'}>
        <div class="field">
          <label class="field-label" for={ids.url}>
            {t('entry.url')}
          </label>
          <input
            id={ids.url}
            class="input"
            type="url"
            autocomplete="off"
            value={form().url}
            onInput={set('url')}
          />
        </div>
        <div class="field">
          <label class="field-label" for={ids.user}>
            {t('entry.username')}
          </label>
          <div class="input-group">
            <input
              id={ids.user}
              class="input"
              autocomplete="off"
              value={form().username}
              onInput={set('username')}
            />
            <button
              type="button"
              class="button secondary small"
              disabled={form().username === ''}
              onClick={() => props.onCopy('username', form().username)}
            >
              {t('vault.copyUsername')}
            </button>
          </div>
        </div>
        <div class="field">
          <label class="field-label" for={ids.pass}>
            {t('entry.password')}
          </label>
          <div class="input-group">
            <input
              id={ids.pass}
              class="input input-secret"
              type={reveal() ? 'text' : 'password'}
              autocomplete="new-password"
              value={form().password}
              onInput={set('password')}
            />
            <button
              type="button"
              class="button secondary small"
              aria-pressed={reveal()}
              aria-controls={ids.pass}
              onClick={() => setReveal(!reveal())}
            >
              {reveal() ? t('vault.hide') : t('vault.reveal')}
            </button>
            <button
              type="button"
              class="button secondary small"
              disabled={form().password === ''}
              onClick={() => props.onCopy('password', form().password)}
            >
              {t('vault.copyPassword')}
            </button>
          </div>
        </div>
        <PasswordGeneratorPanel
          onGenerate={(password) => {
            setForm((current) => ({ ...current, password }));
            setReveal(true);
          }}
        />
      </Show>
      <div class="field">
        <label class="field-label" for={ids.notes}>
          {t('entry.notes')}
        </label>
        <textarea
          id={ids.notes}
          class="input"
          rows={type() === 'note' ? 8 : 3}
          value={form().notes}
          onInput={set('notes')}
        />
      </div>
      <Show when={error()}>
        <p id={ids.error} class="field-error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="dialog-actions">
        <button type="button" class="button secondary" onClick={props.onClose}>
          {t('vault.cancel')}
        </button>
        <button type="submit" class="button primary" aria-disabled={busy()}>
          {busy() ? t('vault.saving') : t('vault.save')}
        </button>
      </div>
    </form>
  );
}

function ReadOnlyFields(props: {
  type: string | undefined;
  fields: SecretFields;
  notice: string;
  onClose: () => void;
}) {
  const [revealed, setRevealed] = createSignal<string[]>([]);
  // `website_password_title` is the title of a website password, not a password: the type's
  // prefix is not part of the field's name.
  const prefix = () => (props.type ? `${props.type}_` : '');
  const shown = () =>
    Object.entries(props.fields)
      .filter(
        ([, value]) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
      )
      .map(([key, value]): [string, unknown] => [
        key.startsWith(prefix()) ? key.slice(prefix().length) : key,
        value,
      ]);
  return (
    <>
      <p class="notice">{props.notice}</p>
      <dl class="facts">
        <dt>{t('entry.type')}</dt>
        <dd>{typeLabel(props.type)}</dd>
        <For each={shown()}>
          {([key, value]) => (
            <>
              <dt>{key.replace(/_/g, ' ')}</dt>
              <dd class="break">
                <Show
                  when={!isSecretFieldName(key) || revealed().includes(key)}
                  fallback={
                    <button
                      type="button"
                      class="button secondary small"
                      onClick={() => setRevealed([...revealed(), key])}
                      aria-label={`${t('vault.reveal')}: ${key.replace(/_/g, ' ')}`}
                    >
                      {t('vault.reveal')}
                    </button>
                  }
                >
                  {String(value)}
                </Show>
              </dd>
            </>
          )}
        </For>
      </dl>
      <div class="dialog-actions">
        <button type="button" class="button primary" onClick={props.onClose}>
          {t('vault.close')}
        </button>
      </div>
    </>
  );
}
