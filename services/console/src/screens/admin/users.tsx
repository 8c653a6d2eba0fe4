import { useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { ROLES } from '@isac/kernel';
import { api } from '../../api.js';
import type { Translate } from '../../i18n.js';
import { Loaded, OutcomeLine, useAction, useLoad, when, type PanelProps } from './common.js';

type User = RouteAnswer<ApiRoutes['listUsers']>[number];
type Role = (typeof ROLES)[number];

/** The roles a caller may give: hub-admin only in the hub's own organisation (the API decides too). */
const rolesFor = (hubOrg: boolean): readonly Role[] => ROLES.filter((r) => hubOrg || r !== 'hub-admin');

/** A generated password, shown once with how to pass it on. */
function OncePassword({ t, username, password }: { t: Translate; username: string; password: string }) {
  return (
    <div class="card once" role="status" data-testid="once-password">
      <p>{t('users.passwordOnce', { username })}</p>
      <p>
        <code>{password}</code>
      </p>
    </div>
  );
}

/**
 * An organisation's users (hub administrators choose the organisation; an org-admin sees its own):
 * create with roles, change roles, disable or enable, reset the password.
 */
export function UsersPanel(props: PanelProps & { orgIds: readonly string[]; hubOrgId: string }) {
  const { t, lang, onUnauthenticated } = props;
  const [orgId, setOrgId] = useState(props.orgIds[0] ?? '');
  const [users, reload] = useLoad(() => api.listUsers({ params: { orgId } }), [orgId], onUnauthenticated);
  const action = useAction(t, onUnauthenticated);
  const [shown, setShown] = useState<{ username: string; password: string } | undefined>();
  const [username, setUsername] = useState('');
  const [roles, setRoles] = useState<Role[]>(['analyst']);
  const hubOrg = orgId === props.hubOrgId;
  const create = (e: Event) => {
    e.preventDefault();
    setShown(undefined);
    action.run(
      () => api.createUser({ params: { orgId }, body: { username, roles } }),
      (r) => {
        if (r.password) setShown({ username: r.user.username, password: r.password });
        setUsername('');
        return t('users.created', { username: r.user.username });
      },
      reload,
    );
  };
  return (
    <section aria-labelledby="users-heading" data-testid="users-panel">
      <h3 id="users-heading">{t('users.heading')}</h3>
      {props.orgIds.length > 1 && (
        <label>
          {t('users.org')}
          <select name="userOrg" value={orgId} onChange={(e) => setOrgId(e.currentTarget.value)}>
            {props.orgIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
      )}
      <OutcomeLine outcome={action.outcome} testId="users-outcome" />
      {shown && <OncePassword t={t} {...shown} />}
      <details class="card form-card">
        <summary>{t('users.create.heading')}</summary>
        <form class="form-grid" onSubmit={create}>
          <label>
            {t('login.username')}
            <input
              name="newUsername"
              required
              pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{2,63}"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </label>
          <fieldset>
            <legend>{t('users.roles')}</legend>
            {rolesFor(hubOrg).map((r) => (
              <label key={r} class="check">
                <input
                  type="checkbox"
                  name="role"
                  value={r}
                  checked={roles.includes(r)}
                  onChange={(e) =>
                    setRoles(e.currentTarget.checked ? [...roles, r] : roles.filter((x) => x !== r))
                  }
                />
                {t(`role.${r}`)}
              </label>
            ))}
          </fieldset>
          <p class="muted small">{t('users.create.passwordNote')}</p>
          <div>
            <button class="primary" type="submit" disabled={action.busy || roles.length === 0}>
              {t('users.create.submit')}
            </button>
          </div>
        </form>
      </details>
      <Loaded t={t} load={users}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('users.none')}</p>
          ) : (
            <table data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">{t('login.username')}</th>
                  <th scope="col">{t('users.roles')}</th>
                  <th scope="col">{t('users.state')}</th>
                  <th scope="col">{t('users.created.at')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('orgs.col.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <UserRow
                    key={u.id}
                    t={t}
                    user={u}
                    created={when(lang, u.createdAt)}
                    roles={rolesFor(hubOrg)}
                    busy={action.busy}
                    run={(call, done, password) =>
                      action.run(
                        call,
                        (value) => {
                          const p = password?.(value);
                          setShown(p === undefined ? undefined : { username: u.username, password: p });
                          return done;
                        },
                        reload,
                      )
                    }
                  />
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

function UserRow(props: {
  t: Translate;
  user: User;
  created: string;
  roles: readonly Role[];
  busy: boolean;
  run: <T>(call: () => Promise<T>, done: string, password?: (value: T) => string | undefined) => void;
}) {
  const { t, user: u, busy, run } = props;
  const params = { orgId: u.orgId, userId: u.id };
  const [editing, setEditing] = useState(false);
  const [roles, setRoles] = useState<Role[]>([...u.roles]);
  const state = u.disabled
    ? t('users.disabled')
    : u.lockedUntil && new Date(u.lockedUntil) > new Date()
      ? t('users.locked')
      : t('users.enabled');
  return (
    <tr data-user={u.username}>
      <th scope="row">{u.username}</th>
      <td>
        {editing ? (
          <fieldset>
            <legend class="visually-hidden">{t('users.roles')}</legend>
            {props.roles.map((r) => (
              <label key={r} class="check">
                <input
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) =>
                    setRoles(e.currentTarget.checked ? [...roles, r] : roles.filter((x) => x !== r))
                  }
                />
                {t(`role.${r}`)}
              </label>
            ))}
            <button
              type="button"
              disabled={busy || roles.length === 0}
              onClick={() => {
                setEditing(false);
                run(
                  () => api.updateUser({ params, body: { roles } }),
                  t('users.rolesSaved', { username: u.username }),
                );
              }}
            >
              {t('users.saveRoles')}
            </button>
          </fieldset>
        ) : (
          u.roles.map((r) => t(`role.${r}`)).join(', ')
        )}
      </td>
      <td>{state}</td>
      <td>{props.created}</td>
      <td class="row-actions">
        {!editing && (
          <button type="button" disabled={busy} onClick={() => setEditing(true)}>
            {t('users.editRoles')}
          </button>
        )}
        {u.disabled ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(
                () => api.updateUser({ params, body: { disabled: false } }),
                t('users.enabledNow', { username: u.username }),
              )
            }
          >
            {t('users.enable')}
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(() => api.deleteUser({ params }), t('users.disabledNow', { username: u.username }))
            }
          >
            {t('users.disable')}
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            run(
              () => api.resetPassword({ params, body: {} }),
              t('users.resetDone', { username: u.username }),
              (r) => r.password,
            )
          }
        >
          {t('users.reset')}
        </button>
      </td>
    </tr>
  );
}
