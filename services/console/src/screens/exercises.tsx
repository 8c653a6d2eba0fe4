import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { api, isUnauthenticated, messageOf } from '../api.js';
import type { MessageKey, Translate } from '../i18n.js';

type Exercise = RouteAnswer<ApiRoutes['listExercises']>[number];
type Report = RouteAnswer<ApiRoutes['exerciseReport']>;
type Org = RouteAnswer<ApiRoutes['listOrgs']>[number];

function reason(err: unknown): string {
  if (err instanceof ApiError && err.details.length)
    return `${err.message} (${err.details.map((d) => `${d.path || '/'}: ${d.message}`).join('; ')})`;
  return messageOf(err);
}

const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/** `datetime-local` value (local time, minutes) of a date, and back to an ISO instant. */
const localInput = (d: Date): string => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

function Board({ t, report }: { t: Translate; report: Report }) {
  const names = report.exercise.participants;
  return (
    <section class="card span-all" aria-labelledby="board-heading" data-testid="ack-board">
      <h3 id="board-heading">{t('ex.board.heading', { name: report.exercise.name })}</h3>
      <div class="scroll">
        <table>
          <caption class="visually-hidden">{t('ex.board.summary')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('ex.participant')}</th>
              <th scope="col">{t('ex.board.delivered')}</th>
              <th scope="col">{t('ex.board.firstAck')}</th>
              <th scope="col">{t('ex.board.tta')}</th>
            </tr>
          </thead>
          <tbody>
            {report.participants.map((p) => (
              <tr key={p.orgId} data-org={p.orgId}>
                <th scope="row">{p.orgId}</th>
                <td>{p.deliveredAt ? when(p.deliveredAt) : t('ex.board.notDelivered')}</td>
                <td class={p.firstAckAt ? 'ok' : 'warn'}>
                  {p.firstAckAt ? when(p.firstAckAt) : t('ex.board.notYet')}
                </td>
                <td class="num">
                  {p.timeToAcknowledgeSeconds === null
                    ? '—'
                    : t('ex.board.seconds', { n: Math.round(p.timeToAcknowledgeSeconds) })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>{t('ex.board.objects')}</h4>
      {report.participants.every((p) => p.objects.length === 0) ? (
        <p class="muted">{t('ex.board.noObjects', { n: names.length })}</p>
      ) : (
        <div class="scroll">
          <table data-testid="ack-board-objects">
            <thead>
              <tr>
                <th scope="col">{t('ex.participant')}</th>
                <th scope="col">{t('ex.board.object')}</th>
                <th scope="col">{t('ex.board.channel')}</th>
                <th scope="col">{t('ex.board.delivered')}</th>
                <th scope="col">{t('ex.board.acknowledged')}</th>
              </tr>
            </thead>
            <tbody>
              {report.participants.flatMap((p) =>
                p.objects.map((o) => (
                  <tr key={`${p.orgId}|${o.objectId}|${o.channel}`}>
                    <td>{p.orgId}</td>
                    <td>
                      <code>{o.objectId}</code>
                    </td>
                    <td>{o.channel}</td>
                    <td>{when(o.deliveredAt)}</td>
                    <td class={o.acknowledgedAt ? 'ok' : 'warn'}>
                      {o.acknowledgedAt
                        ? t('ex.board.ackBy', { at: when(o.acknowledgedAt), by: o.acknowledgedBy ?? '?' })
                        : t('ex.board.notYet')}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Exercises (ADR 0033), hub administrators: list, create, close, and the acknowledgement board. */
export function Exercises({ t, onUnauthenticated }: { t: Translate; onUnauthenticated: () => void }) {
  const [exercises, setExercises] = useState<Exercise[] | undefined>();
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<string | undefined>();
  const now = new Date();
  const [name, setName] = useState('');
  const [start, setStart] = useState(localInput(now));
  const [end, setEnd] = useState(localInput(new Date(now.getTime() + 2 * 3600_000)));
  const [participants, setParticipants] = useState<string[]>([]);
  const [scenario, setScenario] = useState('');

  const run = <T,>(p: Promise<T>, then: (v: T) => void) => {
    setError(undefined);
    p.then(then, (err: unknown) => (isUnauthenticated(err) ? onUnauthenticated() : setError(reason(err))));
  };
  const reload = () => run(api.listExercises(), setExercises);
  useEffect(() => {
    reload();
    run(api.listOrgs(), setOrgs);
  }, []);
  const show = (id: string) => run(api.exerciseReport({ params: { exerciseId: id } }), setReport);

  const create = (e: Event) => {
    e.preventDefault();
    run(
      api.createExercise({
        body: {
          name: name.trim(),
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          participants,
          scenario,
        },
      }),
      (x) => {
        setName('');
        setScenario('');
        setParticipants([]);
        reload();
        show(x.id);
      },
    );
  };
  const close = (id: string) =>
    run(api.closeExercise({ params: { exerciseId: id } }), () => {
      reload();
      if (report?.exercise.id === id) show(id);
    });

  return (
    <section aria-labelledby="screen-heading">
      <h2 id="screen-heading">{t('nav.exercises')}</h2>
      {error && (
        <p class="error" role="alert">
          {t('subs.refused', { message: error })}
        </p>
      )}
      <div class="cards wide">
        <section class="card span-all" aria-labelledby="ex-list-heading" data-testid="exercises">
          <h3 id="ex-list-heading">{t('ex.list')}</h3>
          {exercises === undefined ? (
            <p class="muted">{t('loading')}</p>
          ) : exercises.length === 0 ? (
            <p>{t('ex.none')}</p>
          ) : (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('ex.name')}</th>
                    <th scope="col">{t('ex.state')}</th>
                    <th scope="col">{t('ex.window')}</th>
                    <th scope="col">{t('ex.participants')}</th>
                    <th scope="col">
                      <span class="visually-hidden">{t('ex.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {exercises.map((x) => (
                    <tr key={x.id} data-exercise={x.id}>
                      <td>
                        {x.name}
                        <br />
                        <code class="muted">{x.id}</code>
                      </td>
                      <td>{t(`ex.state.${x.state}` as MessageKey)}</td>
                      <td>
                        {when(x.start)} – {when(x.end)}
                      </td>
                      <td>{x.participants.join(', ')}</td>
                      <td class="actions">
                        <button
                          type="button"
                          onClick={() => show(x.id)}
                          aria-label={`${t('ex.board')}: ${x.name}`}
                        >
                          {t('ex.board')}
                        </button>
                        {x.state !== 'closed' && (
                          <button
                            type="button"
                            onClick={() => close(x.id)}
                            aria-label={`${t('ex.close')}: ${x.name}`}
                          >
                            {t('ex.close')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {report && <Board t={t} report={report} />}
        <section class="card" aria-labelledby="ex-create-heading">
          <h3 id="ex-create-heading">{t('ex.create')}</h3>
          <form class="form" name="exercise" onSubmit={create}>
            <label>
              {t('ex.name')}
              <input
                name="ex-name"
                required
                maxLength={200}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </label>
            <label>
              {t('ex.start')}
              <input
                name="ex-start"
                type="datetime-local"
                required
                value={start}
                onInput={(e) => setStart(e.currentTarget.value)}
              />
            </label>
            <label>
              {t('ex.end')}
              <input
                name="ex-end"
                type="datetime-local"
                required
                value={end}
                onInput={(e) => setEnd(e.currentTarget.value)}
              />
            </label>
            <fieldset>
              <legend>{t('ex.participants')}</legend>
              <div class="tlp-choices">
                {orgs.map((o) => (
                  <label key={o.id} class="check">
                    <input
                      type="checkbox"
                      name="ex-participants"
                      value={o.id}
                      checked={participants.includes(o.id)}
                      onChange={(e) =>
                        setParticipants(
                          e.currentTarget.checked
                            ? [...participants, o.id]
                            : participants.filter((x) => x !== o.id),
                        )
                      }
                    />
                    {o.name} <span class="muted">({o.id})</span>
                  </label>
                ))}
              </div>
            </fieldset>
            <label>
              {t('ex.scenario')}
              <textarea
                name="ex-scenario"
                rows={4}
                maxLength={10000}
                value={scenario}
                onInput={(e) => setScenario(e.currentTarget.value)}
              />
            </label>
            <p class="muted">{t('ex.howto')}</p>
            <button class="primary" type="submit" disabled={participants.length === 0}>
              {t('ex.create.submit')}
            </button>
          </form>
        </section>
      </div>
    </section>
  );
}
