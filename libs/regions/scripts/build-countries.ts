/**
 * Regenerates libs/regions/data/countries.json (ISO 3166-1 countries with English and Japanese
 * names) from Unicode CLDR's JSON distribution (Unicode License V3; see ../data/SOURCES.md).
 *
 *   npm pack cldr-localenames-full cldr-core   # then unpack both
 *   node --import tsx libs/regions/scripts/build-countries.ts <cldr-localenames-full dir> <cldr-core dir>
 *
 * Not run in CI: the output is committed data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CLDR territory codes of two letters that are not ISO 3166-1 countries: exceptionally reserved
 * (AC, CP, CQ, DG, EA, EU, EZ, IC, TA, UN) and user-assigned (QO, XA, XB, XK, ZZ) codes.
 */
const NOT_ISO_3166_1 = new Set([
  'AC',
  'CP',
  'CQ',
  'DG',
  'EA',
  'EU',
  'EZ',
  'IC',
  'QO',
  'TA',
  'UN',
  'XA',
  'XB',
  'XK',
  'ZZ',
]);

type Names = Record<string, string>;

function territories(dir: string, locale: string): Names {
  const file = path.join(dir, 'main', locale, 'territories.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    main: Record<string, { localeDisplayNames: { territories: Names } }>;
  };
  return doc.main[locale]!.localeDisplayNames.territories;
}

function main(): void {
  const [namesDir, coreDir] = process.argv.slice(2);
  if (!namesDir || !coreDir) {
    console.error('usage: build-countries.ts <cldr-localenames-full dir> <cldr-core dir>');
    process.exit(2);
  }
  const version = (
    JSON.parse(readFileSync(path.join(namesDir, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const en = territories(namesDir, 'en');
  const ja = territories(namesDir, 'ja');
  const mappings = (
    JSON.parse(readFileSync(path.join(coreDir, 'supplemental', 'codeMappings.json'), 'utf8')) as {
      supplemental: { codeMappings: Record<string, { _alpha3?: string }> };
    }
  ).supplemental.codeMappings;
  const alts = (names: Names, code: string): string[] =>
    Object.entries(names)
      .filter(([k]) => k.startsWith(`${code}-alt-`))
      .map(([, v]) => v);

  const countries = Object.keys(en)
    .filter((code) => /^[A-Z]{2}$/.test(code) && !NOT_ISO_3166_1.has(code))
    .sort()
    .map((code) => {
      const alpha3 = mappings[code]?._alpha3;
      if (!alpha3) throw new Error(`no alpha-3 code for ${code} in codeMappings.json`);
      if (!ja[code]) throw new Error(`no Japanese name for ${code}`);
      const altEn = alts(en, code).filter((n) => n !== en[code]);
      const altJa = alts(ja, code).filter((n) => n !== ja[code]);
      return {
        code,
        alpha3,
        nameEn: en[code]!,
        nameJa: ja[code],
        ...(altEn.length ? { altEn } : {}),
        ...(altJa.length ? { altJa } : {}),
      };
    });
  if (countries.length !== 249)
    throw new Error(`expected the 249 ISO 3166-1 countries, got ${countries.length}`);

  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data/countries.json');
  writeFileSync(
    out,
    JSON.stringify(
      {
        source: `Unicode CLDR ${version} (cldr-json: cldr-localenames-full main/en and main/ja territories.json; cldr-core supplemental/codeMappings.json)`,
        licence: 'Unicode License V3 (see LICENSE-UNICODE beside this file)',
        retrieved: new Date().toISOString().slice(0, 10),
        countries,
      },
      null,
      1,
    ) + '\n',
  );
  console.log(`${countries.length} countries written to ${out}`);
}

main();
