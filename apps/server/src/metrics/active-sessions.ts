import type { Database } from '../db/schema.ts';

/** Sessions neither ended nor expired, for the `active_sessions` gauge (read at scrape time). */
export async function countActiveSessions(db: Database, now: number): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
    .where('ended_at', 'is', null)
    .where('valid_till', '>', now)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
