/**
 * The files a mail carries, read the way a member's mail program would: plain attachments by
 * name, or (above `mail.zipAboveBytes`) the one ZIP archive opened and its entries listed. The
 * archive is also checked by `unzip -t` when the Info-ZIP tool is installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import type { ParsedMail } from 'mailparser';

const hasUnzip = ((): boolean => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `unzip -t` on the archive (skipped when the tool is absent): throws unless every entry tests OK. */
export function unzipTest(zip: Buffer): void {
  if (!hasUnzip) return;
  const dir = mkdtempSync(join(tmpdir(), 'isac-zip-'));
  try {
    writeFileSync(join(dir, 'a.zip'), zip);
    const out = execFileSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
    expect(out).to.match(/No errors detected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MailFiles {
  /** The archive's name when the files came in one ZIP archive. */
  readonly zip?: string | undefined;
  /** Every file by name (the archive's entries, or the attachments). */
  readonly files: Map<string, Buffer>;
}

export function mailFiles(m: ParsedMail): MailFiles {
  const zips = m.attachments.filter((a) => a.contentType === 'application/zip');
  if (zips.length > 0) {
    expect(m.attachments, 'one archive and nothing beside it').to.have.length(1);
    const z = zips[0]!;
    unzipTest(z.content);
    const entries = unzipSync(new Uint8Array(z.content));
    return {
      zip: z.filename,
      files: new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)])),
    };
  }
  return { files: new Map(m.attachments.map((a) => [a.filename ?? '', a.content])) };
}

/** The content of the one file whose name ends with `suffix` (`.stix.json`, `.csv`). */
export function fileOf(m: ParsedMail, suffix: string): string {
  const hits = [...mailFiles(m).files].filter(([name]) => name.endsWith(suffix));
  expect(hits, `one ${suffix} file`).to.have.length(1);
  return hits[0]![1].toString('utf8');
}
