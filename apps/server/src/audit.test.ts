import { describe, expect, it } from 'vitest';
import { auditRow, timeOrderedId } from './audit.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('audit row ids', () => {
  it('are version 7 UUIDs that start with the event time', () => {
    const at = Date.UTC(2026, 11, 6, 9, 30, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    expect(auditRow({ event: 'login', outcome: 'success', at }).id.slice(0, 13)).toBe(id.slice(0, 13));
  });

  it('sort as text in the order of their times, and differ within one millisecond', () => {
    const times = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 0xffff_ffff_ffff];
    const ids = times.map(timeOrderedId);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    const sameMillisecond = new Set(Array.from({ length: 1000 }, () => timeOrderedId(1_800_000_000_000)));
    expect(sameMillisecond.size).toBe(1000);
  });
});
