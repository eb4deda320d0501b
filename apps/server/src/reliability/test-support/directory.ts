/**
 * The suite's test directory (ldap-core's disposable OpenLDAP) and readers of slapd's own log,
 * which is the evidence of what reached the directory: binds with their DNs, search filters.
 */
import { ldapEntrySchema } from '@ldap-login/config-schema';
import {
  type StartDirectoryOptions,
  startDirectoryOrSkip,
  type TestDirectory,
} from '@ldap-login/ldap-core/testing';

/**
 * Starts the directory, or returns a skip message when this machine has no way to run one. Only a
 * developer machine may skip (ldap-core's rule, which also prints the loud warning); under CI a
 * missing directory is a failure.
 */
export async function startSuiteDirectory(
  what: string,
  options: Partial<StartDirectoryOptions> = {},
): Promise<{ directory: TestDirectory } | { skip: string }> {
  const suite = `reliability tests of ${what}`;
  const directory = await startDirectoryOrSkip(
    { dataset: 'openldap-memberof', largeGroupSize: 0, ...options },
    suite,
  );
  return directory ? { directory } : { skip: `SKIPPING the ${suite}` };
}

/** The settings entry of the directory, parsed, with `overrides` applied. */
export function parsedEntry(
  directory: TestDirectory,
  overrides: Parameters<TestDirectory['ldapEntry']>[0] = {},
) {
  return ldapEntrySchema.parse(directory.ldapEntry(overrides));
}

/**
 * A view of slapd's log from a point on: `mark()` remembers how far the log went, `since()` gives
 * the lines written after the mark. slapd writes asynchronously; `settle()` waits until the log
 * stops growing.
 */
export class SlapdLog {
  private offset = 0;

  constructor(private readonly directory: TestDirectory) {}

  async mark(): Promise<void> {
    this.offset = (await this.directory.log()).length;
  }

  async since(): Promise<string[]> {
    const text = await this.settle();
    return text
      .slice(this.offset)
      .split('\n')
      .filter((line) => line !== '');
  }

  /** The whole log once it has stopped growing for 150 ms (at most 3 s). */
  async settle(): Promise<string> {
    let text = await this.directory.log();
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const next = await this.directory.log();
      if (next.length === text.length) return next;
      text = next;
    }
    return text;
  }
}

/** `BIND dn="<dn>" method=128` lines (simple binds) for one DN, compared case-insensitively. */
export function countBinds(lines: readonly string[], dn: string): number {
  const wanted = `bind dn="${dn.toLowerCase()}" method=128`;
  return lines.filter((line) => line.toLowerCase().includes(wanted)).length;
}

/** Every search in the lines (`SRCH base="..." ... filter="..."`), with its base. */
export function searches(lines: readonly string[]): { base: string; filter: string }[] {
  const found: { base: string; filter: string }[] = [];
  for (const line of lines) {
    const match = / SRCH base="(.*)" scope=\d+ deref=\d+ filter="(.*)"$/.exec(line);
    if (match) found.push({ base: match[1]!, filter: match[2]! });
  }
  return found;
}

/**
 * An assertion value as slapd logs it when the value was sent as data: no bare `*`, `(`, `)` or
 * `\` (each appears only as a `\XX` escape). A bare one means the input changed the filter's shape.
 */
const ESCAPED_VALUE = String.raw`(?:[^*()\\]|\\[0-9A-Fa-f]{2})*`;

/**
 * The filters among `filters` that do not have the login search's shape
 * `(&(objectClass=<class>)(<attribute>=<value>)<extra>)` with an escaped value. `extra` is the
 * custom user filter as slapd logs it (empty when none).
 */
export function unexpectedUserFilters(
  filters: readonly string[],
  objectClass: string,
  attribute: string,
  extra = '',
): string[] {
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shape = new RegExp(
    `^\\(&\\(objectClass=${quote(objectClass)}\\)\\(${quote(attribute)}=${ESCAPED_VALUE}\\)${quote(extra)}\\)$`,
    'i',
  );
  return filters.filter((filter) => !shape.test(filter));
}

/**
 * Connections that the directory image makes to itself (loading data, its health probe that binds
 * anonymously and reads the root DSE): in a container they come from inside it (127.0.0.1),
 * while everything from outside arrives through the bridge. Any connection reading the root DSE
 * counts as a probe too, also while its search line is still to come.
 */
export function imageOwnConnections(lines: readonly string[], mode: TestDirectory['mode']): Set<string> {
  const own = new Set<string>();
  for (const line of lines) {
    const conn = / (conn=\d+) /.exec(line)?.[1];
    if (!conn) continue;
    if (mode === 'container' && / ACCEPT from IP=127\.0\.0\.1:/.test(line)) own.add(conn);
    if (/ SRCH base="" scope=0 /.test(line)) own.add(conn);
  }
  return own;
}
