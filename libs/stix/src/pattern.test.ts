import { expect } from 'chai';
import {
  FAIL_CASES,
  PASS_CASES,
  SPEC_EXAMPLES,
  TIMESTAMP_FAIL_CASES,
  TIMESTAMP_PASS_CASES,
} from '../test/pattern-vectors.js';
import { analyzePattern, validatePattern } from './pattern-check.js';
import { parsePattern, PatternSyntaxError } from './pattern.js';
import type { Comparison, Qualified } from './pattern.js';

const ANTLR_POSITION = /^FAIL: Error found at line 1:(\d+)\./;

/**
 * OASIS grammar vectors that break a MUST of the spec's semantics: the grammar (and so
 * cti-pattern-validator) accepts them, the spec does not (docs/adr/0008).
 */
const OASIS_SEMANTIC_ERRORS: Readonly<Record<string, readonly string[]>> = {
  "[ipv4addr:value ISSUBSET '192.168.0.1/24']": ['pattern-cidr'], // not an ipv4-addr/ipv6-addr value
  "[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']": ['pattern-cidr'],
  "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']": ['pattern-name'], // '_' in a type name
  "([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS": [
    'pattern-duplicate-qualifier',
  ],
  "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'":
    ['pattern-mixed-types'],
  // 'x' is too short for a type name (3-250 characters); the last three name days that do not exist
  "[x:created = t'2024-01-15T12:30:45Z']": ['pattern-name'],
  "[x:created = t'2024-12-31T23:59:59Z']": ['pattern-name'],
  "[x:created = t'2024-01-01T00:00:00Z']": ['pattern-name'],
  "[x:created = t'2024-01-15T12:30:45.123Z']": ['pattern-name'],
  "[x:created = t'2024-01-15T12:30:45.123456Z']": ['pattern-name'],
  "[x:created = t'2024-02-29T12:00:00Z']": ['pattern-name'],
  "[x:created = t'2000-02-29T12:00:00Z']": ['pattern-name'],
  "[x:created = t'2024-02-30T12:00:00Z']": ['pattern-name', 'pattern-timestamp'],
  "[x:created = t'2024-04-31T12:00:00Z']": ['pattern-name', 'pattern-timestamp'],
  "[x:created = t'2023-02-29T12:00:00Z']": ['pattern-name', 'pattern-timestamp'],
};

describe('STIX patterns: cti-pattern-validator vectors (reference §4.4)', () => {
  for (const p of [...PASS_CASES, ...TIMESTAMP_PASS_CASES, ...SPEC_EXAMPLES]) {
    const semantic = OASIS_SEMANTIC_ERRORS[p] ?? [];
    it(`parses ${p}${semantic.length ? ` and refuses it: ${semantic.join(', ')}` : ''}`, () => {
      expect(() => parsePattern(p)).not.to.throw();
      expect([...new Set(validatePattern(p).map((e) => e.rule))].sort()).to.deep.equal(semantic);
    });
  }
  for (const [p, expected] of FAIL_CASES) {
    it(`rejects ${p}`, () => {
      const errors = validatePattern(p);
      expect(errors).to.have.length.greaterThan(0);
      const m = ANTLR_POSITION.exec(expected);
      if (m) {
        // syntax errors: same column as the OASIS (ANTLR) parser
        expect(errors[0]!.rule).to.equal('pattern-syntax');
        expect(() => parsePattern(p))
          .to.throw(PatternSyntaxError)
          .with.property('position', Number(m[1]));
      } else if (expected.includes('Duplicate qualifier')) {
        expect(errors[0]!.rule).to.equal('pattern-duplicate-qualifier');
      } else {
        expect(errors[0]!.rule).to.equal('pattern-hash');
        expect(errors[0]!.message).to.contain("'f00' is not a valid SHA-256 hash");
      }
    });
  }
  for (const p of TIMESTAMP_FAIL_CASES) {
    it(`rejects the timestamp in ${p}`, () => {
      expect(() => parsePattern(p))
        .to.throw(PatternSyntaxError)
        .with.property('position', 13);
    });
  }
  it('refuses impossible calendar dates the grammar accepts', () => {
    const a = analyzePattern("[file:ctime = t'2024-02-30T12:00:00Z']");
    expect(a.errors.map((e) => e.rule)).to.deep.equal(['pattern-timestamp']);
  });
});

