/**
 * The console's messages in English and Japanese (ADR 0018). `en` fixes the keys; `ja` must have
 * every one (the type says so, and test/i18n.test.ts checks the values at run time). `{name}` in a
 * message is replaced by the parameter of that name.
 */
export const LANGS = ['en', 'ja'] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  'app.title': 'ISAC sharing hub',
  'app.skip': 'Skip to content',
  'nav.label': 'Screens',
  'nav.overview': 'Overview',
  'nav.objects': 'Objects',
  'nav.submit': 'Submit',
  'nav.distribution': 'Who receives this',
  'nav.subscriptions': 'Subscriptions and credentials',
  'nav.admin': 'Administration',
  'settings.language': 'Language',
  'settings.theme': 'Theme',
  'theme.light': 'Light',
  'theme.dark': 'Dark',
  'login.heading': 'Log in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'login.failed': 'Login failed: {message}',
  logout: 'Log out',
  'session.expired': 'Your session has ended. Please log in again.',
  'user.signedInAs': 'Signed in to {org} ({roles})',
  loading: 'Loading…',
  'error.load': 'Could not load: {message}',
  'placeholder.heading': 'Not built yet',
  'placeholder.body':
    'This screen is planned (issue 17) but not built yet. Everything it will show is available through the REST API and the CLI.',
  'overview.heading': 'Overview',
  'overview.arrived.heading': 'Arrived for {org} in the last 24 hours',
  'overview.arrived.total': 'Objects: {n}',
  'overview.arrived.none': 'Nothing arrived in the last 24 hours.',
  'overview.arrived.byTlp': 'By TLP',
  'overview.arrived.byType': 'By type',
  'overview.arrived.truncated': 'Counted the first {n} objects only.',
  'overview.arrived.level': 'Level',
  'overview.arrived.type': 'Type',
  'overview.arrived.count': 'Count',
  'overview.acks.heading': 'Pending acknowledgements',
  'overview.acks.unavailable':
    'The API does not yet list an organisation’s own unacknowledged alerts; this panel will show them when it does.',
  'overview.acks.count': '{n} deliveries awaiting acknowledgement across all organisations',
  'overview.delivery.heading': 'Delivery health',
  'overview.delivery.deadLetters': 'Dead letters: {n}',
  'overview.hub.heading': 'Hub status',
  'overview.hub.name': 'Hub',
  'overview.hub.api': 'API version',
  'overview.hub.status': 'Status',
  'overview.hub.ok': 'Running',
  'tlp.unmarked': 'no TLP',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Readonly<Record<MessageKey, string>>;

const ja: Messages = {
  'app.title': 'ISAC 情報共有ハブ',
  'app.skip': '本文へ移動',
  'nav.label': '画面',
  'nav.overview': '概要',
  'nav.objects': 'オブジェクト',
  'nav.submit': '投稿',
  'nav.distribution': '配信先の確認',
  'nav.subscriptions': '購読と認証情報',
  'nav.admin': '管理',
  'settings.language': '言語',
  'settings.theme': 'テーマ',
  'theme.light': 'ライト',
  'theme.dark': 'ダーク',
  'login.heading': 'ログイン',
  'login.username': 'ユーザー名',
  'login.password': 'パスワード',
  'login.submit': 'ログイン',
  'login.busy': 'ログイン中…',
  'login.failed': 'ログインできませんでした: {message}',
  logout: 'ログアウト',
  'session.expired': 'セッションが終了しました。もう一度ログインしてください。',
  'user.signedInAs': '{org} としてログイン中（{roles}）',
  loading: '読み込み中…',
  'error.load': '読み込めませんでした: {message}',
  'placeholder.heading': '準備中',
  'placeholder.body':
    'この画面は計画済み（issue 17）ですが、まだありません。表示予定の内容は REST API と CLI で利用できます。',
  'overview.heading': '概要',
  'overview.arrived.heading': '過去 24 時間に {org} へ届いた情報',
  'overview.arrived.total': '{n} 件',
  'overview.arrived.none': '過去 24 時間に届いた情報はありません。',
  'overview.arrived.byTlp': 'TLP 別',
  'overview.arrived.byType': '種類別',
  'overview.arrived.truncated': '先頭の {n} 件のみ集計しています。',
  'overview.arrived.level': 'レベル',
  'overview.arrived.type': '種類',
  'overview.arrived.count': '件数',
  'overview.acks.heading': '未確認のアラート',
  'overview.acks.unavailable':
    '自組織の未確認アラートを一覧する API はまだありません。API が用意され次第、ここに表示します。',
  'overview.acks.count': '全組織で確認待ちの配信: {n} 件',
  'overview.delivery.heading': '配信の状況',
  'overview.delivery.deadLetters': '配信不能（デッドレター）: {n} 件',
  'overview.hub.heading': 'ハブの状態',
  'overview.hub.name': 'ハブ',
  'overview.hub.api': 'API バージョン',
  'overview.hub.status': '状態',
  'overview.hub.ok': '稼働中',
  'tlp.unmarked': 'TLP なし',
};

export const MESSAGES: Readonly<Record<Lang, Messages>> = { en, ja };

export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

/** The translator of one language. */
export function translator(lang: Lang): Translate {
  const table = MESSAGES[lang];
  return (key, params) =>
    table[key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
      params && name in params ? String(params[name]) : whole,
    );
}

/** The first of the browser's preferred languages the console speaks (English otherwise). */
export function pickLang(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    const lang = LANGS.find((l) => l === primary);
    if (lang) return lang;
  }
  return 'en';
}
