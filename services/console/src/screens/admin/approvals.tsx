import { useState } from 'preact/hooks';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { api } from '../../api.js';
import type { Translate } from '../../i18n.js';
import { Loaded, OutcomeLine, useAction, useLoad, when, type PanelProps } from './common.js';

type Approval = RouteAnswer<ApiRoutes['listBlocklistApprovals']>['approvals'][number];
const STATES = ['pending', 'approved', 'rejected', 'withdrawn', 'all'] as const;
type State = (typeof STATES)[number];

/** The block-list approval queue (ADR 0030): hub administrators and hub analysts approve or reject. */
export function ApprovalsPanel({ t, lang, onUnauthenticated }: PanelProps) {
  const [state, setState] = useState<State>('pending');
  const [page, reload] = useLoad(
    () => api.listBlocklistApprovals({ query: { state, limit: '200' } }),
    [state],
    onUnauthenticated,
  );
  const action = useAction(t, onUnauthenticated);
  return (
    <section aria-labelledby="approvals-heading" data-testid="approvals-panel">
      <h3 id="approvals-heading">{t('approvals.heading')}</h3>
      <p class="muted">{t('approvals.help')}</p>
      <label>
        {t('approvals.state')}
        <select name="approvalState" value={state} onChange={(e) => setState(e.currentTarget.value as State)}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {t(`approvals.state.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <OutcomeLine outcome={action.outcome} testId="approvals-outcome" />
      <Loaded t={t} load={page}>
        {({ approvals }) =>
          approvals.length === 0 ? (
            <p>{t('approvals.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('approvals.indicator')}</th>
                  <th scope="col">{t('approvals.submitter')}</th>
                  <th scope="col">{t('approvals.observables')}</th>
                  <th scope="col">{t('approvals.state')}</th>
                  <th scope="col">{t('approvals.decision')}</th>
                </tr>
              </thead>
              <tbody>
                {approvals.map((a) => (
                  <ApprovalRow
                    key={a.id}
                    t={t}
                    entry={a}
                    created={when(lang, a.createdAt)}
                    decided={when(lang, a.decidedAt)}
                    busy={action.busy}
                    decide={(verb, reason) =>
                      action.run(
                        () =>
                          (verb === 'approve' ? api.approveBlocklistEntry : api.rejectBlocklistEntry)({
                            params: { approvalId: a.id },
                            body: reason ? { reason } : {},
                          }),
                        (r) =>
                          t(verb === 'approve' ? 'approvals.approved' : 'approvals.rejected', {
                            id: r.indicatorId,
                          }),
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

function ApprovalRow(props: {
  t: Translate;
  entry: Approval;
  created: string;
  decided: string;
  busy: boolean;
  decide: (verb: 'approve' | 'reject', reason: string) => void;
}) {
  const { t, entry: a } = props;
  const [reason, setReason] = useState('');
  return (
    <tr>
      <th scope="row" class="wrap">
        <code class="small">{a.indicatorId}</code>
        <br />
        <span class="muted small">
          {props.created}
          {a.exercise ? ` · ${t('approvals.exercise')}` : ''}
        </span>
      </th>
      <td>{a.submitterOrgId}</td>
      <td class="wrap">
        {a.observables.map((o) => (
          <div key={`${o.kind}:${o.value}`}>
            {o.kind}: <code>{o.value}</code>
          </div>
        ))}
      </td>
      <td>
        {t(`approvals.state.${a.state}`)}
        {a.decidedBy && (
          <div class="muted small">
            {a.decidedBy} · {props.decided}
            {a.reason ? ` · ${a.reason}` : ''}
          </div>
        )}
      </td>
      <td>
        {a.state === 'pending' ? (
          <div class="actions">
            <label>
              <span class="visually-hidden">{t('approvals.reason')}</span>
              <input
                name="reason"
                placeholder={t('approvals.reason')}
                maxLength={1000}
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </label>
            <button type="button" disabled={props.busy} onClick={() => props.decide('approve', reason)}>
              {t('approvals.approve')}
            </button>
            <button type="button" disabled={props.busy} onClick={() => props.decide('reject', reason)}>
              {t('approvals.reject')}
            </button>
          </div>
        ) : (
          '-'
        )}
      </td>
    </tr>
  );
}
