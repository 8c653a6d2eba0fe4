/**
 * RFC 5646 language tags (BCP 47), as STIX 2.1 requires for `lang`, granular language markings,
 * language-content `contents` keys and software `languages`: the tag must be well formed (the
 * ABNF of RFC 5646 §2.1) and valid (§2.2.9: every language, extlang, script, region and variant
 * subtag is in the IANA Language Subtag Registry, or the whole tag is grandfathered; no variant
 * and no singleton repeated). Case is not significant. Extension and private-use subtags are not
 * looked up (the registry does not list them).
 *
 * The registry comes from the `language-subtag-registry` package (CC0, the IANA file as JSON).
 */
import index from 'language-subtag-registry/data/json/index.json' with { type: 'json' };

type SubtagType = 'language' | 'extlang' | 'script' | 'region' | 'variant';

const INDEX = index as unknown as Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Private-use ranges ("qaa..qtz" …), by subtag type. */
const RANGES: Record<SubtagType, [string, string][]> = {
  language: [],
  extlang: [],
  script: [],
  region: [],
  variant: [],
};
for (const k of Object.keys(INDEX)) {
  const dots = k.indexOf('..');
  if (dots < 0) continue;
  for (const t of Object.keys(INDEX[k]!))
    if (t in RANGES) RANGES[t as SubtagType].push([k.slice(0, dots), k.slice(dots + 2)]);
}

function registered(subtag: string, type: SubtagType): boolean {
  const e = INDEX[subtag];
  if (e !== undefined && e[type] !== undefined) return true;
  for (const [lo, hi] of RANGES[type])
    if (subtag.length === lo.length && subtag >= lo && subtag <= hi) return true;
  return false;
}

function isAlpha(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  return true;
}
function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
function isAlnum(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

const cache = new Map<string, string | undefined>();

/**
 * Why `tag` is not a valid RFC 5646 language tag, or undefined when it is one. Results are
 * cached (a bundle repeats the same few tags).
 */
export function languageTagProblem(tag: string): string | undefined {
  if (cache.has(tag)) return cache.get(tag);
  const p = check(tag);
  if (cache.size < 10_000) cache.set(tag, p);
  return p;
}

export function isLanguageTag(tag: string): boolean {
  return languageTagProblem(tag) === undefined;
}

function check(raw: string): string | undefined {
  if (raw.length === 0) return 'it is empty';
  if (raw.length > 255) return 'it is too long';
  const tag = raw.toLowerCase();
  const whole = INDEX[tag];
  if (whole !== undefined && whole['grandfathered'] !== undefined) return undefined;
  const parts = tag.split('-');
  for (const p of parts) {
    if (p.length < 1 || p.length > 8 || !isAlnum(p))
      return p.length === 0
        ? "it has an empty subtag (two '-' in a row, or one at an end)"
        : `'${p}' is not a subtag (1 to 8 letters or digits)`;
  }
  let i = 0;
  const n = parts.length;
  if (parts[0] === 'x') return n > 1 ? undefined : "'x' must be followed by private-use subtags";
  // language
  const lang = parts[i++]!;
  if (!isAlpha(lang) || lang.length < 2) return `'${lang}' is not a primary language subtag`;
  if (!registered(lang, 'language'))
    return `'${lang}' is not a language in the IANA Language Subtag Registry`;
  // extlang: up to three 3-letter subtags after a 2-3 letter language
  if (lang.length <= 3) {
    let ext = 0;
    while (i < n && parts[i]!.length === 3 && isAlpha(parts[i]!)) {
      if (++ext > 3) return 'it has more than three extended language subtags';
      if (!registered(parts[i]!, 'extlang'))
        return `'${parts[i]!}' is not an extended language subtag in the IANA registry`;
      i++;
    }
  }
  // script
  if (i < n && parts[i]!.length === 4 && isAlpha(parts[i]!)) {
    if (!registered(parts[i]!, 'script')) return `'${parts[i]!}' is not a script in the IANA registry`;
    i++;
  }
  // region
  if (i < n) {
    const p = parts[i]!;
    if ((p.length === 2 && isAlpha(p)) || (p.length === 3 && isDigits(p))) {
      if (!registered(p, 'region')) return `'${p}' is not a region in the IANA registry`;
      i++;
    }
  }
  // variants
  const variants = new Set<string>();
  while (i < n) {
    const p = parts[i]!;
    const c0 = p.charCodeAt(0);
    if (!(p.length >= 5 || (p.length === 4 && c0 >= 48 && c0 <= 57))) break;
    if (!registered(p, 'variant')) return `'${p}' is not a variant in the IANA registry`;
    if (variants.has(p)) return `the variant '${p}' appears twice`;
    variants.add(p);
    i++;
  }
  // extensions
  const singletons = new Set<string>();
  while (i < n && parts[i]!.length === 1 && parts[i] !== 'x') {
    const s = parts[i++]!;
    if (singletons.has(s)) return `the extension '${s}' appears twice`;
    singletons.add(s);
    let k = 0;
    while (i < n && parts[i]!.length >= 2) {
      i++;
      k++;
    }
    if (k === 0) return `the extension '${s}' has no subtags`;
  }
  // private use
  if (i < n && parts[i] === 'x') {
    if (i + 1 >= n) return "'x' must be followed by private-use subtags";
    return undefined;
  }
  if (i < n) return `'${parts[i]!}' is out of place`;
  return undefined;
}
