import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import * as openpgp from 'openpgp';
import { T, pick, type Lang } from './i18n.js';
import { headerSafe, type RenderedMail } from './render.js';

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
  readonly messageId: string;
  readonly date: Date;
  /** Extra headers (X-ISAC-Alert-Id, …); values are made header-safe. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

const safeHeaders = (h: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, headerSafe(v, 500)]));

const safeAddress = (a: string): string => headerSafe(a, 320);

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * The message without its top-level To and Message-ID fields (and their folded lines): the part
 * every address of one mail shares, stored once (ADR 0013 stage 3d). `addressed` puts them back.
 */
export function withoutAddress(raw: Buffer): Buffer {
  const end = raw.indexOf(HEADER_END);
  if (end < 0) throw new Error('message without a header section');
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = /^(to|message-id)\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(end)]);
}

/** A shared message (`withoutAddress`) for one address: its To and Message-ID fields first. */
export function addressed(shared: Buffer, to: readonly string[], messageId: string): Buffer {
  const head = `To: ${to.map(safeAddress).join(', ')}\r\nMessage-ID: ${headerSafe(messageId, 320)}\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), shared]);
}

/** RFC 5322 message: multipart/alternative text + HTML, attachments; nodemailer encodes headers. */
export async function buildMime(mail: RenderedMail, env: Envelope): Promise<Buffer> {
  const composer = new MailComposer({
    from: safeAddress(env.from),
    to: env.to.map(safeAddress),
    subject: headerSafe(mail.subject, 400),
    text: mail.text,
    html: mail.html,
    messageId: env.messageId,
    date: env.date,
    headers: safeHeaders(env.headers),
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  });
  return composer.compile().build();
}

/**
 * RFC 3156 PGP/MIME: the whole inner entity (text, HTML, attachment and the real subject) is
 * encrypted to the organisation's key; the outer subject says only that an encrypted alert came.
 */
export async function buildEncryptedMime(
  mail: RenderedMail,
  env: Envelope,
  armoredKey: string,
  lang: Lang,
  outerSubjectPrefix: string,
): Promise<Buffer> {
  const inner = await new MailComposer({
    subject: headerSafe(mail.subject, 400),
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  })
    .compile()
    .build();
  // Only the MIME entity (Content-Type onwards); MailComposer also writes Date/Message-ID headers.
  const key = await openpgp.readKey({ armoredKey });
  const encrypted: unknown = await openpgp.encrypt({
    message: await openpgp.createMessage({ text: inner.toString('utf8') }),
    encryptionKeys: key,
    format: 'armored',
  });
  const ciphertext = String(encrypted);
  const root = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"');
  root.setHeader({
    From: safeAddress(env.from),
    To: env.to.map(safeAddress).join(', '),
    Subject: headerSafe(`${outerSubjectPrefix} ${pick(lang, T.encrypted.ja, T.encrypted.en)}`),
    'Message-ID': env.messageId,
    Date: env.date.toUTCString(),
    ...safeHeaders(env.headers),
  });
  root
    .createChild('application/pgp-encrypted')
    .setHeader('Content-Description', 'PGP/MIME version identification')
    .setHeader('Content-Transfer-Encoding', '7bit')
    .setContent('Version: 1\r\n');
  root
    .createChild('application/octet-stream; name="encrypted.asc"')
    .setHeader('Content-Disposition', 'inline; filename="encrypted.asc"')
    .setHeader('Content-Description', 'OpenPGP encrypted message')
    .setHeader('Content-Transfer-Encoding', '7bit')
    .setContent(ciphertext);
  return root.build();
}
