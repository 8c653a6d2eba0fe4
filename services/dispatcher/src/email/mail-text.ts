import type { TlpLevel } from '@isac/kernel';

/** A reader's language: each subscription gets its mail in exactly one. */
export type MailLang = 'ja' | 'en';

type Texts<F> = Readonly<Record<MailLang, F>>;

/**
 * What a recipient may do with information under each TLP 2.0 label (FIRST TLP 2.0, as summarised in
 * the hub's reference, shared/reference/stix-taxii-tlp.md §2), then the rule for every label.
 */
export const TLP_HANDLING: Readonly<Record<TlpLevel, Texts<string>>> = {
  clear: {
    en: 'TLP:CLEAR: no limit on disclosure, subject to standard copyright rules.',
    ja: 'TLP:CLEAR: 開示に制限はありません (通常の著作権の規則には従ってください)。',
  },
  green: {
    en: 'TLP:GREEN: you may share this with peers and partner organisations in your community, but not through publicly accessible channels. Where no community is defined, it is the cybersecurity/defence community.',
    ja: 'TLP:GREEN: 所属するコミュニティ内のピア組織やパートナー組織と共有できますが、一般に公開された経路で共有してはいけません。コミュニティが定められていない場合は、サイバーセキュリティ/防御のコミュニティとみなします。',
  },
  amber: {
    en: 'TLP:AMBER: you may share this only within your organisation and its clients, on a need-to-know basis.',
    ja: 'TLP:AMBER: 知る必要がある範囲に限り、自組織とその顧客の中でのみ共有できます。',
  },
  'amber+strict': {
    en: 'TLP:AMBER+STRICT: you may share this only within your own organisation, on a need-to-know basis.',
    ja: 'TLP:AMBER+STRICT: 知る必要がある範囲に限り、自組織の中でのみ共有できます。',
  },
  red: {
    en: 'TLP:RED: for you as an individual recipient only; no further disclosure beyond the exchange in which it was given.',
    ja: 'TLP:RED: 受信者個人に限ります。提供された場の外へ開示してはいけません。',
  },
};

export const TLP_ASK_SOURCE: Texts<string> = {
  en: 'To share more widely than the label allows, first get the permission of the source.',
  ja: 'ラベルが許す範囲より広く共有するには、事前に情報源の許可を得てください。',
};

export const TYPE_NAMES: Readonly<Record<string, Texts<string>>> = {
  indicator: { ja: '脅威指標', en: 'indicator' },
  malware: { ja: 'マルウェア', en: 'malware' },
  report: { ja: 'レポート', en: 'report' },
  vulnerability: { ja: '脆弱性', en: 'vulnerability' },
  'attack-pattern': { ja: '攻撃手法', en: 'attack pattern' },
  campaign: { ja: 'キャンペーン', en: 'campaign' },
  'threat-actor': { ja: '脅威アクター', en: 'threat actor' },
  'intrusion-set': { ja: '侵入セット', en: 'intrusion set' },
  tool: { ja: 'ツール', en: 'tool' },
  'course-of-action': { ja: '対処方法', en: 'course of action' },
  'observed-data': { ja: '観測データ', en: 'observed data' },
  sighting: { ja: '目撃情報', en: 'sighting' },
  note: { ja: 'メモ', en: 'note' },
  grouping: { ja: 'グルーピング', en: 'grouping' },
  relationship: { ja: '関係', en: 'relationship' },
  identity: { ja: '組織情報', en: 'identity' },
  'ipv4-addr': { ja: 'IPv4 アドレス', en: 'IPv4 address' },
  'ipv6-addr': { ja: 'IPv6 アドレス', en: 'IPv6 address' },
  'domain-name': { ja: 'ドメイン名', en: 'domain name' },
  url: { ja: 'URL', en: 'URL' },
  'email-addr': { ja: 'メールアドレス', en: 'email address' },
  file: { ja: 'ファイル', en: 'file' },
};

export function typeLabel(type: string, l: MailLang): string {
  return TYPE_NAMES[type]?.[l] ?? type;
}

/** English plural of a type label; Japanese has none. */
const plural = (label: string, n: number): string =>
  n === 1 ? label : /(s|sh|ch|x)$/.test(label) ? `${label}es` : label === 'malware' ? label : `${label}s`;

export const KIND_NAMES: Readonly<Record<string, Texts<string>>> = {
  ipv4: { ja: 'IPv4', en: 'IPv4' },
  ipv6: { ja: 'IPv6', en: 'IPv6' },
  domain: { ja: 'ドメイン', en: 'domain' },
  url: { ja: 'URL', en: 'URL' },
  email: { ja: 'メール', en: 'email' },
  'file-hash': { ja: 'ハッシュ', en: 'hash' },
};

