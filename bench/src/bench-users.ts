/** The directory users every target logs in with, in the same order, so the targets do the same work. */
import type { TestDirectory } from '@ldap-login/ldap-core/testing';

export interface BenchUser {
  /** The directory's login name (uid), without domain. */
  login: string;
  password: string;
}

/** The first `count` generated users (`user00001`...), in order. */
export function benchUsers(directory: TestDirectory, count: number): BenchUser[] {
  const users: BenchUser[] = [];
  for (let index = 1; index <= count; index++) {
    const user = directory.users[`user${String(index).padStart(5, '0')}`];
    if (!user) throw new RangeError(`the directory has fewer than ${count} generated users`);
    users.push({ login: user.login, password: user.password });
  }
  return users;
}

/** The user request number `sequence` logs in as: round-robin over the list. */
export function userFor(users: readonly BenchUser[], sequence: number): BenchUser {
  return users[sequence % users.length]!;
}
