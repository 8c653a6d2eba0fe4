import type { ApiRoutes, RouteAnswer } from '@isac/api';

export type Participation = RouteAnswer<ApiRoutes['participation']>;

/** RFC 4180: a header row, then the rows; a field quoted when it holds a comma, a quote or a line break. */
export function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/**
 * The participation report as CSV, in the columns of `isac admin report participation --format
 * csv` (per organisation; `--by region`: per prefecture), built from the same route's answer.
 */
export function participationCsv(r: Participation, by: 'org' | 'region'): string {
  if (by === 'region')
    return csv(
      ['CODE', '都道府県', 'REGION', 'ORGS', 'SUBMITTING', 'RECEIVING', 'SUBMITTED', 'RECEIVED', 'ACKED'],
      r.byPrefecture.map((x) => [
        x.code,
        x.nameJa,
        x.nameEn,
        String(x.orgs),
        String(x.submitting),
        String(x.receiving),
        String(x.submitted),
        String(x.received),
        String(x.acknowledged),
      ]),
    );
  return csv(
    [
      'ORG',
      'NAME',
      'SECTOR',
      'REGION',
      'TIER',
      'ACTIVE',
      'SUBMITTED',
      'RECEIVED',
      'ACKED',
      'MEDIAN ACK SECONDS',
    ],
    r.orgs.map((x) => [
      x.orgId,
      x.name,
      x.sector,
      x.region || '-',
      x.tier,
      x.active ? 'yes' : 'no',
      String(x.submitted),
      String(x.received),
      String(x.acknowledged),
      x.medianAckSeconds === null ? '' : String(x.medianAckSeconds),
    ]),
  );
}

/** The shade (0 none, 1–4 light to dark) of a count on a scale up to `max`. */
export function shadeOf(count: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(4, Math.max(1, Math.ceil((count / max) * 4))) as 1 | 2 | 3 | 4;
}

/** The legend of the shades up to `max`: each step with the counts it covers (steps covering none left out). */
export function shadeSteps(max: number): { shade: 1 | 2 | 3 | 4; from: number; to: number }[] {
  return ([1, 2, 3, 4] as const)
    .map((shade) => ({
      shade,
      from: Math.floor(((shade - 1) / 4) * max) + 1,
      to: Math.floor((shade / 4) * max),
    }))
    .filter((s) => s.from <= s.to);
}
