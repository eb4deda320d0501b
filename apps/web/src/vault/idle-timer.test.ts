import { afterEach, describe, expect, it, vi } from 'vitest';
import { startIdleTimer } from './idle-timer.ts';

describe('startIdleTimer', () => {
  afterEach(() => vi.useRealTimers());

  it('fires after the idle minutes, later when input arrives, never after stop', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const stop = startIdleTimer(15, onIdle);
    vi.advanceTimersByTime(14 * 60_000);
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    vi.advanceTimersByTime(14 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);

    const again = vi.fn();
    const stopAgain = startIdleTimer(1, again);
    stopAgain();
    vi.advanceTimersByTime(5 * 60_000);
    expect(again).not.toHaveBeenCalled();
    stop();
  });
});
