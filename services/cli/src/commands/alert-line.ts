/** What `isac watch` says about one alert message (a STIX bundle, single-object or grouped). */
export interface AlertSummary {
  readonly time: string;
  readonly topic: string;
  readonly alertId: string | undefined;
  readonly part: number;
  readonly parts: number;
  readonly tlp: string;
  readonly exercise: boolean;
  /** Objects by STIX type, marking definitions left out. */
  readonly counts: Record<string, number>;
  /** The value (indicator pattern's first value, observable value) or name of the first objects. */
  readonly firstValues: string[];
  /** `x_isac_alert.kind: "update"`: every object repeats a value the recipient could see reported (ADR 0044). */
  readonly update: boolean;
  /**
   * `x_isac_alert.correlation`: how many of the part's values were reported before, and, for
   * the first of them, the counts (reports, sectors) the recipient may see.
   */
  readonly reported:
    { readonly values: number; readonly reports: number; readonly sectors: number } | undefined;
}

const SHOWN = 3;

/** Whether `topic` carries alerts (`…/alerts/{tlp}/{type}`, exercises too), not block lists or acks. */
export function alertTlp(topic: string): string | undefined {
  const m = /\/alerts\/([^/]+)\/[^/]+$/.exec(topic);
  return m?.[1];
}

function valueOf(o: Record<string, unknown>): string | undefined {
  if (typeof o['pattern'] === 'string') {
    const m = /=\s*'((?:[^'\\]|\\.)*)'/.exec(o['pattern']);
    if (m) return m[1];
  }
  if (typeof o['value'] === 'string') return o['value'];
  if (typeof o['name'] === 'string') return o['name'];
  return undefined;
}

/** The part's correlation entries (ADR 0044) as counts; anything else in their place says nothing. */
function reportedOf(list: unknown): AlertSummary['reported'] {
  if (!Array.isArray(list)) return undefined;
  const entries = list.filter(
    (e): e is Record<string, unknown> =>
      typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>)['reports'] === 'number',
  );
  const first = entries[0];
  if (!first) return undefined;
  const sectors = first['sectors'];
  return {
    values: entries.length,
    reports: first['reports'] as number,
    sectors: typeof sectors === 'number' ? sectors : 0,
  };
}

export function summariseAlert(topic: string, payload: unknown, now: Date): AlertSummary {
  const b = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const x = (
    typeof b['x_isac_alert'] === 'object' && b['x_isac_alert'] !== null ? b['x_isac_alert'] : {}
  ) as Record<string, unknown>;
  const objects = (Array.isArray(b['objects']) ? b['objects'] : []).filter(
    (o): o is Record<string, unknown> =>
      typeof o === 'object' && o !== null && (o as Record<string, unknown>)['type'] !== 'marking-definition',
  );
  const counts: Record<string, number> = {};
  for (const o of objects) counts[String(o['type'])] = (counts[String(o['type'])] ?? 0) + 1;
  const bundleId = typeof b['id'] === 'string' ? b['id'].replace(/^bundle--/, '') : undefined;
  return {
    time: now.toISOString(),
    topic,
    alertId: typeof x['alert_id'] === 'string' ? x['alert_id'] : bundleId,
    part: typeof x['part'] === 'number' ? x['part'] : 1,
    parts: typeof x['parts'] === 'number' ? x['parts'] : 1,
    tlp: alertTlp(topic) ?? 'unknown',
    exercise: topic.includes('/exercise/') || x['exercise'] === true,
    counts,
    firstValues: objects
      .slice(0, SHOWN + 1)
      .map(valueOf)
      .filter((v): v is string => v !== undefined),
    update: x['kind'] === 'update',
    reported: reportedOf(x['correlation']),
  };
}

const plural = (n: number, type: string): string => (n === 1 ? type : type.endsWith('s') ? type : `${type}s`);

/** `reported before: 2 reports, 1 sector / 既報 2件・1業種`, or for several values how many. */
function reportedText(r: NonNullable<AlertSummary['reported']>): string {
  if (r.values > 1) return `${r.values} values reported before / 既報の値 ${r.values}件`;
  return (
    `reported before: ${r.reports} ${plural(r.reports, 'report')}, ${r.sectors} ${plural(r.sectors, 'sector')}` +
    ` / 既報 ${r.reports}件・${r.sectors}業種`
  );
}

/**
 * `2026-05-01T09:00:00.000Z  TLP:GREEN  3 indicators: 203.0.113.7, evil.example, …  ack 1b2c…`;
 * `[update/更新]` and `reported before: …` when the hub says so (ADR 0044).
 */
export function alertLine(s: AlertSummary): string {
  const types = Object.entries(s.counts);
  const total = types.reduce((n, [, k]) => n + k, 0);
  let what: string;
  if (total === 1) what = `${types[0]![0]} ${s.firstValues[0] ?? ''}`.trim();
  else {
    const kinds = types.map(([t, n]) => `${n} ${plural(n, t)}`).join(', ');
    const values = s.firstValues.slice(0, SHOWN).join(', ') + (total > SHOWN ? ', …' : '');
    what = `${kinds}${values ? `: ${values}` : ''}`;
  }
  return [
    s.time,
    `TLP:${s.tlp.toUpperCase().replace('-', '+')}`,
    ...(s.exercise ? ['[exercise/演習]'] : []),
    ...(s.update ? ['[update/更新]'] : []),
    what || '(no objects)',
    ...(s.reported ? [reportedText(s.reported)] : []),
    ...(s.parts > 1 ? [`part ${s.part}/${s.parts}`] : []),
    `ack ${s.alertId ?? '?'}`,
  ].join('  ');
}
