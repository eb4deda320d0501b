/**
 * Sharing in Psono's shapes: `/group/`, `/group/rights/`, `/membership/` (invite, admin flags,
 * remove, accept, decline), `/share/` (create, read, write, list), `/share/right/` (grant, change,
 * revoke, accept, decline, overview), `/share/rights/<id>/`, `/share/link/` and `/job/`. A caller
 * without the needed right on any id of a request gets 403 `NO_PERMISSION_OR_NOT_EXIST`, whether
 * or not the id exists.
 */
import {
  acceptShareRightRequest,
  createGroupRequest,
  createMembershipRequest,
  createShareLinkRequest,
  createShareRequest,
  createShareRightRequest,
  declineShareRightRequest,
  deleteGroupRequest,
  deleteShareLinkRequest,
  deleteShareRightRequest,
  type JobsReply,
  membershipIdRequest,
  membershipMissingGroupSecretRequest,
  moveShareLinkRequest,
  updateGroupRequest,
  updateMembershipRequest,
  updateShareRequest,
  updateShareRightRequest,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedBody, encryptedJson } from '../http/validated-body.ts';
import { asApiErrors } from '../http/vault-errors.ts';
import { parentOf, pathId } from './vault-params.ts';

export function groupRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { groups } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.get('/', async (c) => encryptedJson(c, { groups: await groups.list(c.get('user')!.id) }));
  app.get('/rights', async (c) => encryptedJson(c, { group_rights: await groups.rights(c.get('user')!.id) }));
  app.get('/rights/:id', async (c) =>
    encryptedJson(c, {
      group_rights: await asApiErrors(() =>
        groups.rights(c.get('user')!.id, pathId(c.req.param('id'), 'group')),
      ),
    }),
  );
  app.get('/:id', async (c) => {
    const group = await asApiErrors(() => groups.read(c.get('user')!.id, pathId(c.req.param('id'), 'group')));
    return encryptedJson(c, group);
  });
  app.put('/', encryptedBody(createGroupRequest), async (c) =>
    encryptedJson(c, await groups.create(c.get('user')!.id, c.req.valid('json')), 201),
  );
  app.post('/', encryptedBody(updateGroupRequest), async (c) => {
    const body = c.req.valid('json');
    await asApiErrors(() => groups.rename(c.get('user')!.id, body.group_id, body.name));
    return encryptedJson(c, {});
  });
  app.delete('/', encryptedBody(deleteGroupRequest), async (c) => {
    await asApiErrors(() => groups.delete(c.get('user')!.id, c.req.valid('json').group_id));
    return encryptedJson(c, {});
  });
  return app;
}

export function membershipRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { groups } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.put('/', encryptedBody(createMembershipRequest), async (c) => {
    const id = await asApiErrors(() => groups.invite(c.get('user')!.id, c.req.valid('json')));
    return encryptedJson(c, { membership_id: id }, 201);
  });
  app.post('/', encryptedBody(updateMembershipRequest), async (c) => {
    const body = c.req.valid('json');
    await asApiErrors(() =>
      groups.updateMembership(c.get('user')!.id, body.membership_id, {
        groupAdmin: body.group_admin ?? false,
        shareAdmin: body.share_admin ?? true,
      }),
    );
    return encryptedJson(c, {});
  });
  app.delete('/', encryptedBody(membershipIdRequest), async (c) => {
    await asApiErrors(() => groups.deleteMembership(c.get('user')!.id, c.req.valid('json').membership_id));
    return encryptedJson(c, {});
  });
  app.post('/accept', encryptedBody(membershipIdRequest), async (c) =>
    encryptedJson(
      c,
      await asApiErrors(() => groups.accept(c.get('user')!.id, c.req.valid('json').membership_id)),
    ),
  );
  app.post('/decline', encryptedBody(membershipIdRequest), async (c) => {
    await asApiErrors(() => groups.decline(c.get('user')!.id, c.req.valid('json').membership_id));
    return encryptedJson(c, {});
  });
  return app;
}

