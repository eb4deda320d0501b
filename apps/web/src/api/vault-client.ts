/**
 * The vault calls this client makes, on an open session. Every request is built with the
 * protocol's request types and every reply read with its schemas.
 */
import {
  type AcceptMembershipReply,
  type AcceptShareRightReply,
  acceptMembershipReply,
  acceptShareRightReply,
  type acceptShareRightRequest,
  type CreateDatastoreRequest,
  type CreateSecretRequest,
  createDatastoreReply,
  createSecretReply,
  type createShareLinkRequest,
  type JobsReply,
  jobsReply,
  type ListDatastoresReply,
  type ListGroupsReply,
  type ListSharesReply,
  listDatastoresReply,
  listGroupsReply,
  listSharesReply,
  type membershipMissingGroupSecretRequest,
  type ReadDatastoreReply,
  type ReadSecretReply,
  type ReadShareReply,
  readDatastoreReply,
  readSecretReply,
  readShareReply,
  type UpdateDatastoreRequest,
  type UpdateSecretRequest,
  updateDatastoreReply,
  type updateShareRequest,
} from '@ldap-login/protocol';
import type { z } from 'zod';
import { ClientError } from './client-error.ts';
import { type Session, sessionRequest } from './session-client.ts';

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ClientError('MALFORMED_RESPONSE', { detail: `${what}: ${parsed.error.message}` });
  return parsed.data;
}

export class VaultClient {
  constructor(
    private readonly session: Session,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  private call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    return sessionRequest(this.session, method, path, body, this.fetchImpl);
  }

  async listDatastores(): Promise<ListDatastoresReply['datastores']> {
    return parseOrThrow(listDatastoresReply, await this.call('GET', '/datastore/'), 'datastores').datastores;
  }

  async createDatastore(request: CreateDatastoreRequest): Promise<string> {
    return parseOrThrow(createDatastoreReply, await this.call('PUT', '/datastore/', request), 'datastore')
      .datastore_id;
  }

  async readDatastore(id: string): Promise<ReadDatastoreReply> {
    return parseOrThrow(readDatastoreReply, await this.call('GET', `/datastore/${id}/`), 'datastore');
  }

  /** Returns the datastore's new write date. */
  async updateDatastore(request: UpdateDatastoreRequest): Promise<string> {
    return parseOrThrow(updateDatastoreReply, await this.call('POST', '/datastore/', request), 'datastore')
      .write_date;
  }

  async createSecret(request: CreateSecretRequest): Promise<string> {
    return parseOrThrow(createSecretReply, await this.call('PUT', '/secret/', request), 'secret').secret_id;
  }

  async readSecret(id: string): Promise<ReadSecretReply> {
    return parseOrThrow(readSecretReply, await this.call('GET', `/secret/${id}/`), 'secret');
  }

  /** A share's sealed content and the caller's rights on it. */
  async readShare(id: string): Promise<ReadShareReply> {
    return parseOrThrow(readShareReply, await this.call('GET', `/share/${id}/`), 'share');
  }

  /** New content of a share (write right); the server keeps no write date to compare. */
  async updateShare(request: z.input<typeof updateShareRequest>): Promise<void> {
    await this.call('PUT', '/share/', request);
  }

  /** The caller's own share rights, offered (`share_right_accepted: null`) and accepted. */
  async listShareRights(): Promise<ListSharesReply['shares']> {
    return parseOrThrow(listSharesReply, await this.call('GET', '/share/'), 'shares').shares;
  }

  async acceptShareRight(request: z.input<typeof acceptShareRightRequest>): Promise<AcceptShareRightReply> {
    return parseOrThrow(
      acceptShareRightReply,
      await this.call('POST', '/share/right/accept/', request),
      'accepted share',
    );
  }

  async declineShareRight(shareRightId: string): Promise<void> {
    await this.call('POST', '/share/right/decline/', { share_right_id: shareRightId });
  }

  /** Places a share under a datastore or a share (`link_id`: the node's id there). */
  async createShareLink(request: z.input<typeof createShareLinkRequest>): Promise<void> {
    await this.call('PUT', '/share/link/', request);
  }

  /** The caller's memberships, offered (`accepted: null`) and accepted. */
  async listGroups(): Promise<ListGroupsReply['groups']> {
    return parseOrThrow(listGroupsReply, await this.call('GET', '/group/'), 'groups').groups;
  }

  /** The group's keys for the caller and the shares the group reaches. */
  async acceptMembership(membershipId: string): Promise<AcceptMembershipReply> {
    return parseOrThrow(
      acceptMembershipReply,
      await this.call('POST', '/membership/accept/', { membership_id: membershipId }),
      'accepted membership',
    );
  }

  async declineMembership(membershipId: string): Promise<void> {
    await this.call('POST', '/membership/decline/', { membership_id: membershipId });
  }

  async jobs(): Promise<JobsReply> {
    return parseOrThrow(jobsReply, await this.call('GET', '/job/'), 'jobs');
  }

  async provideMissingGroupSecret(
    request: z.input<typeof membershipMissingGroupSecretRequest>,
  ): Promise<void> {
    await this.call('POST', '/job/membership-missing-group-secret/', request);
  }

  async updateSecret(request: UpdateSecretRequest): Promise<void> {
    await this.call('POST', '/secret/', request);
  }
}
