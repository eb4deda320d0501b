/** What the benchmark measures: one target over one transport at one concurrency is a cell. */

export const TARGET_NAMES = ['raw', 'product-login', 'product-user', 'peer'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TRANSPORTS = ['ldap', 'ldaps'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** The load of one cell: `operation` is one request; `close` releases what the cell opened. */
export interface Cell {
  operation: (worker: number, sequence: number) => Promise<void>;
  close(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** Opens the connections or sessions one cell needs (not measured). */
  openCell(transport: Transport, concurrency: number): Promise<Cell>;
}