describe('STIX patterns: spec §9 examples and the whole grammar', () => {
  const valid = [
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    "([file:name = 'foo.dll'] AND [process:name = 'x']) OR [file:name = 'bar.dll'] FOLLOWEDBY [file:name = 'baz']",
    "[file:name NOT = 'a' AND file:size NOT IN (1, 2) AND file:name NOT LIKE 'x%' AND NOT EXISTS file:ctime AND EXISTS file:mtime]",
    '[network-traffic:src_port >= 1 AND network-traffic:dst_port < 2 AND network-traffic:x_score <= -1.5 AND network-traffic:is_active = true AND network-traffic:x_y != false]',
    "[ipv4-addr:value ISSUPERSET '10.0.0.0/8'] /* comment */ // another\n",
    "[file:name = 'a'] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' WITHIN 2.5 SECONDS REPEATS 3 TIMES",
    "[file:name <> 'a' AND file:size IN ()]",
  ];
  for (const p of valid) it(`accepts ${p}`, () => expect(validatePattern(p)).to.deep.equal([]));

  const invalid: [string, string, number?][] = [
    ['', 'pattern-syntax', 0],
    ['[', 'pattern-syntax', 1],
    ["[file:name = 'a'", 'pattern-syntax', 16],
    ["[file:name = 'a\\x']", 'pattern-syntax', 15],
    ["[file:name = 'unterminated]", 'pattern-syntax', 13],
    ["[file:name = 'a'] AND", 'pattern-syntax', 21],
    ["[file:name = 'a'] FOLLOWEDBY", 'pattern-syntax'],
    ['[file:name LIKE 1]', 'pattern-syntax', 16],
    ['[file:size > true]', 'pattern-syntax', 13],
    ["[file:name = 'a'] REPEATS 0 TIMES", 'pattern-qualifier-range'],
    ["[file:name = 'a'] WITHIN 0 SECONDS", 'pattern-qualifier-range'],
    ["[file:name = 'a'] REPEATS 1.5 TIMES", 'pattern-syntax', 26],
    ["[file:hashes.MD5 = 'abc']", 'pattern-hash'],
    ["[file:hashes.'SHA-1' IN ('0000000000000000000000000000000000000000', 'zz')]", 'pattern-hash'],
    ["[file:extensions.windows-pebinary-ext.pe_type = 'exe']", 'pattern-syntax', 17],
    ["[file:name = h'abc']", 'pattern-syntax', 13],
    ['[file:size = 01]', 'pattern-syntax', 13],
    ["[file:name = 'a'] and [file:name = 'b']", 'pattern-syntax', 18],
    ["[file:name = 'a' ] ]", 'pattern-syntax', 19],
    ["[file:list[x] = 'a']", 'pattern-syntax', 11],
    ["[NOT file:name = 'a']", 'pattern-syntax', 5],
    ["[file:name = 'a'] /* open", 'pattern-syntax', 18],
  ];
  for (const [p, rule, pos] of invalid) {
    it(`rejects ${JSON.stringify(p)} (${rule})`, () => {
      const errors = validatePattern(p);
      expect(errors.map((e) => e.rule)).to.include(rule);
      if (pos !== undefined)
        expect(() => parsePattern(p))
          .to.throw(PatternSyntaxError)
          .with.property('position', pos);
    });
  }

  it('builds the AST with precedence AND > OR > FOLLOWEDBY and flat chains', () => {
    const ast = parsePattern(
      '[a:b = 1] AND [a:b = 2] OR [a:b = 3] FOLLOWEDBY [a:b = 4] AND [a:b = 5] AND [a:b = 6]',
    );
    const e = ast.expression;
    expect(e.type).to.equal('followedby');
    if (e.type !== 'followedby') return;
    expect(e.operands).to.have.length(2);
    expect(e.operands[0]!.type).to.equal('or');
    expect(e.operands[1]!.type).to.equal('and');
    if (e.operands[1]!.type === 'and') expect(e.operands[1]!.operands).to.have.length(3);
  });
  it('applies qualifiers to the nearest observation (not greedy)', () => {
    const ast = parsePattern('[a:b = 1] FOLLOWEDBY [a:b = 2] REPEATS 5 TIMES');
    const e = ast.expression;
    expect(e.type).to.equal('followedby');
    if (e.type === 'followedby') expect(e.operands[1]!.type).to.equal('qualified');
  });
  it('decodes literals and escapes', () => {
    const ast = parsePattern(
      "[file:name = 'it\\'s a \\\\ path' AND file:x_n = -1.25 AND file:x_b = b'AQID' AND file:x_h = h'0aff' AND file:x_t = t'2020-01-01T00:00:00.5Z' AND file:x_i = 42 AND file:x_f = false]",
    );
    const obs = ast.expression;
    if (obs.type !== 'observation' || obs.comparison.type !== 'comparison-and') throw new Error('shape');
    const vals = obs.comparison.operands.map(
      (c) => (c as Comparison).value as { kind: string; value: unknown },
    );
    expect(vals.map((v) => [v.kind, v.value])).to.deep.equal([
      ['string', "it's a \\ path"],
      ['float', -1.25],
      ['binary', 'AQID'],
      ['hex', '0aff'],
      ['timestamp', '2020-01-01T00:00:00.5Z'],
      ['int', 42],
      ['boolean', false],
    ]);
  });
  it('parses object paths with list indexes, stars and quoted extension names', () => {
    const ast = parsePattern(
      "[file:extensions.'windows-pebinary-ext'.sections[2].hashes.'SHA-256' = 'x' OR file:list[*] = 'y']",
    );
    const obs = ast.expression;
    if (obs.type !== 'observation' || obs.comparison.type !== 'comparison-or') throw new Error('shape');
    expect((obs.comparison.operands[0] as Comparison).path.steps).to.deep.equal([
      { kind: 'property', name: 'extensions' },
      { kind: 'property', name: 'windows-pebinary-ext' },
      { kind: 'property', name: 'sections' },
      { kind: 'index', index: 2 },
      { kind: 'property', name: 'hashes' },
      { kind: 'property', name: 'SHA-256' },
    ]);
    expect((obs.comparison.operands[1] as Comparison).path.steps[1]).to.deep.equal({
      kind: 'index',
      index: '*',
    });
  });
  it('keeps qualifier chains flat', () => {
    const ast = parsePattern('[a:b = 1] WITHIN 5 SECONDS REPEATS 2 TIMES');
    expect((ast.expression as Qualified).qualifiers.map((q) => q.type)).to.deep.equal(['within', 'repeats']);
  });
  it('warns about unknown types and properties, never fails on them', () => {
    const a = analyzePattern(
      "[emailaddr:value = 'x' OR file:file_name = 'y' OR ipv4-addr:value = '1.2.3.4']",
    );
    expect(a.errors).to.deep.equal([]);
    expect(a.warnings.map((w) => w.rule)).to.deep.equal(['pattern-object-type', 'pattern-property']);
  });
  it('refuses AND between different object types in one observation', () => {
    const a = analyzePattern("[file:name = 'a' AND process:pid = 1]");
    expect(a.errors.map((e) => e.rule)).to.deep.equal(['pattern-mixed-types']);
  });
  it('warns (does not fail) on START not before STOP: the spec defines it as matching nothing', () => {
    const a = analyzePattern("[file:name = 'a'] START t'2016-06-01T02:00:00Z' STOP t'2016-06-01T01:00:00Z'");
    expect(a.errors).to.deep.equal([]);
    expect(a.warnings.map((w) => w.rule)).to.deep.equal(['pattern-qualifier-range']);
  });
});

