import { Attribute, Change, Client } from 'ldapts';
import type { TestDirectory } from './start-directory.ts';

/**
 * Changes a user's password in the test directory, as its administrator would (a password rotation
 * in the directory, which the server only learns about at the user's next login).
 */
export async function setUserPassword(
  directory: TestDirectory,
  userDn: string,
  password: string,
): Promise<void> {
  const client = new Client({ url: directory.url });
  try {
    await client.bind(directory.adminDn, directory.adminPassword);
    await client.modify(
      userDn,
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'userPassword', values: [password] }),
      }),
    );
  } finally {
    await client.unbind();
  }
}