export function shareRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { shares } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  // Share rights (before `/:id`, which would take `right` for an id).
  app.get('/right', async (c) =>
    encryptedJson(c, { share_rights: await shares.overview(c.get('user')!.id) }),
  );
  app.put('/right', encryptedBody(createShareRightRequest), async (c) => {
    const id = await asApiErrors(() => shares.grant(c.get('user')!.id, c.req.valid('json')));
    return encryptedJson(c, { share_right_id: id }, 201);
  });
  app.post('/right', encryptedBody(updateShareRightRequest), async (c) => {
    const body = c.req.valid('json');
    const id = await asApiErrors(() =>
      shares.updateRight(
        c.get('user')!.id,
        body.share_id,
        { userId: body.user_id, groupId: body.group_id },
        { read: body.read, write: body.write, grant: body.grant },
      ),
    );
    return encryptedJson(c, { share_right_id: id });
  });
  app.delete('/right', encryptedBody(deleteShareRightRequest), async (c) => {
    const body = c.req.valid('json');
    await asApiErrors(() =>
      shares.revoke(c.get('user')!.id, {
        userShareRightId: body.user_share_right_id,
        groupShareRightId: body.group_share_right_id,
      }),
    );
    return encryptedJson(c, {});
  });
  app.post('/right/accept', encryptedBody(acceptShareRightRequest), async (c) => {
    const body = c.req.valid('json');
    const reply = await asApiErrors(() =>
      shares.accept(c.get('user')!.id, body.share_right_id, { key: body.key, keyNonce: body.key_nonce }),
    );
    return encryptedJson(c, reply);
  });
  app.post('/right/decline', encryptedBody(declineShareRightRequest), async (c) => {
    await asApiErrors(() => shares.decline(c.get('user')!.id, c.req.valid('json').share_right_id));
    return encryptedJson(c, {});
  });
  app.get('/rights/:id', async (c) =>
    encryptedJson(
      c,
      await asApiErrors(() => shares.rightsOf(c.get('user')!.id, pathId(c.req.param('id'), 'share'))),
    ),
  );

  // Share links.
  app.put('/link', encryptedBody(createShareLinkRequest), async (c) => {
    const body = c.req.valid('json');
    const parent = parentOf(
      body.parent_datastore_id,
      body.parent_share_id,
      'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED',
    );
    await asApiErrors(() => shares.link(c.get('user')!.id, body.link_id, body.share_id, parent));
    return encryptedJson(c, {}, 201);
  });
  app.post('/link', encryptedBody(moveShareLinkRequest), async (c) => {
    const body = c.req.valid('json');
    const parent = parentOf(body.new_parent_datastore_id, body.new_parent_share_id, 'NO_PARENT_PROVIDED');
    await asApiErrors(() => shares.moveLink(c.get('user')!.id, body.link_id, parent));
    return encryptedJson(c, {});
  });
  app.delete('/link', encryptedBody(deleteShareLinkRequest), async (c) => {
    await asApiErrors(() => shares.unlink(c.get('user')!.id, c.req.valid('json').link_id));
    return encryptedJson(c, {});
  });

  // Shares.
  app.get('/', async (c) => encryptedJson(c, { shares: await shares.list(c.get('user')!.id) }));
  app.get('/:id', async (c) =>
    encryptedJson(
      c,
      await asApiErrors(() => shares.read(c.get('user')!.id, pathId(c.req.param('id'), 'share'))),
    ),
  );
  app.post('/', encryptedBody(createShareRequest), async (c) => {
    const body = c.req.valid('json');
    const parent = parentOf(
      body.parent_datastore_id,
      body.parent_share_id,
      'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED',
    );
    const id = await asApiErrors(() =>
      shares.create(c.get('user')!.id, {
        data: body.data,
        dataNonce: body.data_nonce,
        key: body.key,
        keyNonce: body.key_nonce,
        linkId: body.link_id,
        parent,
      }),
    );
    return encryptedJson(c, { share_id: id }, 201);
  });
  app.put('/', encryptedBody(updateShareRequest), async (c) => {
    const body = c.req.valid('json');
    const writeDate = await asApiErrors(() =>
      shares.update(c.get('user')!.id, body.share_id, body.data, body.data_nonce),
    );
    return encryptedJson(c, { success: 'Data updated.', write_date: new Date(writeDate).toISOString() });
  });
  return app;
}

/**
 * `/job/`: the work the official client does for the server when `info.type` is "EE": handing a
 * group's keys to forced members who lack them. Staff is no concept here: that list stays empty.
 */
export function jobRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { groups } = services.vault;
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.get('/', async (c) =>
    encryptedJson(c, {
      memberships_missing_group_secrets: await groups.missingGroupSecretJobs(c.get('user')!.id),
      staff_missing_group_secrets: [],
    } satisfies JobsReply),
  );
  app.post(
    '/membership-missing-group-secret',
    encryptedBody(membershipMissingGroupSecretRequest),
    async (c) => {
      const body = c.req.valid('json');
      await asApiErrors(() =>
        groups.handOverKeys(c.get('user')!.id, body.membership_id, {
          secretKey: body.secret_key,
          secretKeyNonce: body.secret_key_nonce,
          privateKey: body.private_key,
          privateKeyNonce: body.private_key_nonce,
        }),
      );
      return encryptedJson(c, {});
    },
  );
  return app;
}
