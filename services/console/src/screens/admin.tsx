import { useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import type { Lang, MessageKey, Translate } from '../i18n.js';
import { ApprovalsPanel } from './admin/approvals.js';
import { AuditPanel } from './admin/audit.js';
import { DeadLettersPanel } from './admin/dead-letters.js';
import { OrgsPanel } from './admin/orgs.js';
import { ParticipationPanel } from './admin/participation.js';
import { UsersPanel } from './admin/users.js';
import { Loaded, useLoad } from './admin/common.js';
import { api } from '../api.js';

type Me = RouteAnswer<ApiRoutes['me']>;
type HubInfo = RouteAnswer<ApiRoutes['hubInfo']>;

export const ADMIN_TABS = ['orgs', 'users', 'dead', 'audit', 'approvals', 'report'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

/**
 * The panels a caller may use, as the API authorises them: hub administrators all; an org-admin
 * its own users and audit log; a hub analyst (analyst of the hub's organisation) the block-list
 * approval queue. Nobody else gets the screen. Hiding is a convenience: the API refuses the rest.
 */
export function adminTabs(me: Me, hub: HubInfo): readonly AdminTab[] {
  const inHub = me.orgId === hub.orgId;
  if (inHub && (me.roles.includes('hub-admin') || me.scopes.includes('admin'))) return ADMIN_TABS;
  const tabs: AdminTab[] = [];
  if (me.roles.includes('org-admin')) tabs.push('users', 'audit');
  if (inHub && me.roles.includes('analyst')) tabs.push('approvals');
  return tabs;
}

export function Admin(props: {
  t: Translate;
  lang: Lang;
  me: Me;
  hub: HubInfo;
  onUnauthenticated: () => void;
}) {
  const { t, lang, me, hub, onUnauthenticated } = props;
  const tabs = adminTabs(me, hub);
  const [tab, setTab] = useState<AdminTab | undefined>(tabs[0]);
  const hubAdmin = tabs.includes('orgs');
  const [orgIds] = useLoad(
    () => (hubAdmin ? api.listOrgs().then((l) => l.map((o) => o.id)) : Promise.resolve([me.orgId])),
    [hubAdmin],
    onUnauthenticated,
  );
  if (tabs.length === 0 || !tab)
    return (
      <section aria-labelledby="screen-heading" data-testid="admin-denied">
        <h2 id="screen-heading">{t('nav.admin')}</h2>
        <p>{t('admin.denied')}</p>
      </section>
    );
  const label = (x: AdminTab) => t(`admin.tab.${x}` as MessageKey);
  const panel = { t, lang, onUnauthenticated };
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.indexOf(tab);
    const next =
      e.key === 'ArrowRight'
        ? tabs[(i + 1) % tabs.length]
        : e.key === 'ArrowLeft'
          ? tabs[(i - 1 + tabs.length) % tabs.length]
          : undefined;
    if (!next) return;
    e.preventDefault();
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <section aria-labelledby="screen-heading" data-testid="admin">
      <h2 id="screen-heading">{t('nav.admin')}</h2>
      <div class="tabs" role="tablist" aria-label={t('nav.admin')} onKeyDown={onKey}>
        {tabs.map((x) => (
          <button
            key={x}
            id={`tab-${x}`}
            type="button"
            role="tab"
            aria-selected={x === tab}
            aria-controls="admin-panel"
            tabIndex={x === tab ? 0 : -1}
            onClick={() => setTab(x)}
          >
            {label(x)}
          </button>
        ))}
      </div>
      <div id="admin-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={0}>
        {tab === 'orgs' && <OrgsPanel {...panel} />}
        {tab === 'users' && (
          <Loaded t={t} load={orgIds}>
            {(ids) => <UsersPanel {...panel} orgIds={ids} hubOrgId={hub.orgId} />}
          </Loaded>
        )}
        {tab === 'dead' && <DeadLettersPanel {...panel} />}
        {tab === 'audit' && <AuditPanel {...panel} />}
        {tab === 'approvals' && <ApprovalsPanel {...panel} />}
        {tab === 'report' && <ParticipationPanel {...panel} />}
      </div>
    </section>
  );
}
