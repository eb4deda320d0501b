import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearClipboardNow, copyWithExpiry } from './clipboard.ts';

describe('copyWithExpiry', () => {
  afterEach(() => vi.useRealTimers());

  it('empties the clipboard after the configured seconds, and at once on lock', async () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    vi.spyOn(navigator.clipboard, 'writeText').mockImplementation(async (text: string) => {
      writes.push(text);
    });
    const cleared = vi.fn();
    await copyWithExpiry('s3cret', 30, cleared);
    expect(writes).toEqual(['s3cret']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(writes).toEqual(['s3cret']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toEqual(['s3cret', '']);
    expect(cleared).toHaveBeenCalledTimes(1);

    await copyWithExpiry('other', 30);
    clearClipboardNow();
    expect(writes).toEqual(['s3cret', '', 'other', '']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writes).toHaveLength(4);
  });
});
