/**
 * The vault calls this client makes, on an open session. Every request is built with the
 * protocol's request types and every reply read with its schemas.
 */
import {
  type CreateDatastoreRequest,
  type CreateSecretRequest,
  createDatastoreReply,
  createSecretReply,
  type ListDatastoresReply,
  listDatastoresReply,
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

  async updateSecret(request: UpdateSecretRequest): Promise<void> {
    await this.call('POST', '/secret/', request);
  }
}
