/**
 * An in-memory stand-in for the directory, for `app.request()` tests of the HTTP layer only.
 * Everything that concerns the directory itself is tested against a real OpenLDAP
 * (`*.integration.test.ts`).
 */
import {
  AccountRestrictedError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
  NotPermittedError,
} from '@ldap-login/ldap-core';
import type {
  DirectoryGroup,
  DirectoryServerHealth,
  DirectoryUser,
  LoginDirectory,
  UserStanding,
} from '../accounts/directory-port.ts';

export interface FakeUser {
  login: string;
  domain: string;
  password: string;
  guid: string;
  email?: string | null;
  groups?: DirectoryGroup[];
  /** The directory refuses the account (disabled) or the access rules refuse the user. */
  refusal?: 'ACCOUNT_RESTRICTED' | 'NOT_PERMITTED';
}

export class FakeDirectory implements LoginDirectory {
  readonly users = new Map<string, FakeUser>();
  unavailable = false;
  authenticateCalls = 0;

  add(user: FakeUser): FakeUser {
    this.users.set(`${user.login}@${user.domain}`.toLowerCase(), user);
    return user;
  }

  async authenticate(username: string, password: string): Promise<DirectoryUser> {
    this.authenticateCalls++;
    if (this.unavailable)
      throw new DirectoryUnavailableError('unreachable', { detail: 'connect ECONNREFUSED' });
    const user = this.users.get(username.toLowerCase());
    if (!user) throw new InvalidCredentialsError('user-not-found');
    if (user.password !== password) throw new InvalidCredentialsError('wrong-password');
    if (user.refusal === 'ACCOUNT_RESTRICTED') throw new AccountRestrictedError('account-disabled');
    if (user.refusal === 'NOT_PERMITTED') throw new NotPermittedError('required-group');
    return {
      domain: user.domain,
      dn: `uid=${user.login},ou=people,dc=example,dc=com`,
      guid: user.guid,
      username: user.login,
      email: user.email ?? null,
      groups: user.groups ?? [],
    };
  }

  async recheckUser(domain: string, guid: string): Promise<UserStanding> {
    if (this.unavailable)
      throw new DirectoryUnavailableError('unreachable', { detail: 'connect ECONNREFUSED' });
    const user = [...this.users.values()].find(
      (candidate) => candidate.domain === domain && candidate.guid === guid,
    );
    if (!user) return { allowed: false, reason: 'user-not-found', detail: `no user with GUID ${guid}` };
    if (user.refusal === 'ACCOUNT_RESTRICTED')
      return { allowed: false, reason: 'account-disabled', detail: `${user.login} is disabled` };
    if (user.refusal === 'NOT_PERMITTED')
      return { allowed: false, reason: 'required-group', detail: `${user.login} is in no required group` };
    return {
      allowed: true,
      user: {
        domain: user.domain,
        dn: `uid=${user.login},ou=people,dc=example,dc=com`,
        guid: user.guid,
        username: user.login,
        email: user.email ?? null,
        groups: user.groups ?? [],
      },
    };
  }

  async listGroups(domain: string): Promise<DirectoryGroup[]> {
    const groups = new Map<string, DirectoryGroup>();
    for (const user of this.users.values()) {
      if (user.domain !== domain) continue;
      for (const group of user.groups ?? []) groups.set(group.dn, group);
    }
    return [...groups.values()];
  }

  async health(): Promise<DirectoryServerHealth[]> {
    const domains = new Set([...this.users.values()].map((user) => user.domain));
    return [...domains].map((domain) => ({
      domain,
      url: `ldap://internal-${domain}:389`,
      up: !this.unavailable,
      latencyMs: 1.25,
      ...(this.unavailable ? { error: 'ECONNREFUSED' } : {}),
    }));
  }

  close(): void {}
}
