import { SAFE_TEXT } from '@isac/http';

/** Free text for names: no control characters, bounded. */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: SAFE_TEXT } as const;

/** An email address fit for a mail header: valid syntax, no CR/LF or other control characters. */
export const emailSchema = { type: 'string', format: 'email', maxLength: 254, pattern: SAFE_TEXT } as const;

export const dateTimeSchema = { type: 'string', format: 'date-time', maxLength: 40 } as const;
