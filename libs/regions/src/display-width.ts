import stringWidth from 'string-width';

/**
 * Columns a string takes in a terminal: East Asian Wide and Fullwidth characters (漢字, かな,
 * ＡＢＣ) count 2, combining marks and zero-width characters 0, ANSI colour codes nothing; an
 * emoji counts 2. For aligning Japanese text in CLI tables.
 */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** Pads on the right with spaces to `width` columns (a longer string is returned as it is). */
export function padEndDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Pads on the left with spaces to `width` columns (for numbers in tables). */
export function padStartDisplay(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/**
 * Cuts a string to at most `width` columns, ending with `ellipsis` when cut; never splits a
 * character (a wide character that would straddle the edge is dropped).
 */
export function truncateDisplay(text: string, width: number, ellipsis = '…'): string {
  if (displayWidth(text) <= width) return text;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(text)) {
    const w = displayWidth(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return out + ellipsis;
}
