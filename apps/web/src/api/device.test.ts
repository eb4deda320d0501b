import { describe, expect, it } from 'vitest';
import { deviceDescription, deviceFingerprint } from './device.ts';

describe('device', () => {
  it('names the browser and system for the sessions list', () => {
    expect(deviceDescription('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
      'Firefox on Linux',
    );
    expect(
      deviceDescription(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0',
      ),
    ).toBe('Edge on Windows');
    expect(
      deviceDescription(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(deviceDescription('')).toBe('Browser on unknown system');
  });

  it('keeps one random fingerprint per browser', () => {
    localStorage.clear();
    const first = deviceFingerprint();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(deviceFingerprint()).toBe(first);
  });
});
