import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { AppError, TransientError } from '@isac/kernel';

/** A relay said no for good (5xx): retrying will not help; the job becomes a dead letter. */
export class MailRejectedError extends AppError {
  readonly code = 'validation_failed';
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The complete RFC 5322 message. */
  readonly raw: Buffer;
}

/** Port: hands one rendered message to a relay (or a file). */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/**
 * SmtpMailSender: nodemailer over SMTP with a connection pool (connections are reused across
 * messages, up to `maxConnections` side by side); 4xx and network faults are transient, 5xx is final.
 */
export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;
  constructor(opts: {
    url: string;
    secure?: boolean | undefined;
    allowSelfSigned: boolean;
    timeoutMs: number;
    maxConnections?: number | undefined;
  }) {
    const u = new URL(opts.url);
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: opts.maxConnections ?? 5,
      maxMessages: 1000,
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: opts.secure ?? u.protocol === 'smtps:',
      auth: u.username
        ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
        : undefined,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      tls: { rejectUnauthorized: !opts.allowSelfSigned },
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({ envelope: { from: mail.from, to: [...mail.to] }, raw: mail.raw });
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}

export function classifySmtpError(err: unknown): AppError {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const msg = `SMTP: ${e.message ?? String(err)}`;
  if (typeof e.responseCode === 'number' && e.responseCode >= 500)
    return new MailRejectedError(msg, [], { cause: err });
  return new TransientError(msg, [], { cause: err });
}

/** FileMailSender: no relay configured; each message becomes an .eml file in `outDir`. */
export class FileMailSender implements MailSender {
  private n = 0;
  constructor(private readonly outDir: string) {}
  async send(mail: OutgoingMail): Promise<void> {
    await mkdir(this.outDir, { recursive: true, mode: 0o700 });
    this.n += 1;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${this.n}.eml`;
    // a message names its recipients and carries alerts: readable by the hub's user only
    await writeFile(path.join(this.outDir, name), mail.raw, { mode: 0o600 });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Records messages (unit tests). */
export class FakeMailSender implements MailSender {
  readonly sent: OutgoingMail[] = [];
  failWith: Error | undefined;
  send(mail: OutgoingMail): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.sent.push(mail);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
