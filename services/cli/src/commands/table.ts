import { displayWidth, padEndDisplay } from '@isac/regions/display-width';

/** Left-aligned columns, for terminals; aligned by display width, so Japanese text lines up. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => padEndDisplay(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** RFC 4180 CSV: a header row, then the rows; fields quoted when they hold a comma, quote or line break. */
export function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n');
}