export const M = {
  /** Events (ADR 0045): "1 report 'X' (campaign): 40 indicators", before the object list. */
  event: {
    ja: (type: string, name: string, kind: string | undefined, members: string) =>
      `${typeLabel(type, 'ja')} 1件「${name}」${kind ? ` (${kind})` : ''}: ${members}`,
    en: (type: string, name: string, kind: string | undefined, members: string) =>
      `1 ${typeLabel(type, 'en')} '${name}'${kind ? ` (${kind})` : ''}: ${members}`,
  },
  eventsHeading: { ja: 'イベント (レポート・グルーピング)', en: 'Events (reports and groupings)' },
  exerciseTag: { ja: '演習', en: 'EXERCISE' },
  exerciseBanner: {
    ja: (name: string | undefined) =>
      `【演習】このメールは演習${name ? `「${name}」` : ''}の一部です。記載のオブジェクトは実際の脅威情報ではありません。本番環境の防御設定 (ファイアウォール、ブロックリスト、検知ルール) に登録しないでください。`,
    en: (name: string | undefined) =>
      `EXERCISE: this mail is part of ${name ? `the exercise "${name}"` : 'an exercise'}. The objects are not real threat intelligence: do not add them to production defences (firewalls, block lists, detection rules).`,
  },
  count: {
    ja: (n: number) => `${n}件`,
    en: (n: number, label: string) => `${n} ${plural(label, n)}`,
  },
  subjectNew: {
    ja: (what: string) => `新しい脅威情報 ${what}`,
    en: (what: string) => `${what} shared`,
  },
  subjectRetracted: {
    ja: (what: string) => `取り消し ${what}: 防御設定から削除してください`,
    en: (what: string) => `Retracted ${what}: remove from your defences`,
  },
  intro: {
    ja: (n: number, submission: string, at: string) =>
      `受付番号 ${submission} の投稿 (${at} 受付) から、貴組織向けに ${n}件のオブジェクトが公開されました。`,
    en: (n: number, submission: string, at: string) =>
      `${n} object${n === 1 ? '' : 's'} from submission ${submission} (accepted ${at}) ${n === 1 ? 'was' : 'were'} released to your organisation.`,
  },
  subjectUpdate: {
    ja: (what: string) => `更新 (既報の値の再報告) ${what}`,
    en: (what: string) => `Update: ${what} reported again`,
  },
  updateIntro: {
    ja: (n: number, submission: string, at: string) =>
      `受付番号 ${submission} の投稿 (${at} 受付) の ${n}件は、貴組織が既に受け取った値の再報告です。新しい警報ではありません。報告件数のみお知らせします。`,
    en: (n: number, submission: string, at: string) =>
      `The ${n} object${n === 1 ? '' : 's'} of submission ${submission} (accepted ${at}) report${n === 1 ? 's' : ''} again values you already received: an update, not a new alert. Only the counts follow.`,
  },
  reportedBefore: {
    ja: '過去の報告 (閲覧できる範囲の件数のみ)',
    en: 'Reported before (counts of what you may see)',
  },
  reportedLine: {
    ja: (value: string, reports: number, sectors: number, first: string, last: string) =>
      `${value}: ${reports}件の報告 (${sectors}業種)、初出 ${first}、最終 ${last}`,
    en: (value: string, reports: number, sectors: number, first: string, last: string) =>
      `${value}: ${reports} report${reports === 1 ? '' : 's'} from ${sectors} sector${sectors === 1 ? '' : 's'}, first seen ${first}, last seen ${last}`,
  },
  reportedSightings: {
    ja: (orgs: number, sightings: number, sectors: number, fps: number) =>
      `、目撃 ${orgs}組織 (${sectors}業種、${sightings}回)、誤検知の報告 ${fps}組織`,
    en: (orgs: number, sightings: number, sectors: number, fps: number) =>
      `; seen by ${orgs} organisation${orgs === 1 ? '' : 's'} in ${sectors} sector${sectors === 1 ? '' : 's'} (${sightings} sighting${sightings === 1 ? '' : 's'}), false positive by ${fps}`,
  },
  reportedMore: {
    ja: (n: number) => `ほか ${n}件の値`,
    en: (n: number) => `and ${n} more value${n === 1 ? '' : 's'}`,
  },
  subjectDigest: {
    ja: (what: string) => `ダイジェスト ${what}`,
    en: (what: string) => `Digest: ${what}`,
  },
  digestIntro: {
    ja: (n: number, submissions: number, from: string, to: string) =>
      `${from} から ${to} までの ${submissions}件の投稿から、貴組織向けに ${n}件のオブジェクトが公開されました。`,
    en: (n: number, submissions: number, from: string, to: string) =>
      `${n} object${n === 1 ? '' : 's'} from ${submissions} submission${submissions === 1 ? '' : 's'} between ${from} and ${to} ${n === 1 ? 'was' : 'were'} released to your organisation.`,
  },
  retractIntro: {
    ja: (n: number, at: string) =>
      `以前お送りした ${n}件のオブジェクトが ${at} に取り消され (revoked)、無効になりました。ブロックリストや検知ルールに登録している場合は削除してください。`,
    en: (n: number, at: string) =>
      `${n} object${n === 1 ? '' : 's'} you received earlier ${n === 1 ? 'was' : 'were'} retracted (revoked) at ${at} and ${n === 1 ? 'is' : 'are'} no longer valid. Remove ${n === 1 ? 'it' : 'them'} from block lists and detection rules.`,
  },
  reason: { ja: '理由', en: 'Reason' },
  noReason: { ja: '(記載なし)', en: '(none given)' },
  submitter: { ja: '提供元', en: 'Source' },
  byType: { ja: '種別ごとの件数', en: 'By type' },
  firstN: {
    ja: (shown: number, total: number) =>
      shown === total ? `全 ${total}件:` : `最初の ${shown}件 (全 ${total}件):`,
    en: (shown: number, total: number) =>
      shown === total ? `All ${total}:` : `The first ${shown} of ${total}:`,
  },
  defangNote: {
    ja: '本文中の値は誤ってアクセスしないよう無害化しています (hxxp、[.]、[:]、[@])。正確な値は添付ファイルにあります。',
    en: 'Values in this text are defanged so they cannot be opened by mistake (hxxp, [.], [:], [@]); the attachments hold the exact values.',
  },
  more: {
    ja: (n: number) => `残りの ${n}件は添付ファイルにのみ記載しています。`,
    en: (n: number) => `${n} more ${n === 1 ? 'is' : 'are'} in the attachments only.`,
  },
  attachments: {
    ja: (bundle: string, csv: string) =>
      `添付: ${bundle} (STIX 2.1 バンドル、正確な値)、${csv} (CSV、値ごとに1行、正確な値。「'」で始まるセルは表計算ソフトの数式として実行されないよう「'」を付けています)`,
    en: (bundle: string, csv: string) =>
      `Attached: ${bundle} (STIX 2.1 bundle, exact values) and ${csv} (CSV, one row per value, exact values; a cell that would start a spreadsheet formula starts with an added ').`,
  },
  zipped: {
    ja: (zip: string, bundle: string, csv: string) =>
      `添付: ${zip} (ZIP 圧縮ファイル。Windows、macOS、Linux では追加のソフトなしで開けます)。中身は ${bundle} (STIX 2.1 バンドル、正確な値) と ${csv} (CSV、値ごとに1行、正確な値。「'」で始まるセルは表計算ソフトの数式として実行されないよう「'」を付けています) です。添付が大きいため 1 つにまとめて圧縮しました。`,
    en: (zip: string, bundle: string, csv: string) =>
      `Attached: ${zip} (a ZIP archive; Windows, macOS and Linux open it without added software), holding ${bundle} (STIX 2.1 bundle, exact values) and ${csv} (CSV, one row per value, exact values; a cell that would start a spreadsheet formula starts with an added '). The attachments were large, so they are sent compressed in one archive.`,
  },
  ack: {
    ja: (id: string, url: string) => `受領確認: isac ack ${id} (または POST ${url})`,
    en: (id: string, url: string) => `Acknowledge: isac ack ${id} (or POST ${url})`,
  },
  why: {
    ja: (sub: string) => `このメールは購読 ${sub} に基づいて送信しています。`,
    en: (sub: string) => `You receive this mail because of subscription ${sub}.`,
  },
  fields: {
    type: { ja: '種別', en: 'Type' },
    values: { ja: '値', en: 'Values' },
    pattern: { ja: 'パターン', en: 'Pattern' },
    tlp: { ja: 'TLP', en: 'TLP' },
    validFrom: { ja: '有効開始', en: 'Valid from' },
    validUntil: { ja: '有効期限', en: 'Valid until' },
    confidence: { ja: '確度', en: 'Confidence' },
    labels: { ja: 'ラベル', en: 'Labels' },
    console: { ja: 'コンソール', en: 'Console' },
    taxii: { ja: 'TAXII', en: 'TAXII' },
    id: { ja: 'STIX ID', en: 'STIX id' },
  },
} as const;
