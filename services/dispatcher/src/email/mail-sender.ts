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
  /** Whether the relay answers (`/readyz`, ADR 0032): undefined when it does, else why not. Absent: nothing to reach. */
  reachable?(): Promise<string | undefined>;
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

  /** An SMTP greeting and EHLO (and AUTH when configured), at most once a second. */
  async reachable(): Promise<string | undefined> {
    const now = Date.now();
    if (this.lastCheck && now - this.lastCheck.at < 1_000) return this.lastCheck.result;
    let result: string | undefined;
    try {
      await this.transport.verify();
    } catch (err) {
      // the code, not the message: readiness answers unauthenticated callers, and messages name hosts
      const e = (err ?? {}) as { code?: unknown; responseCode?: unknown };
      const code =
        typeof e.code === 'string'
          ? e.code
          : typeof e.responseCode === 'number'
            ? String(e.responseCode)
            : 'error';
      result = `SMTP relay unreachable (${code})`;
    }
    this.lastCheck = { at: now, result };
    return result;
  }

  private lastCheck: { at: number; result: string | undefined } | undefined;
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
