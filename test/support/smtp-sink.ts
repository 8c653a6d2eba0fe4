import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A real SMTP server on a loopback port that parses and keeps every message it accepts. */
export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly messages: ParsedMail[];
  /** Recipients refused for good (550) while they are in this set. */
  readonly refuse: Set<string>;
  waitFor(pred: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const waiters: (() => void)[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refuse.has(address.address.toLowerCase())) return callback();
      const err = Object.assign(new Error(`${address.address}: mailbox unavailable`), { responseCode: 550 });
      callback(err);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          waiters.splice(0).forEach((w) => w());
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // a client that dies mid-session (a dispatcher SIGKILLed) resets its socket: a peer's problem, not the sink's
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse,
    waitFor: (pred, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`no matching email within ${timeoutMs} ms (got ${messages.length})`)),
          timeoutMs,
        );
        const check = (): void => {
          const m = messages.find(pred);
          if (m) {
            clearTimeout(deadline);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
