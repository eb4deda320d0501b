/**
 * The app in-process (`app.request()`, no sockets) over the real directory, with every log line of
 * the server and of the directory layer captured.
 */
import { type LdapEntryInput, ldapEntrySchema, type SettingsInput } from '@ldap-login/config-schema';
import type { LoginDirectory } from '../../accounts/directory-port.ts';
import { createDirectory } from '../../directory-adapter.ts';
import { createTestApp, type TestApp, type TestAppOptions } from '../../test-support/test-app.ts';
import type { LogCapture } from './log-capture.ts';

export interface DirectoryApp {
  app: TestApp;
  directory: LoginDirectory;
  close(): Promise<void>;
}

export async function directoryApp(
  entry: LdapEntryInput,
  logs: LogCapture,
  options: Omit<TestAppOptions, 'directory' | 'settings' | 'logger'> & {
    settings?: Partial<SettingsInput>;
  } = {},
): Promise<DirectoryApp> {
  const directory = createDirectory([ldapEntrySchema.parse(entry)], logs.logger());
  const app = await createTestApp({
    ...options,
    directory,
    logger: logs.logger(),
    settings: { LDAP: [entry], LOG_LEVEL: 'debug', ...options.settings },
  });
  return {
    app,
    directory,
    async close() {
      await directory.close();
      await app.close();
    },
  };
}
