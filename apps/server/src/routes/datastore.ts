/** `/datastore/`: list, create, read, write and delete the caller's datastores (Psono's shapes). */
import {
  ApiError,
  createDatastoreRequest,
  deleteDatastoreRequest,
  updateDatastoreRequest,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import type { UserRow } from '../accounts/account-service.ts';
import { audit } from '../audit.ts';
import type { AppEnv } from '../http/app-env.ts';
import { mapDirectoryError } from '../http/directory-errors.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedJson, readEncryptedJson } from '../http/validated-body.ts';
import { asApiErrors } from '../http/vault-errors.ts';
import { LoginThrottled, type ThrottleReservation } from '../throttle/login-throttle.ts';
import { pathId } from './vault-params.ts';

export function datastoreRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { datastores } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.get('/', async (c) => {
    const rows = await datastores.list(c.get('user')!.id);
    return encryptedJson(c, {
      datastores: rows.map((row) => ({
        id: row.id,
        type: row.type,
        description: row.description,
        is_default: row.is_default === 1,
      })),
    });
  });

  app.get('/:id', async (c) => {
    const id = pathId(c.req.param('id'), 'datastore');
    const row = await datastores.find(c.get('user')!.id, id);
    if (!row) throw new ApiError('NO_PERMISSION_OR_NOT_EXIST', `datastore ${id}`);
    return encryptedJson(c, {
      data: row.data,
      data_nonce: row.data_nonce,
      type: row.type,
      description: row.description,
      secret_key: row.secret_key,
      secret_key_nonce: row.secret_key_nonce,
      is_default: row.is_default === 1,
      write_date: new Date(Number(row.write_date)).toISOString(),
    });
  });

  app.put('/', async (c) => {
    const body = await readEncryptedJson(c, createDatastoreRequest);
    const data = body.data ?? '';
    const dataNonce = body.data_nonce ?? '';
    if ((data === '') !== (dataNonce === '')) {
      throw new ApiError('INVALID_REQUEST', 'data and data_nonce go together');
    }
    const id = await asApiErrors(() =>
      datastores.create(c.get('user')!.id, {
        type: body.type,
        description: body.description,
        data,
        dataNonce: dataNonce.toLowerCase(),
        secretKey: body.secret_key,
        secretKeyNonce: body.secret_key_nonce.toLowerCase(),
        // Psono's default: a new datastore becomes the default of its type.
        isDefault: body.is_default ?? true,
      }),
    );
    return encryptedJson(c, { datastore_id: id }, 201);
  });

  app.post('/', async (c) => {
    const body = await readEncryptedJson(c, updateDatastoreRequest);
    if ((body.data == null) !== (body.data_nonce == null)) {
      throw new ApiError('INVALID_REQUEST', 'data and data_nonce go together');
    }
    if ((body.secret_key == null) !== (body.secret_key_nonce == null)) {
      throw new ApiError('INVALID_REQUEST', 'secret_key and secret_key_nonce go together');
    }
    const writeDate = await asApiErrors(() =>
      datastores.update(c.get('user')!.id, body.datastore_id, {
        ...(body.data == null ? {} : { data: body.data, dataNonce: body.data_nonce!.toLowerCase() }),
        ...(body.secret_key == null
          ? {}
          : { secretKey: body.secret_key, secretKeyNonce: body.secret_key_nonce!.toLowerCase() }),
        ...(body.description == null ? {} : { description: body.description }),
        ...(body.is_default == null ? {} : { isDefault: body.is_default }),
        ...(body.old_write_date == null ? {} : { oldWriteDate: Date.parse(body.old_write_date) }),
      }),
    );
    return encryptedJson(c, { success: 'Data updated.', write_date: new Date(writeDate).toISOString() });
  });

  // Psono asks for the authkey, so a stolen session alone cannot delete a datastore. An LDAP user
  // has no authkey of their own: it is compared with the one the client sent with the password the
  // directory accepted at the last login; a password is checked against the directory itself.
  // Wrong ones count as failed logins of the user: this route is no way around the login throttle.
  app.delete('/', async (c) => {
    const user = c.get('user')!;
    const body = await readEncryptedJson(c, deleteDatastoreRequest);
    const clientAddress = c.get('clientAddress');
    // The check is reserved like a login attempt before anything is asked; only a wrong password
    // or authkey keeps it (as a failure), anything else gives it back.
    let reservation: ThrottleReservation;
    try {
      reservation = await services.executor.transaction((tx) =>
        services.throttle.reserve(tx, user.username, clientAddress),
      );
    } catch (error) {
      if (!(error instanceof LoginThrottled)) throw error;
      throw new ApiError('TOO_MANY_LOGIN_ATTEMPTS', error.message, {
        'Retry-After': String(error.retryAfterSeconds),
      });
    }
    let failureCounted = false;
    try {
      const owned = await datastores.find(user.id, body.datastore_id);
      if (!owned) throw new ApiError('NO_PERMISSION_OR_NOT_EXIST', `datastore ${body.datastore_id}`);
      const refusal = body.password
        ? await passwordRefusal(services, user, body.password)
        : (await services.serverSecrets.authkeyMatches(user.id, body.authkey!))
          ? undefined
          : 'authkey differs from the last login';
      if (refusal !== undefined) {
        failureCounted = true;
        audit(services, {
          event: 'datastore_delete',
          outcome: 'failure',
          userId: user.id,
          username: user.username,
          clientAddress,
          reason: refusal,
        });
        throw new ApiError('PASSWORD_INCORRECT', refusal);
      }
      await asApiErrors(() => datastores.delete(user.id, body.datastore_id));
    } finally {
      if (!failureCounted) await services.throttle.releaseUncounted(services.executor, reservation);
    }
    audit(services, {
      event: 'datastore_delete',
      outcome: 'success',
      userId: user.id,
      clientAddress,
      details: { datastore_id: body.datastore_id },
    });
    return encryptedJson(c, {});
  });

  return app;
}

/** Why the directory refuses `password` for this account; undefined when it accepts it. */
async function passwordRefusal(
  services: ApiServices,
  user: UserRow,
  password: string,
): Promise<string | undefined> {
  try {
    const found = await services.directory.authenticate(user.username, password);
    // The same name could meanwhile belong to another directory entry.
    if (found.domain !== user.ldap_domain || found.guid !== user.guid)
      return 'password of another directory entry';
    return undefined;
  } catch (error) {
    const failure = mapDirectoryError(error);
    if (!failure) throw error;
    if (!failure.isRefusal) throw failure.apiError;
    return failure.reason;
  }
}
