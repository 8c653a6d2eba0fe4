import type { StixRule } from '@isac/stix';
import type { Lang } from './i18n.js';

/**
 * The STIX validator's findings in Japanese (ADR 0039), by the stable rule code every issue
 * carries: the validator writes one precise English sentence per finding (with the value and the
 * limit), the console says in Japanese what the rule is about, names the field (the JSON
 * pointer) and keeps the English sentence beside it for the value. `Record<StixRule, …>`: a rule
 * added to libs/stix does not compile here until it has its sentence.
 */
const JA: Readonly<Record<StixRule, string>> = {
  'bundle-objects': 'objects は STIX オブジェクトのリストでなければなりません。',
  'bundle-spec-version': 'STIX 2.1 のバンドルには spec_version を書きません。',
  'bundle-type': 'type は bundle でなければなりません。',
  charset: 'IANA に登録された文字セット名ではありません。',
  cpe: 'CPE 2.3 形式の文字列ではありません。',
  'custom-extension': '定義済みの拡張ではありません（独自拡張は extension-definition を使ってください）。',
  'custom-object': 'STIX 2.1 の型ではありません（独自の型は extension-definition を使ってください）。',
  'custom-property': '独自プロパティの名前の付け方が正しくありません。',
  'deprecated-property': '非推奨のプロパティです。',
  'dictionary-key': '辞書のキーが正しくありません。',
  'duplicate-object': '同じ id と modified のオブジェクトがバンドル内に複数あります。',
  'empty-dictionary': '空の辞書は書けません。',
  'empty-list': '空のリストは書けません。',
  'enum-value': '決められた値のいずれでもありません。',
  'extension-key': '拡張のキーが正しくありません。',
  'extension-type': '拡張の extension_type が正しくありません。',
  'external-reference': '外部参照（external_references）が正しくありません。',
  'forbidden-key': 'このキーは使えません（受信側のオブジェクトを書き換えるおそれがあります）。',
  'granular-marking': '部分マーキングには marking_ref と lang のどちらか一方だけが必要です。',
  'granular-selector': '部分マーキングのセレクタが正しくありません。',
  'hash-value': 'ハッシュ値がアルゴリズムに合いません。',
  'id-format': 'STIX の識別子（<型>--<UUID>）ではありません。',
  'id-namespace': 'この識別子の UUID の作り方が仕様に合いません。',
  'id-type-mismatch': 'id の型とオブジェクトの type が一致しません。',
  'id-uuid-version': 'id の UUID の版が仕様に合いません。',
  'kill-chain-phase': 'キルチェーンのフェーズが正しくありません。',
  'language-tag': '言語タグ（RFC 5646）が正しくありません。',
  'marking-definition': 'マーキング定義が正しくありません。',
  'marking-self-reference': 'マーキング定義が自分自身をマークしています。',
  'max-collection-size': 'リストまたは辞書の要素が多すぎます。',
  'max-depth': '入れ子が深すぎます。',
  'max-string-length': '文字列が長すぎます。',
  'mutually-exclusive': '同時に書けないプロパティが両方あります。',
  'nested-bundle': 'バンドルの中にバンドルは入れられません。',
  'not-an-object': 'JSON オブジェクトではありません。',
  'open-vocab': '推奨される語彙にない値です。',
  'pattern-cidr': 'パターン中の CIDR が正しくありません。',
  'pattern-duplicate-qualifier': 'パターンに同じ修飾子が重複しています。',
  'pattern-hash': 'パターン中のハッシュ値が正しくありません。',
  'pattern-hex': 'パターン中の 16 進定数が正しくありません。',
  'pattern-integer': 'パターン中の整数が範囲外です。',
  'pattern-mixed-types':
    'パターンで異なるオブジェクト型の比較が AND で結ばれています（OR を使ってください）。',
  'pattern-name': 'パターン中の名前が正しくありません。',
  'pattern-object-type': 'パターン中のオブジェクト型が正しくありません。',
  'pattern-property': 'パターン中のプロパティが正しくありません。',
  'pattern-qualifier-range': 'パターンの修飾子の値が範囲外です。',
  'pattern-regex': 'パターン中の正規表現が正しくありません。',
  'pattern-set': 'IN の定数はすべて同じ型でなければなりません。',
  'pattern-syntax': 'パターンの構文が正しくありません。',
  'pattern-timestamp': 'パターン中のタイムスタンプが正しくありません。',
  'pattern-version': 'pattern_version が正しくありません。',
  'property-dependency': '必要な別のプロパティがありません。',
  'property-name': 'プロパティ名が正しくありません（a-z、0-9、_ の 3〜250 文字、英字で始まる）。',
  'property-type': 'プロパティの値の型が正しくありません。',
  'reference-format': 'STIX の識別子（<型>--<UUID>）ではありません。',
  'reference-type': 'この型のオブジェクトは参照できません。',
  'registry-hive': 'レジストリキーが完全なハイブ名で始まっていません。',
  'relationship-type': 'relationship_type が正しくありません。',
  'required-property': '必須のプロパティがありません。',
  'reserved-property': '予約されたプロパティ名です。',
  'spec-version': 'spec_version は 2.1 でなければなりません。',
  'timestamp-format': 'タイムスタンプが RFC 3339 形式（例: 2026-04-01T00:00:00Z）ではありません。',
  'timestamp-order': 'タイムスタンプの前後関係が正しくありません。',
  'timestamp-precision': 'タイムスタンプの精度が正しくありません。',
  'tlp-marking': 'TLP マーキング定義が仕様のものと一致しません。',
  'too-many-objects': 'バンドルのオブジェクトが多すぎます。',
  'value-format': '値の形式が正しくありません。',
  'value-range': '値が範囲外です。',
};

/**
 * One finding as the page shows it: in Japanese, the rule's sentence with the validator's English
 * sentence as the detail (it carries the value); in English, the validator's sentence.
 */
export function stixMessage(lang: Lang, rule: StixRule, message: string): { text: string; detail?: string } {
  return lang === 'ja' ? { text: JA[rule], detail: message } : { text: message };
}
