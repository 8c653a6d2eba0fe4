import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AcceptOutcome, NewSubmission } from '../ports/index.js';
import type { SqliteOptions } from './database.js';
import { acceptRow, type AcceptRow } from './accept-writer.js';

export type WriterRequest =
  | { readonly op: 'begin'; readonly tx: number; readonly submissionId: string; readonly now: number }
  | { readonly op: 'rows'; readonly tx: number; readonly rows: readonly AcceptRow[] }
  | { readonly op: 'commit' | 'abort' | 'close'; readonly tx: number };

export type WriterReply =
  | { readonly tx: number; readonly ok: true; readonly outcomes: Uint8Array }
  | { readonly tx: number; readonly ok: false; readonly message: string; readonly code?: string | undefined };

/**
 * The worker's entry, evaluated as CommonJS. Under tsx (the hub runs its TypeScript sources) the
 * worker module is TypeScript, and Node 20 does not give a worker the loader its parent imported
 * with `--import tsx`: the entry registers it first (tsx's `esm/api`), then imports the module.
 */
const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((err) => process.nextTick(() => { throw err; }));`;

/** The file URL of tsx's ES module API, by its package's exports map, from where `from` is. */
function tsxApi(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgFile)).href;
}

/**
 * The main thread's side of the writer thread (ADR 0019, follow-up): a large submission is sent a
 * slice of pre-serialised rows per turn of the event loop, stored by the thread in one
 * transaction, and committed (fsynced) there; the answer comes back as one byte per version. The
 * thread starts with the first large submission. Callers hold the write lane, so one submission
 * is in flight at a time.
 */
export class BulkWriter {
  private worker: Worker | undefined;
  private tx = 0;
  private waiting: { readonly tx: number; resolve(r: WriterReply): void; reject(e: Error): void } | undefined;

  constructor(
    private readonly opts: SqliteOptions,
    readonly sliceRows: number,
  ) {}

  async accept(submission: NewSubmission, now: Date): Promise<AcceptOutcome[]> {
    const w = this.start();
    const tx = ++this.tx;
    let settled = false;
    const reply = new Promise<WriterReply>((resolve, reject) => {
      this.waiting = { tx, resolve, reject };
    });
    reply.then(
      () => (settled = true),
      () => (settled = true),
    );
    w.ref(); // keep the process alive until the answer, even if nothing else would
    try {
      w.postMessage({
        op: 'begin',
        tx,
        submissionId: submission.id,
        now: now.getTime(),
      } satisfies WriterRequest);
      const vs = submission.versions;
      for (let i = 0; i < vs.length && !settled; i += this.sliceRows) {
        if (i > 0) await nextTurn();
        const rows = vs.slice(i, i + this.sliceRows).map(acceptRow);
        w.postMessage({ op: 'rows', tx, rows } satisfies WriterRequest);
      }
      if (!settled) w.postMessage({ op: 'commit', tx } satisfies WriterRequest);
      const r = await reply;
      if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
      return Array.from(r.outcomes, (o): AcceptOutcome => (o === 1 ? 'inserted' : 'duplicate'));
    } catch (err) {
      // Nothing of it may stay half-written, nor the lock held: the thread rolls back.
      if (!settled) w.postMessage({ op: 'abort', tx } satisfies WriterRequest);
      throw err;
    } finally {
      if (this.waiting?.tx === tx) this.waiting = undefined;
      w.unref();
    }
  }

  /** Stops the thread (its connection closed); a submission in flight fails. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.ref(); // until it has exited
    w.postMessage({ op: 'close', tx: 0 } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const self = import.meta.url;
    const ts = self.endsWith('.ts');
    const w = new Worker(BOOT, {
      eval: true,
      workerData: {
        url: new URL(`./bulk-writer.worker.${ts ? 'ts' : 'js'}`, self).href,
        tsx: ts ? tsxApi(self) : undefined,
        opts: this.opts,
      },
    });
    w.unref();
    w.on('message', (r: WriterReply) => {
      if (this.waiting?.tx === r.tx) this.waiting.resolve(r);
    });
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`the writer thread stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  private lost(w: Worker, err: Error): void {
    if (this.worker === w) this.worker = undefined;
    this.waiting?.reject(err);
    this.waiting = undefined;
  }
}
