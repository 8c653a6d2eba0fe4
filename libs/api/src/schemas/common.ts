/** Names and other free text: no control characters (they break logs, mail headers and terminals). */
export const SAFE_TEXT = '^[^\\u0000-\\u001f\\u007f]*$';

/** What the settings of a hub change in its API: the sectors and regions it accepts. */
export interface ApiSettings {
  readonly sectors: readonly string[];
  /** When set, an organisation's region must be one of these; free text otherwise. */
  readonly regions?: readonly string[] | undefined;
}

/** Free text for names: no control characters, bounded. */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: SAFE_TEXT } as const;

/** An email address fit for a mail header: valid syntax, no CR/LF or other control characters. */
export const emailSchema = { type: 'string', format: 'email', maxLength: 254, pattern: SAFE_TEXT } as const;

export const dateTimeSchema = { type: 'string', format: 'date-time', maxLength: 40 } as const;
