import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { JAPAN_MAP } from '@isac/regions/japan-map';
import { api } from '../../api.js';
import type { Lang, MessageKey, Translate } from '../../i18n.js';
import { participationCsv, shadeOf, shadeSteps, type Participation } from '../../participation-csv.js';
import { day, Loaded, useLoad, type PanelProps } from './common.js';

type Prefecture = Participation['byPrefecture'][number];
const METRICS = ['orgs', 'submitting', 'receiving', 'submitted', 'received'] as const;
type Metric = (typeof METRICS)[number];

/** A horizontal bar, drawn as SVG geometry (no style attribute: the CSP allows none). */
function Bar({ value, max }: { value: number; max: number }) {
  const width = max > 0 ? Math.round((value / max) * 1000) / 10 : 0;
  return (
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect class="bar-track" x="0" y="0" width="100" height="10" />
      <rect class="bar-fill" x="0" y="0" width={String(width)} height="10" />
    </svg>
  );
}

/** A table whose numeric cells carry a bar: the chart and its accessible text in one. */
function BarTable(props: {
  t: Translate;
  caption: string;
  testId: string;
  head: string;
  columns: readonly { key: string; label: string }[];
  rows: readonly { label: string; values: Readonly<Record<string, number>> }[];
}) {
  const max = Math.max(0, ...props.rows.flatMap((r) => props.columns.map((c) => r.values[c.key] ?? 0)));
  return (
    <table class="chart" data-testid={props.testId}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.head}</th>
          {props.columns.map((c) => (
            <th scope="col" key={c.key}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            {props.columns.map((c) => (
              <td key={c.key} class="bar-cell">
                <span class="num">{r.values[c.key] ?? 0}</span>
                <Bar value={r.values[c.key] ?? 0} max={max} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const nameOf = (lang: Lang, p: Prefecture): string => (lang === 'ja' ? p.nameJa : p.nameEn);

/**
 * The fills of classes 2-4: the class colour under a pattern in the background colour (lines,
 * cross-hatch, dots), so adjacent classes differ by more than colour (WCAG 1.4.11; styles.css).
 * In user units of the map (1600 wide) and of the 40-unit legend swatches alike.
 */
function MapPatterns() {
  const tile = (id: string, shade: number, marks: ComponentChildren) => (
    <pattern id={id} patternUnits="userSpaceOnUse" width="20" height="20">
      <rect class={`map-base-${shade}`} width="20" height="20" />
      {marks}
    </pattern>
  );
  // lines from corner to corner of the tile, and their ends in the neighbouring corners
  const rising = [
    [-5, 5, 5, -5],
    [0, 20, 20, 0],
    [15, 25, 25, 15],
  ];
  const falling = [
    [-5, 15, 5, 25],
    [0, 0, 20, 20],
    [15, -5, 25, 5],
  ];
  const lines = (ls: number[][]) =>
    ls.map(([x1, y1, x2, y2]) => (
      <line
        key={`${x1},${y1}`}
        class="map-hatch"
        x1={String(x1)}
        y1={String(y1)}
        x2={String(x2)}
        y2={String(y2)}
      />
    ));
  return (
    <defs>
      {tile('map-fill-2', 2, lines(rising))}
      {tile('map-fill-3', 3, lines([...rising, ...falling]))}
      {tile('map-fill-4', 4, <circle class="map-dot" cx="10" cy="10" r="4.5" />)}
    </defs>
  );
}

/**
 * Japan's prefectures shaded by a count (five steps, a legend), with the count in each outline's
 * title and a label on every prefecture that has any; the table below says the same in text.
 */
export function JapanMap(props: { t: Translate; lang: Lang; rows: readonly Prefecture[]; metric: Metric }) {
  const { t, lang, rows, metric } = props;
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const max = Math.max(0, ...rows.filter((r) => r.code.startsWith('JP-')).map((r) => r[metric]));
  const metricName = t(`report.metric.${metric}`);
  const steps = shadeSteps(max);
  return (
    <figure class="map" data-testid="japan-map">
      <svg
        class="japan-map"
        viewBox={JAPAN_MAP.viewBox}
        role="img"
        aria-labelledby="map-title"
        focusable="false"
      >
        <title id="map-title">{t('report.map.title', { metric: metricName })}</title>
        <MapPatterns />
        {JAPAN_MAP.insets.map(({ frame }) => (
          <rect
            key={frame.join(',')}
            class="map-inset"
            x={String(frame[0])}
            y={String(frame[1])}
            width={String(frame[2])}
            height={String(frame[3])}
          />
        ))}
        <g class="map-prefectures">
          {JAPAN_MAP.prefectures.map((p) => {
            const row = byCode.get(p.code);
            const n = row ? row[metric] : 0;
            const shade = shadeOf(n, max);
            return (
              <path
                key={p.code}
                d={p.path}
                class={`map-shade-${shade}`}
                data-code={p.code}
                data-shade={shade}
              >
                <title>{`${row ? nameOf(lang, row) : p.code}: ${metricName} ${n}`}</title>
              </path>
            );
          })}
        </g>
        <g class="map-labels" aria-hidden="true">
          {JAPAN_MAP.prefectures.map((p) => {
            const row = byCode.get(p.code);
            if (!row || row[metric] === 0) return null;
            return (
              <text
                key={p.code}
                class="map-label"
                x={String(p.label[0])}
                y={String(p.label[1])}
                text-anchor="middle"
              >
                {`${nameOf(lang, row)} ${row[metric]}`}
              </text>
            );
          })}
        </g>
      </svg>
      <figcaption>
        <ul class="legend" aria-label={t('report.map.legend')}>
          <li>
            <svg class="swatch" viewBox="0 0 40 40" aria-hidden="true">
              <rect class="map-shade-0" width="40" height="40" />
            </svg>
            {t('report.map.none')}
          </li>
          {max > 0 &&
            steps.map((s) => (
              <li key={s.shade}>
                <svg class="swatch" viewBox="0 0 40 40" aria-hidden="true">
                  <rect class={`map-shade-${s.shade}`} width="40" height="40" data-shade={s.shade} />
                </svg>
                {s.from === s.to ? String(s.from) : `${s.from}–${s.to}`}
              </li>
            ))}
        </ul>
        <p class="muted small">{t('report.map.source')}</p>
      </figcaption>
    </figure>
  );
}

/** Offers a text as a file (a Blob URL: nothing inline, nothing sent anywhere). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The participation report (GET /api/v1/reports/participation) with its charts and map, and CSV. */
export function ParticipationPanel({ t, lang, onUnauthenticated }: PanelProps) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [period, setPeriod] = useState<{ from?: string; to?: string }>({});
  const [metric, setMetric] = useState<Metric>('orgs');
  const [report] = useLoad(
    () => api.participation({ query: period }),
    [period.from, period.to],
    onUnauthenticated,
  );
  const apply = (e: Event) => {
    e.preventDefault();
    setPeriod({
      ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
      ...(to ? { to: new Date(`${to}T00:00:00`).toISOString() } : {}),
    });
  };
  const counts = [
    { key: 'orgs', label: t('report.metric.orgs') },
    { key: 'submitting', label: t('report.metric.submitting') },
    { key: 'receiving', label: t('report.metric.receiving') },
  ];
  return (
    <section aria-labelledby="report-heading" data-testid="report-panel">
      <h3 id="report-heading">{t('report.heading')}</h3>
      <form class="admin-filters" onSubmit={apply} aria-label={t('report.period')}>
        <label>
          {t('report.from')}
          <input name="from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t('report.to')}
          <input name="to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          {t('report.apply')}
        </button>
      </form>
      <Loaded t={t} load={report}>
        {(r) => {
          const tiers = new Map<
            string,
            { orgs: number; active: number; submitted: number; received: number }
          >();
          for (const o of r.orgs) {
            const x = tiers.get(o.tier) ?? { orgs: 0, active: 0, submitted: 0, received: 0 };
            x.orgs += 1;
            if (o.active) x.active += 1;
            x.submitted += o.submitted;
            x.received += o.received;
            tiers.set(o.tier, x);
          }
          const places = r.byPrefecture.filter((p) => p.orgs > 0 || p.submitted > 0 || p.received > 0);
          const stamp = `${r.from.slice(0, 10)}_${r.to.slice(0, 10)}`;
          return (
            <>
              <p data-testid="report-period">
                {t('report.periodText', { from: day(lang, r.from), to: day(lang, r.to) })}
              </p>
              <dl class="totals">
                <div>
                  <dt>{t('report.totals.orgs')}</dt>
                  <dd>{r.totals.orgs}</dd>
                </div>
                <div>
                  <dt>{t('report.totals.active')}</dt>
                  <dd>{r.totals.active}</dd>
                </div>
                <div>
                  <dt>{t('report.metric.submitting')}</dt>
                  <dd>{r.totals.submitting}</dd>
                </div>
                <div>
                  <dt>{t('report.metric.receiving')}</dt>
                  <dd>{r.totals.receiving}</dd>
                </div>
              </dl>
              <div class="actions">
                <button
                  type="button"
                  name="csvOrg"
                  onClick={() => download(`participation_${stamp}_org.csv`, participationCsv(r, 'org'))}
                >
                  {t('report.csv.org')}
                </button>
                <button
                  type="button"
                  name="csvRegion"
                  onClick={() => download(`participation_${stamp}_region.csv`, participationCsv(r, 'region'))}
                >
                  {t('report.csv.region')}
                </button>
              </div>
              <div class="charts">
                <BarTable
                  t={t}
                  testId="by-sector"
                  caption={t('report.bySector')}
                  head={t('orgs.col.sector')}
                  columns={counts}
                  rows={Object.entries(r.bySector)
                    .sort((a, b) => b[1].orgs - a[1].orgs)
                    .map(([sector, c]) => ({ label: sector, values: c }))}
                />
                <BarTable
                  t={t}
                  testId="by-tier"
                  caption={t('report.byTier')}
                  head={t('orgs.col.tier')}
                  columns={[
                    { key: 'orgs', label: t('report.metric.orgs') },
                    { key: 'active', label: t('report.totals.active') },
                    { key: 'submitted', label: t('report.metric.submitted') },
                    { key: 'received', label: t('report.metric.received') },
                  ]}
                  rows={Object.entries(r.byTier).map(([tier, n]) => ({
                    label: t(`tier.${tier}` as MessageKey),
                    values: { orgs: n, ...(tiers.get(tier) ?? {}) },
                  }))}
                />
              </div>
              <h4>{t('report.byPrefecture')}</h4>
              <label>
                {t('report.map.metric')}
                <select
                  name="metric"
                  value={metric}
                  onChange={(e) => setMetric(e.currentTarget.value as Metric)}
                >
                  {METRICS.map((m) => (
                    <option key={m} value={m}>
                      {t(`report.metric.${m}`)}
                    </option>
                  ))}
                </select>
              </label>
              <JapanMap t={t} lang={lang} rows={r.byPrefecture} metric={metric} />
              {places.length === 0 ? (
                <p>{t('report.noPlaces')}</p>
              ) : (
                <table data-testid="prefecture-table">
                  <caption>{t('report.prefectureTable')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('report.place')}</th>
                      {METRICS.map((m) => (
                        <th scope="col" key={m}>
                          {t(`report.metric.${m}`)}
                        </th>
                      ))}
                      <th scope="col">{t('report.metric.acknowledged')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {places.map((p) => (
                      <tr key={p.code} data-code={p.code}>
                        <th scope="row">{nameOf(lang, p)}</th>
                        {METRICS.map((m) => (
                          <td key={m} class="num">
                            {p[m]}
                          </td>
                        ))}
                        <td class="num">{p.acknowledged}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {r.trials.length > 0 && (
                <>
                  <h4>{t('report.trials')}</h4>
                  <ul>
                    {r.trials.map((x) => (
                      <li key={x.orgId}>
                        {x.name} ({x.orgId}): {day(lang, x.endsAt)} —{' '}
                        {x.expired ? t('orgs.trial.expired') : t('orgs.trial.daysLeft', { n: x.daysLeft })}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
