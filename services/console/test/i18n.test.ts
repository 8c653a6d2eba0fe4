import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LANGS, MESSAGES, pickLang, translator, type MessageKey } from '../src/i18n.js';

const SRC = path.resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(path.join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [path.join(dir, e.name)]
        : [],
  );
}

describe('console i18n (ADR 0018)', () => {
  it('has every message in every language, none empty, with the same {parameters}', () => {
    const keys = Object.keys(MESSAGES.en).sort();
    for (const lang of LANGS) {
      expect(Object.keys(MESSAGES[lang]).sort(), lang).to.deep.equal(keys);
      for (const key of keys as MessageKey[]) {
        const text = MESSAGES[lang][key];
        expect(text.trim(), `${lang} ${key}`).not.to.equal('');
        const params = (s: string) => [...s.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();
        expect(params(text), `${lang} ${key}`).to.deep.equal(params(MESSAGES.en[key]));
      }
    }
  });

  it('has no Japanese message left in English', () => {
    const same = (Object.keys(MESSAGES.en) as MessageKey[]).filter((k) => MESSAGES.ja[k] === MESSAGES.en[k]);
    expect(same).to.deep.equal([]);
  });

  it('defines every key the screens use', () => {
    const used = new Set<string>();
    for (const file of sources(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z.]+)'/g)) used.add(m[1]!);
    expect(used.size).to.be.greaterThan(20);
    const missing = [...used].filter((k) => !(k in MESSAGES.en));
    expect(missing).to.deep.equal([]);
  });

  it('follows the browser: the first language it speaks, else English', () => {
    expect(pickLang(['ja-JP', 'en-US'])).to.equal('ja');
    expect(pickLang(['fr-FR', 'en-GB', 'ja'])).to.equal('en');
    expect(pickLang(['de'])).to.equal('en');
    expect(pickLang(['JA'])).to.equal('ja');
  });

  it('fills {parameters} and leaves unknown ones visible', () => {
    expect(translator('ja')('overview.arrived.total', { n: 3 })).to.equal('3 件');
    expect(translator('en')('overview.arrived.total')).to.equal('Objects: {n}');
  });
});