describe('STIX patterns: hostile input', () => {
  it('bounds nesting with a clear error', () => {
    const p = '('.repeat(10_000) + '[a:b = 1]' + ')'.repeat(10_000);
    expect(() => parsePattern(p)).to.throw(PatternSyntaxError, /nests deeper/);
    expect(
      validatePattern('[' + '('.repeat(100_000) + 'a:b = 1' + ')'.repeat(100_000) + ']')[0]!.rule,
    ).to.equal('pattern-syntax');
  });
  it('refuses oversized patterns', () => {
    expect(() => parsePattern(`[file:name = '${'a'.repeat(200_000)}']`)).to.throw(
      PatternSyntaxError,
      /longer than/,
    );
  });
  it('parses long flat chains in linear time without deep recursion', () => {
    const p = Array.from(
      { length: 1500 },
      (_, i) => `[file:name = 'f${i}'] REPEATS 2 TIMES WITHIN 1 SECONDS`,
    ).join(' AND ');
    const t0 = Date.now();
    const ast = parsePattern(p);
    expect(Date.now() - t0).to.be.lessThan(1000);
    expect(ast.expression.type).to.equal('and');
    expect(validatePattern(p)).to.deep.equal([]);
  });
  it('handles pathological literal prefixes and comments quickly', () => {
    for (const p of [
      "[a:b = t'" + '9'.repeat(50_000),
      "[a:b = b'" + 'A'.repeat(50_001) + "']",
      '[a:b = 1] ' + '/*'.repeat(40_000),
      "[a:b = '" + "\\'".repeat(40_000),
      "[a:b = '" + '\\\\'.repeat(45_000) + "' AND",
    ]) {
      const t0 = Date.now();
      expect(validatePattern(p)).to.have.length(1);
      expect(Date.now() - t0).to.be.lessThan(500);
    }
  });
});
