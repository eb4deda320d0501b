/** Calls `onIdle` once no input has reached the page for `minutes`. Returns the stop function. */
export function startIdleTimer(minutes: number, onIdle: () => void): () => void {
  const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(onIdle, minutes * 60_000);
  };
  for (const name of events) document.addEventListener(name, reset, { passive: true, capture: true });
  reset();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    for (const name of events) document.removeEventListener(name, reset, { capture: true });
  };
}
