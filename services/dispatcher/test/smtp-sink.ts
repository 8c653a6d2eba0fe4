/** A real SMTP server for tests (smtp-server on 127.0.0.1:0) that parses what arrives (mailparser). */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export type Behaviour = 'ok' | 'hang' | { code: number; message: string };

export interface SmtpSink {
  readonly port: number;
  readonly received: ParsedMail[];
  readonly raw: Buffer[];
  /** Addresses refused at RCPT TO, once per attempt. */
  readonly refused: string[];
  attempts: number;
  close(): Promise<void>;
}

export async function smtpSink(
  opts: {
    secure?: boolean;
    behave?: (attempt: number) => Behaviour;
    /** Answers RCPT TO for this address with a refusal (e.g. 550: no such mailbox). */
    refuseRcpt?: (address: string) => { code: number; message: string } | undefined;
    /** A slow peer: waits this long after the data before answering it. */
    dataDelayMs?: number;
  } = {},
): Promise<SmtpSink> {
  const sink: SmtpSink = {
    port: 0,
    received: [],
    raw: [],
    refused: [],
    attempts: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    secure: opts.secure ?? false,
    authOptional: true,
    disabledCommands: opts.secure ? [] : ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const no = opts.refuseRcpt?.(address.address);
      if (no) {
        sink.refused.push(address.address);
        callback(Object.assign(new Error(no.message), { responseCode: no.code }));
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.attempts += 1;
        const b = opts.behave?.(sink.attempts) ?? 'ok';
        if (b === 'hang') return;
        if (b !== 'ok') {
          const err = Object.assign(new Error(b.message), { responseCode: b.code });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        const accept = () => {
          sink.raw.push(raw);
          simpleParser(raw).then(
            (m) => {
              sink.received.push(m);
              callback();
            },
            (err: Error) => callback(err),
          );
        };
        if (opts.dataDelayMs) setTimeout(accept, opts.dataDelayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (sink as { port: number }).port = (server.server.address() as { port: number }).port;
  return sink;
}
