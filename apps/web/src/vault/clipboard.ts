/**
 * Copies a value and empties the clipboard again after a delay, unless something else was copied
 * from here meanwhile (then that copy's own timer takes over).
 */
let pending: ReturnType<typeof setTimeout> | undefined;

export async function copyWithExpiry(
  value: string,
  clearAfterSeconds: number,
  onCleared?: () => void,
): Promise<void> {
  await navigator.clipboard.writeText(value);
  if (pending !== undefined) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = undefined;
    navigator.clipboard.writeText('').then(
      () => onCleared?.(),
      // An unfocused page may not write; the next copy or the lock clears it then.
      () => undefined,
    );
  }, clearAfterSeconds * 1000);
}

/** On lock and sign-out: clear now if a copy is still pending. */
export function clearClipboardNow(): void {
  if (pending === undefined) return;
  clearTimeout(pending);
  pending = undefined;
  navigator.clipboard.writeText('').catch(() => undefined);
}
