/**
 * The AD cell against a real Active Directory: a Samba 4 AD DC (`startSambaDirectory()` of
 * `@ldap-login/ldap-core/testing`, the DC the ldap-core AD tests use), served by the product as one
 * more LDAP entry over ldaps with nested groups on. Its users are each in a team group, which is in
 * a department group, which is in an all-staff group: three levels, as in the AD-shaped cell.
 *
 * Samba keeps no per-operation log like slapd's, so the connections the server opens are counted
 * from the kernel's socket table: every TCP connection to the DC's ldaps port (fixed, 636) that
 * appears during a cell, in any state (a closed one stays in TIME_WAIT for a minute), is one the
 * server opened, each a TLS handshake. Searches and binds per login are not countable this way.
 */
import { readFileSync } from 'node:fs';
import type { LdapEntryInput } from '@ldap-login/config-schema';
import {
  missingSambaPrograms,
  type SambaDirectory,
  startSambaDirectory,
} from '@ldap-login/ldap-core/testing';
import type { BenchUser } from './bench-users.ts';

const LDAPS_PORT = 636;
/** The DC may wait for another run's DC to stop (one per machine); the benchmark does not wait long. */
const START_TIMEOUT_MS = 180_000;
const PASSWORD = 'Bench-Samba-Passw0rd!';

export interface SambaCell {
  dc: SambaDirectory;
  users: BenchUser[];
  entry: LdapEntryInput;
  domain: string;
}

/** Starts the DC and its users, or says why it cannot (the run goes on without the cell). */
export async function startSambaCell(userCount: number): Promise<SambaCell | string> {
  const missing = missingSambaPrograms();
  if (missing.length > 0) return `Samba is not installed (${missing.join(', ')} missing)`;
  let timer: NodeJS.Timeout | undefined;
  const starting = startSambaDirectory();
  let dc: SambaDirectory;
  try {
    dc = await Promise.race([
      starting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the DC did not start within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    // A DC that starts after all is stopped as soon as it does.
    void starting.then((late) => late.stop()).catch(() => undefined);
    return `the Samba DC did not start: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
  try {
    const users: BenchUser[] = [];
    const userDns: string[] = [];
    for (let index = 0; index < userCount; index++) {
      const login = `bench${String(index).padStart(3, '0')}`;
      userDns.push(await dc.createUser(login, PASSWORD));
      users.push({ login, password: PASSWORD });
    }
    // Four users per team, two teams per department, every department in all-staff.
    const teams: string[] = [];
    for (let start = 0; start < userDns.length; start += 4) {
      teams.push(await dc.createGroup(`bench-team${teams.length}`, userDns.slice(start, start + 4)));
    }
    const departments: string[] = [];
    for (let start = 0; start < teams.length; start += 2) {
      departments.push(
        await dc.createGroup(`bench-dept${departments.length}`, teams.slice(start, start + 2)),
      );
    }
    await dc.createGroup('bench-all-staff', departments);
    return { dc, users, entry: dc.ldapEntry({ LDAP_NESTED_GROUPS: true }), domain: dc.domain };
  } catch (error) {
    await dc.stop();
    return `the Samba DC's users could not be created: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Client ports of the TCP connections (any state) to or from port 636 on this machine. */
export function ldapsConnections(tables = ['/proc/net/tcp', '/proc/net/tcp6']): Set<string> {
  const found = new Set<string>();
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote] = line.trim().split(/\s+/);
      if (!local || !remote) continue;
      const localPort = Number.parseInt(local.split(':')[1] ?? '', 16);
      const remotePort = Number.parseInt(remote.split(':')[1] ?? '', 16);
      // Listening sockets have remote port 0; the DC's side has local port 636.
      if (remotePort === LDAPS_PORT) found.add(`${local}>${remote}`);
      else if (localPort === LDAPS_PORT && remotePort !== 0) found.add(`${remote}>${local}`);
    }
  }
  return found;
}

/** Connections in `after` that were not in `before`. */
export function newConnections(before: Set<string>, after: Set<string>): number {
  let count = 0;
  for (const connection of after) if (!before.has(connection)) count++;
  return count;
}
