import { TAXII_MEDIA_TYPE, type RouteResult } from '@isac/http';

/** A TAXII 2.1 answer: the TAXII media type, always. */
export function taxii(
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
  status = 200,
): RouteResult {
  return { status, type: TAXII_MEDIA_TYPE, body, headers };
}
