/**
 * `/secret/` (create, read, write), `/secret/link/` (move, delete), `/secret/history/<id>/` and
 * `/history/<id>/` (earlier versions), in Psono's shapes.
 */
import {
  createSecretRequest,
  deleteSecretLinkRequest,
  moveSecretLinkRequest,
  updateSecretRequest,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedJson, readEncryptedJson } from '../http/validated-body.ts';
import { asApiErrors } from '../http/vault-errors.ts';
import type { SecretVersion } from '../vault/secrets.ts';
import { parentOf, pathId } from './vault-params.ts';

function versionReply(version: SecretVersion) {
  return {
    create_date: new Date(version.created_at).toISOString(),
    write_date: new Date(version.write_date).toISOString(),
    data: version.data,
    data_nonce: version.data_nonce,
    type: null,
    callback_url: version.callback_url,
    callback_user: version.callback_user,
    callback_pass: version.callback_pass,
  };
}

export function secretRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { secrets } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.put('/', async (c) => {
    const body = await readEncryptedJson(c, createSecretRequest);
    const parent = parentOf(
      body.parent_datastore_id,
      body.parent_share_id,
      'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED',
    );
    const id = await asApiErrors(() =>
      secrets.create(c.get('user')!.id, {
        data: body.data,
        dataNonce: body.data_nonce,
        linkId: body.link_id,
        parent,
        callbackUrl: body.callback_url ?? '',
        callbackUser: body.callback_user ?? '',
        callbackPass: body.callback_pass ?? '',
      }),
    );
    return encryptedJson(c, { secret_id: id }, 201);
  });

  app.post('/', async (c) => {
    const body = await readEncryptedJson(c, updateSecretRequest);
    await asApiErrors(() =>
      secrets.update(c.get('user')!.id, body.secret_id, {
        ...(body.data == null ? {} : { data: body.data, dataNonce: body.data_nonce! }),
        ...(body.callback_url == null ? {} : { callbackUrl: body.callback_url }),
        ...(body.callback_user == null ? {} : { callbackUser: body.callback_user }),
        ...(body.callback_pass == null ? {} : { callbackPass: body.callback_pass }),
      }),
    );
    return encryptedJson(c, { success: 'Data updated.' });
  });

  app.post('/link', async (c) => {
    const body = await readEncryptedJson(c, moveSecretLinkRequest);
    const parent = parentOf(body.new_parent_datastore_id, body.new_parent_share_id, 'NO_PARENT_PROVIDED');
    await asApiErrors(() => secrets.moveLink(c.get('user')!.id, body.link_id, parent));
    return encryptedJson(c, {});
  });

  app.delete('/link', async (c) => {
    const body = await readEncryptedJson(c, deleteSecretLinkRequest);
    await asApiErrors(() => secrets.deleteLink(c.get('user')!.id, body.link_id));
    return encryptedJson(c, {});
  });

  app.get('/history/:id', async (c) => {
    const history = await asApiErrors(() =>
      secrets.history(c.get('user')!.id, pathId(c.req.param('id'), 'secret')),
    );
    return encryptedJson(c, {
      history: history.map((item) => ({
        id: item.id,
        create_date: new Date(item.created_at).toISOString(),
        username: item.username,
      })),
    });
  });

  app.get('/:id', async (c) => {
    const secret = await asApiErrors(() =>
      secrets.read(c.get('user')!.id, pathId(c.req.param('id'), 'secret')),
    );
    return encryptedJson(c, { ...versionReply(secret), read_count: secret.read_count });
  });

  return app;
}

/** `GET /history/<id>/`: one earlier version of a secret. */
export function historyRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));
  app.get('/:id', async (c) => {
    const version = await asApiErrors(() =>
      services.vault.secrets.historyItem(c.get('user')!.id, pathId(c.req.param('id'), 'history')),
    );
    return encryptedJson(c, versionReply(version));
  });
  return app;
}
