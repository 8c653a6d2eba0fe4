/** Bilingual strings for alert mail. `both` puts Japanese first, then English. */
export type Lang = 'ja' | 'en' | 'both';

const TYPE_NAMES: Readonly<Record<string, { ja: string; en: string }>> = {
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
};

export function typeName(type: string, lang: 'ja' | 'en'): string {
  return TYPE_NAMES[type]?.[lang] ?? (lang === 'ja' ? `脅威情報 (${type})` : type);
}

export const T = {
  newObject: { ja: (t: string) => `新しい${t}`, en: (t: string) => `New ${t}` },
  notice: { ja: '配信通知', en: 'Alert notice' },
  encrypted: { ja: '暗号化されたアラート', en: 'Encrypted alert' },
  exercise: { ja: '演習', en: 'EXERCISE' },
  digest: { ja: (n: number) => `ダイジェスト (${n}件)`, en: (n: number) => `Digest (${n} alerts)` },
  trial: {
    ja: (d: number) => `試用期間の終了まで残り${d}日`,
    en: (d: number) => `Your trial membership ends in ${d} day${d === 1 ? '' : 's'}`,
  },
  fields: {
    name: { ja: '名称', en: 'Name' },
    type: { ja: '種別', en: 'Type' },
    id: { ja: 'STIX ID', en: 'STIX id' },
    tlp: { ja: 'TLP', en: 'TLP' },
    validFrom: { ja: '有効開始', en: 'Valid from' },
    validUntil: { ja: '有効期限', en: 'Valid until' },
    confidence: { ja: '確度', en: 'Confidence' },
    labels: { ja: 'ラベル', en: 'Labels' },
    description: { ja: '説明', en: 'Description' },
    pattern: { ja: 'パターン', en: 'Pattern' },
    alertId: { ja: 'アラートID', en: 'Alert id' },
    observables: { ja: '観測値', en: 'Observables' },
    kind: { ja: '種類', en: 'Kind' },
    value: { ja: '値', en: 'Value' },
  },
  ack: {
    ja: (id: string) => `受領確認: isac ack ${id} (または POST /api/v1/alerts/${id}/ack)`,
    en: (id: string) => `Acknowledge: isac ack ${id} (or POST /api/v1/alerts/${id}/ack)`,
  },
  attached: { ja: 'STIX 2.1 バンドルを添付しています。', en: 'The STIX 2.1 bundle is attached.' },
  noticeBody: {
    ja: (tlp: string, url: string, id: string) =>
      `TLP:${tlp} のアラートが貴組織向けに公開されました。取扱区分のため、内容は暗号化されていない電子メールでは送信しません。\nTAXII で取得してください: ${url} (オブジェクト ${id})\nOpenPGP 公開鍵を登録すると、暗号化メールで内容を受け取れます。`,
    en: (tlp: string, url: string, id: string) =>
      `An alert marked TLP:${tlp} is available to your organisation. Because of its handling level its content is not sent in clear email.\nFetch it over TAXII: ${url} (object ${id})\nRegister an OpenPGP public key to receive the content in encrypted mail.`,
  },
  trialBody: {
    ja: (d: number, end: string) =>
      `貴組織の試用会員期間は ${end} に終了します (残り${d}日)。正会員への移行についてはハブ管理者にご連絡ください。`,
    en: (d: number, end: string) =>
      `Your organisation's trial membership ends on ${end} (${d} day${d === 1 ? '' : 's'} left). Contact the hub administrators to become a full member.`,
  },
  retracted: { ja: '取り消し', en: 'Retracted' },
  retractionBody: {
    ja: (t: string, id: string, at: string) =>
      `以前お送りした${t} (${id}) は、提供元により ${at} に取り消されました。この指標に基づくブロックや検知ルールを解除してください。ブロックリストの購読者には削除 (remove) を配信しています。`,
    en: (t: string, id: string, at: string) =>
      `The ${t} we sent you earlier (${id}) was retracted by its source at ${at}. Lift any block or detection rule based on it. Block-list subscribers have been sent a remove.`,
  },
  retractionReason: { ja: '理由', en: 'Reason' },
  retractionNoReason: { ja: '(理由の記載なし)', en: '(no reason given)' },
  digestWithheld: {
    ja: (n: number, url: string) =>
      `このほか ${n} 件のアラートは取扱区分のため本文に含めていません。TAXII で取得してください: ${url}`,
    en: (n: number, url: string) =>
      `${n} more alert(s) are not included because of their handling level. Fetch them over TAXII: ${url}`,
  },
} as const;

/** Joins the Japanese and English renderings per the language. */
export function pick(lang: Lang, ja: string, en: string, sep = ' / '): string {
  return lang === 'ja' ? ja : lang === 'en' ? en : `${ja}${sep}${en}`;
}
