import type { ApiClient, ApiRoutes, RouteAnswer } from '@isac/api';

type Status = RouteAnswer<ApiRoutes['submitBundle']>;
type Explanation = RouteAnswer<ApiRoutes['explainDistribution']>;

/** The status message the hub gives an (id, version) it already holds (services/taxii classify). */
const ALREADY_ADDED = 'Object already added';
/** How the hub's status message of a new version of an object the submitter stored before starts. */
const NEW_VERSION = 'new version of an object already stored';
/** How the hub's note of what its block-list gate refused starts, in each language (services/taxii blocklist-note). */
const NOT_ON_BLOCKLISTS = 'not added to block lists: ';
const NOT_ON_BLOCKLISTS_JA = 'ブロックリストに追加しません: ';
/** Refusals printed one by one; the rest are counted (`isac status ID --json` has them all). */
const MAX_REFUSALS = 20;

/** The block-list note of a status message, split by language; undefined when there is none. */
export function blocklistRefusal(message: string | undefined): { en: string; ja: string } | undefined {
  const at = message?.indexOf(NOT_ON_BLOCKLISTS) ?? -1;
  if (message === undefined || at < 0) return undefined;
  const rest = message.slice(at + NOT_ON_BLOCKLISTS.length);
  const split = rest.indexOf(` / ${NOT_ON_BLOCKLISTS_JA}`);
  if (split < 0) return { en: rest, ja: rest };
  return { en: rest.slice(0, split), ja: rest.slice(split + 3 + NOT_ON_BLOCKLISTS_JA.length) };
}

/** Tiers in the order people name them (kernel's TIERS); one the CLI does not know comes last. */
const TIER_ORDER = ['full', 'trial', 'partner', 'government'];

const SOURCE: Record<string, [en: string, ja: string]> = {
  default: ['default: no marking given', '既定値: マーキングなし'],
  object: ['marked on the object', 'オブジェクトのマーキング'],
  container: ['marked on the bundle', 'バンドルのマーキング'],
};

/**
 * What the TLP applied means, from the hub's own policy verdicts (`policy explain`'s counts by
 * tier): the tiers whose members receive none of it, and those that get it redacted.
 */
