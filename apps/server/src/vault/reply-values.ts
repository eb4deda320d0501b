/** How stored vault values appear in replies (Psono's shapes: ISO dates, booleans). */
import type { Rights } from './vault-access.ts';

/** A stored time (ms since the epoch) as the ISO date Psono's replies carry. */
export const iso = (ms: number | bigint): string => new Date(Number(ms)).toISOString();

/** A stored `accepted` (null: offered, 1: accepted, 0: declined). */
export const acceptedOf = (value: number | null): boolean | null => (value === null ? null : value === 1);

/** A stored right's flags (0/1 columns) as booleans. */
export function flagsOf(row: { read: number; write: number; grant: number }): Rights {
  return { read: row.read === 1, write: row.write === 1, grant: row.grant === 1 };
}
