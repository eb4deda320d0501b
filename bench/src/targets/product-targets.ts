/**
 * The product, driven the way the web client drives it: the encrypted login (boxed login info,
 * decrypting the user's private key, activate-token) and an authenticated, encrypted `GET /user/`.
 *
 * The client derives the key that opens the user's private key with scrypt (about 50 ms of CPU).
 * Like the web client after a user's first login, the protocol client keeps that derived key per
 * user, so the measured logins are those of returning users and the figures are the server's, not
 * the load generator's scrypt. `prepareAccounts` pays the first logins (account creation: scrypt on
 * both sides) before anything is measured.
 */
import { API_BASE_PATH } from '@ldap-login/server';
import { ProtocolClient, type Session } from '@ldap-login/server/testing';
import { type BenchUser, userFor } from '../bench-users.ts';
import type { HttpClient } from '../http-client.ts';
import { runLoad } from '../load-runner.ts';
import type { ProductServer } from '../product-server.ts';
import { type Target, TRANSPORTS, type Transport } from './target.ts';

/** The first logins did not all succeed: the measured ones would not be returning users. */
export class AccountPreparationError extends Error {
  override readonly name = 'AccountPreparationError';
}

/** Every login the server has completed, whatever the phase: the memory figure is taken per login. */
export interface LoginCounter {
  logins: number;
}

function loginName(server: ProductServer, transport: Transport, user: BenchUser): string {
  return `${user.login}@${server.domainFor(transport)}`;
}

async function logIn(
  client: ProtocolClient,
  counter: LoginCounter,
  server: ProductServer,
  transport: Transport,
  user: BenchUser,
): Promise<Session> {
  const session = await client.login(loginName(server, transport, user), user.password);
  counter.logins++;
  return session;
}

/** Logs every user in once per transport (creating the accounts); bounded by count and time. */
export async function prepareAccounts(
  server: ProductServer,
  client: ProtocolClient,
  users: readonly BenchUser[],
  counter: LoginCounter,
  timeoutMs: number,
): Promise<{ logins: number; elapsedMs: number }> {
  const work = TRANSPORTS.flatMap((transport) => users.map((user) => ({ transport, user })));
  const result = await runLoad({
    concurrency: 4,
    durationMs: timeoutMs,
    maxRequests: work.length,
    requestTimeoutMs: 30_000,
    operation: async (_worker, sequence) => {
      const { transport, user } = work[sequence]!;
      await logIn(client, counter, server, transport, user);
    },
  });
  if (result.errors > 0 || result.requests !== work.length) {
    throw new AccountPreparationError(
      `${result.requests} of ${work.length} first logins succeeded within ${timeoutMs} ms` +
        (result.errorSamples.length > 0 ? `: ${result.errorSamples.join('; ')}` : ''),
    );
  }
  return { logins: result.requests, elapsedMs: result.elapsedMs };
}

export function productLoginTarget(
  server: ProductServer,
  client: ProtocolClient,
  users: readonly BenchUser[],
  counter: LoginCounter,
): Target {
  return {
    name: 'product-login',
    async openCell(transport) {
      return {
        async operation(_worker, sequence) {
          await logIn(client, counter, server, transport, userFor(users, sequence));
        },
        async close() {},
      };
    },
  };
}

export function productUserTarget(
  server: ProductServer,
  client: ProtocolClient,
  users: readonly BenchUser[],
  counter: LoginCounter,
): Target {
  return {
    name: 'product-user',
    async openCell(transport, concurrency) {
      // One session per worker, as each browser tab has its own.
      const sessions: Session[] = [];
      for (let worker = 0; worker < concurrency; worker++) {
        sessions.push(await logIn(client, counter, server, transport, userFor(users, worker)));
      }
      return {
        async operation(worker) {
          await sessions[worker]!.call('GET', '/user/');
        },
        async close() {
          await Promise.allSettled(sessions.map((session) => session.logout()));
        },
      };
    },
  };
}

/** The web client's protocol over the load generator's HTTP client. */
export function protocolClient(http: HttpClient): ProtocolClient {
  return new ProtocolClient(http.transport(API_BASE_PATH));
}
