/**
 * Characters a name may not hide (ADR 0017): C0 and C1 controls and DEL (they break logs, mail
 * headers and terminals), line and paragraph separators, bidirectional embeddings, overrides and
 * isolates (U+202A-202E, U+2066-2069: they make a name read as something else), and zero-width
 * characters (U+200B-200D, U+2060, U+FEFF). A zero-width joiner is allowed between two emoji,
 * where it builds one picture (e.g. U+1F469 U+200D U+1F4BB); Japanese text needs none of these.
 */
const UNSAFE_CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200d\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff';
const EMOJI_ZWJ =
  '(?<=[\\p{Extended_Pictographic}\\p{Emoji_Modifier}]\\ufe0f?)\\u200d(?=\\p{Extended_Pictographic})';

/** Names and other free text (a JSON-schema pattern, compiled with the `u` flag). */
export const SAFE_TEXT = `^(?:[^${UNSAFE_CLASS}]|${EMOJI_ZWJ})*$`;

/** A kill-chain phase as members write it: `phase` (Lockheed Martin chain) or `chain:phase`. */
export const KILL_CHAIN_PHASE = '^(?:[a-z0-9]+(?:-[a-z0-9]+)*:)?[a-z0-9]+(?:-[a-z0-9]+)*$';

const UNSAFE = new RegExp(`(?!${EMOJI_ZWJ})[${UNSAFE_CLASS}]`, 'u');

/** The first character `SAFE_TEXT` refuses, as `U+XXXX` with its UTF-16 index, or undefined. */
export function unsafeCharacter(text: string): { readonly index: number; readonly code: string } | undefined {
  const m = UNSAFE.exec(text);
  if (!m) return undefined;
  const code = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return { index: m.index, code };
}

/** The message for a name `unsafeCharacter` refused. */
export function unsafeTextMessage(
  field: string,
  bad: { readonly index: number; readonly code: string },
): string {
  return `${field}: character ${bad.index} is ${bad.code}, a control, bidirectional-formatting or zero-width character, which names may not contain`;
}

/** What the settings of a hub change in its API: the sectors and regions it accepts. */
export interface ApiSettings {
  readonly sectors: readonly string[];
  /** When set, an organisation's region must be one of these (codes or names, resolved by the service). */
  readonly regions?: readonly string[] | undefined;
}

/** Free text for names: no control characters, bounded. */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: SAFE_TEXT } as const;

/** An email address fit for a mail header: valid syntax, no CR/LF or other control characters. */
export const emailSchema = { type: 'string', format: 'email', maxLength: 254, pattern: SAFE_TEXT } as const;

export const dateTimeSchema = { type: 'string', format: 'date-time', maxLength: 40 } as const;
