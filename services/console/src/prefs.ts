import { LANGS, pickLang, type Lang } from './i18n.js';

/**
 * Display preferences (language, theme): kept in localStorage, which holds nothing else: never a
 * token (ADR 0018). Without a stored choice: the browser's languages and colour scheme.
 */
export type Theme = 'light' | 'dark';

const read = (key: string): string | null => {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
};
const write = (key: string, value: string): void => {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // private mode: the choice lasts for this page only
  }
};

export function initialLang(): Lang {
  const stored = read('isac.lang');
  return LANGS.find((l) => l === stored) ?? pickLang(navigator.languages ?? [navigator.language]);
}

export function initialTheme(): Theme {
  const stored = read('isac.theme');
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyLang(lang: Lang, title: string): void {
  document.documentElement.lang = lang;
  document.title = title;
  write('isac.lang', lang);
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  write('isac.theme', theme);
}
