import { createSignal, createUniqueId, For, Show } from 'solid-js';
import { type MessageKey, t } from '../i18n/i18n.ts';
import {
  type CharacterSet,
  GENERATOR_DEFAULTS,
  generatePassword,
  MAX_LENGTH,
  MIN_LENGTH,
} from '../vault/password-generator.ts';

const SET_LABELS: Record<CharacterSet, MessageKey> = {
  lower: 'generator.lower',
  upper: 'generator.upper',
  digits: 'generator.digits',
  symbols: 'generator.symbols',
};

/** Length and character sets; "Generate" hands a new password to the form. */
export function PasswordGeneratorPanel(props: { onGenerate: (password: string) => void }) {
  const [length, setLength] = createSignal(GENERATOR_DEFAULTS.length);
  const [sets, setSets] = createSignal<CharacterSet[]>([...GENERATOR_DEFAULTS.sets]);
  const lengthId = createUniqueId();
  const toggle = (set: CharacterSet, on: boolean) =>
    setSets((current) => (on ? [...current, set] : current.filter((s) => s !== set)));
  return (
    <fieldset class="generator">
      <legend>{t('generator.title')}</legend>
      <div class="generator-length">
        <label for={lengthId}>{t('generator.length')}</label>
        <input
          id={lengthId}
          class="input input-number"
          type="number"
          min={MIN_LENGTH}
          max={MAX_LENGTH}
          value={length()}
          onInput={(event) => setLength(Number(event.currentTarget.value) || GENERATOR_DEFAULTS.length)}
        />
      </div>
      <div class="generator-sets">
        <For each={Object.keys(SET_LABELS) as CharacterSet[]}>
          {(set) => (
            <label class="check">
              <input
                type="checkbox"
                checked={sets().includes(set)}
                onChange={(event) => toggle(set, event.currentTarget.checked)}
              />
              <span>{t(SET_LABELS[set])}</span>
            </label>
          )}
        </For>
      </div>
      <Show when={sets().length === 0}>
        <p class="field-error" role="alert">
          {t('generator.needSet')}
        </p>
      </Show>
      <button
        type="button"
        class="button secondary small"
        disabled={sets().length === 0}
        onClick={() => props.onGenerate(generatePassword({ length: length(), sets: sets() }))}
      >
        {t('generator.generate')}
      </button>
    </fieldset>
  );
}
