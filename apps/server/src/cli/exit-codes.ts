/**
 * Exit codes of `manage`, the same for every command (and listed in `manage --help`).
 */
export const EXIT = {
  /** Done; for testldap: the login would succeed; for check-settings: no errors. */
  OK: 0,
  /** The check ran and found a problem (testldap: the login would fail; syncldap: a directory failed). */
  CHECK_FAILED: 1,
  /** Wrong command line, or no usable settings file (missing, unreadable or invalid). */
  USAGE: 2,
  /** A service the command needs failed: the database, or the server could not start. */
  UNAVAILABLE: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  done (testldap: the login would succeed; check-settings: no errors)
  1  the check found a problem (testldap: the login would fail; syncldap: a directory failed)
  2  wrong command line, or no usable settings file (missing, unreadable or invalid)
  3  a service the command needs failed (database, server start)`;
