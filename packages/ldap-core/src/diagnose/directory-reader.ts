import type { Entry, SearchOptions } from 'ldapts';
import {
  type ConnectionSettings,
  type DirectoryConnection,
  openConnection,
} from '../connection/connection.ts';

/**
 * The directory as the diagnosis reads it: a connection opened exactly as a login opens it, plus
 * the exploratory searches (does this DN exist, what lies below it) that a login never makes.
 */

/** Binary attributes that must reach us as bytes. */
const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid'];

export class DirectoryReader {
  private constructor(readonly connection: DirectoryConnection) {}

  /** Opens a connection to `url` (StartTLS included when the entry asks for it); throws `DirectoryError`s. */
  static async open(url: string, settings: ConnectionSettings): Promise<DirectoryReader> {
    return new DirectoryReader(await openConnection(url, settings));
  }

  async search(base: string, options: SearchOptions): Promise<Entry[]> {
    const result = await this.connection.client.search(base, {
      explicitBufferAttributes: BINARY_ATTRIBUTES,
      ...options,
    });
    return result.searchEntries;
  }

  /** Everything the directory shows about one entry, operational attributes too (entryUUID, memberOf). */
  async read(dn: string): Promise<Entry | undefined> {
    const [entry] = await this.search(dn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['*', '+'],
    });
    return entry;
  }

  /** True when an entry exists at `dn`; false for "no such object"; other errors are thrown. */
  async exists(dn: string): Promise<boolean> {
    try {
      await this.connection.client.search(dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
      });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 32) return false;
      throw error;
    }
  }

  close(): void {
    this.connection.close();
  }
}
