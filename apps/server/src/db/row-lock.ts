/**
 * A row's write lock, taken inside a transaction before the row is read: an UPDATE that sets one
 * of its columns to itself. On PostgreSQL the update takes the row's lock until the transaction
 * ends (another writer of the row waits at its own lockRow), and what the transaction reads after
 * it is the row as last committed. SQLite has no row locks and no `SELECT ... FOR UPDATE`; its
 * transactions run one at a time (sqlite-lock.ts), so the same statement is harmless there and one
 * query serves both databases. Nothing changes in the row.
 */
import type { Kysely, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/** The tables whose rows are found by an `id` column. */
type TableWithId = {
  [T in keyof DatabaseSchema]: DatabaseSchema[T] extends { id: unknown } ? T : never;
}[keyof DatabaseSchema];

/**
 * The UPDATE that locks row `id` of `table`, rewriting `column` with its own value (any column
 * will do; pick one no trigger or index cares about). Add `.returning(...)` to read the row
 * in the same statement.
 *
 * @example
 * await lockRow(trx, 'secrets', 'write_date', secretId).execute();
 */
export function lockRow<T extends TableWithId>(
  db: Kysely<DatabaseSchema>,
  table: T,
  column: keyof DatabaseSchema[T] & string,
  id: string,
): UpdateQueryBuilder<DatabaseSchema, T, T, UpdateResult> {
  // Kysely cannot check a column of a table that is only known as a type parameter.
  const untyped = db as unknown as Kysely<Record<string, { id: string } & Record<string, unknown>>>;
  return untyped
    .updateTable(table as string)
    .set((eb) => ({ [column]: eb.ref(column) }))
    .where('id', '=', id) as unknown as UpdateQueryBuilder<DatabaseSchema, T, T, UpdateResult>;
}