export function consequence(e: Explanation): { en: string; ja: string } {
  const rank = (t: string): number =>
    (TIER_ORDER.indexOf(t) + TIER_ORDER.length + 1) % (TIER_ORDER.length + 1);
  const tiers = [...e.summary.byTier].sort((a, b) => rank(a.tier) - rank(b.tier));
  const none = tiers.filter((t) => t.deliver + t.redact === 0).map((t) => t.tier);
  const redacted = tiers.filter((t) => t.redact > 0).map((t) => t.tier);
  const list = (xs: string[], and: string): string =>
    xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} ${and} ${xs.at(-1)}`;
  const en: string[] = [];
  const ja: string[] = [];
  if (none.length > 0) {
    en.push(`${list(none, 'and')} members will not receive it`);
    ja.push(`${none.join('・')} の会員には配信されません`);
  }
  if (redacted.length > 0) {
    en.push(`${list(redacted, 'and')} members receive it redacted`);
    ja.push(`${redacted.join('・')} の会員には一部削除して配信されます`);
  }
  const n = e.summary.deliver + e.summary.redact;
  if (en.length === 0) {
    en.push(`every member tier receives it (${n} organisations)`);
    ja.push(`全ての会員区分に配信されます (${n} 組織)`);
  } else {
    en.push(`${n} organisations receive it`);
    ja.push(`配信先 ${n} 組織`);
  }
  return { en: en.join('; '), ja: ja.join('、') };
}

/** Object ids of `bundle` grouped by the markings they carry: objects in one group get one TLP. */
export function markingGroups(bundle: Record<string, unknown> | undefined): Map<string, string> {
  const groupOf = new Map<string, string>();
  const objects = Array.isArray(bundle?.['objects']) ? (bundle['objects'] as unknown[]) : [];
  for (const o of objects) {
    if (typeof o !== 'object' || o === null) continue;
    const r = o as Record<string, unknown>;
    if (typeof r['id'] !== 'string') continue;
    const refs = Array.isArray(r['object_marking_refs'])
      ? [...(r['object_marking_refs'] as unknown[])].map(String).sort()
      : [];
    groupOf.set(r['id'], refs.join(','));
  }
  return groupOf;
}

/**
 * The text `isac submit` prints: the ids accepted (new, and already stored), the failures, and per
 * TLP applied its consequence, asked from the hub (`explainDistribution`) for one object of each
 * group of objects with the same markings, so a bundle of thousands costs a request per marking set.
 */
export async function submitReport(
  api: ApiClient,
  s: Status,
  groupOf: Map<string, string>,
  tlpNote: string | undefined,
): Promise<{ text: string; explained: Explanation[] }> {
  const successes = s.successes ?? [];
  const stored = successes.filter((x) => x.message !== ALREADY_ADDED);
  const already = successes.filter((x) => x.message === ALREADY_ADDED);
  const newer = stored.filter((x) => x.message?.startsWith(NEW_VERSION));
  const ofWhich =
    newer.length > 0
      ? [
          ` (${newer.length} of them new versions of objects already stored)`,
          `（うち既存オブジェクトの新しい版 ${newer.length} 件）`,
        ]
      : ['', ''];
  const lines = [
    `status ${s.id}: ${s.status}, ${stored.length} accepted${ofWhich[0]}, ${already.length} already stored (same version), ${s.failure_count} failed` +
      ` / 受理 ${stored.length} 件${ofWhich[1]}・登録済み ${already.length} 件・失敗 ${s.failure_count} 件`,
  ];
  if (tlpNote) lines.push(tlpNote);
  const MAX_IDS = 20;
  for (const x of stored.slice(0, MAX_IDS))
    lines.push(
      x.message?.startsWith(NEW_VERSION)
        ? `  accepted ${x.id} (${x.version}), new version of an object already stored / 既存オブジェクトの新しい版`
        : `  accepted ${x.id} (${x.version})`,
    );
  if (stored.length > MAX_IDS)
    lines.push(`  … and ${stored.length - MAX_IDS} more (isac status ${s.id} --json)`);
  for (const x of already.slice(0, MAX_IDS))
    lines.push(`  already stored ${x.id} (${x.version}), same version / 登録済み`);
  if (already.length > MAX_IDS) lines.push(`  … and ${already.length - MAX_IDS} more already stored`);
  for (const f of s.failures ?? []) lines.push(`  failed ${f.id}: ${f.message ?? ''}`);
  const refused = stored.flatMap((x) => {
    const r = blocklistRefusal(x.message);
    return r ? [{ id: x.id, ...r }] : [];
  });
  if (refused.length > 0) {
    const indicators = stored.filter((x) => x.id.startsWith('indicator--')).length;
    lines.push(
      `${refused.length} of ${indicators} accepted indicators not added to block lists / ${refused.length} 件の指標はブロックリストに追加しません（shared as intelligence / 情報としては共有されます）`,
    );
    for (const r of refused.slice(0, MAX_REFUSALS)) {
      lines.push(`  ${NOT_ON_BLOCKLISTS}${r.id} ${r.en}`);
      lines.push(`  ${NOT_ON_BLOCKLISTS_JA}${r.id} ${r.ja}`);
    }
    if (refused.length > MAX_REFUSALS)
      lines.push(
        `  … and ${refused.length - MAX_REFUSALS} more (isac status ${s.id} --json) / 他 ${refused.length - MAX_REFUSALS} 件`,
      );
  }

  const firstOfGroup = new Map<string, string>();
  for (const x of stored) {
    const g = groupOf.get(x.id) ?? '';
    if (!firstOfGroup.has(g)) firstOfGroup.set(g, x.id);
  }
  const explained = await Promise.all(
    [...firstOfGroup.values()].map((objectId) =>
      api.explainDistribution({ params: { objectId }, query: { org: undefined, version: undefined } }),
    ),
  );
  const seen = new Set<string>();
  for (const e of explained) {
    const c = consequence(e);
    const [en, ja] = SOURCE[e.tlpSource] ?? [e.tlpSource, e.tlpSource];
    const line = `TLP:${e.tlp.toUpperCase()} (${en}) — ${c.en}\nTLP:${e.tlp.toUpperCase()}（${ja}）— ${c.ja}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return { text: lines.join('\n'), explained };
}
