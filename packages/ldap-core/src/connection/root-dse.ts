import { attributeStrings } from '../entries/attributes.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';
import type { DirectoryConnection } from './connection.ts';

/** What the server says about itself in its root DSE. */
export interface RootDse {
  /** The server announces Active Directory's capability (LDAP_CAP_ACTIVE_DIRECTORY_OID). */
  isActiveDirectory: boolean;
  supportedControls: string[];
  supportedExtensions: string[];
  namingContexts: string[];
  /** Active Directory: the domain's own naming context (where lockoutThreshold lives). */
  defaultNamingContext: string | null;
  vendorName: string | null;
}

const ACTIVE_DIRECTORY_CAPABILITY = '1.2.840.113556.1.4.800';

/** Reads the root DSE (base search on the empty DN). */
export async function readRootDse(connection: DirectoryConnection): Promise<RootDse> {
  try {
    const { searchEntries } = await connection.client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [
        'supportedCapabilities',
        'supportedControl',
        'supportedExtension',
        'namingContexts',
        'defaultNamingContext',
        'vendorName',
      ],
    });
    const entry = searchEntries[0] ?? { dn: '' };
    return {
      isActiveDirectory: attributeStrings(entry, 'supportedCapabilities').includes(
        ACTIVE_DIRECTORY_CAPABILITY,
      ),
      supportedControls: attributeStrings(entry, 'supportedControl'),
      supportedExtensions: attributeStrings(entry, 'supportedExtension'),
      namingContexts: attributeStrings(entry, 'namingContexts'),
      defaultNamingContext: attributeStrings(entry, 'defaultNamingContext')[0] ?? null,
      vendorName: attributeStrings(entry, 'vendorName')[0] ?? null,
    };
  } catch (error) {
    throw toDirectoryError(error, { step: 'root-dse', url: connection.url });
  }
}
