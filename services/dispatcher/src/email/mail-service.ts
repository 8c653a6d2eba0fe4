import {
  TransientError,
  type Clock,
  type IdGenerator,
  type Logger,
  type Org,
  type Signal,
  type ServiceMetrics,
  NO_METRICS,
  secondsSince,
  type Subscription,
  type TlpLevel,
} from '@isac/kernel';
import type { PolicyEngine } from '@isac/policy';
import { tlpRank, uuidV5 } from '@isac/stix';
import {
  blobHash,
  jobKeys,
  type BatchMailResult,
  type JobOf,
  type JobPayload,
  type NewJob,
  type Stores,
} from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import { dead, done, doneThen, skipped, type JobOutcome } from '../jobs/job-worker.js';
import { alertBundle } from '../delivery/payload.js';
import { observablesOf } from '@isac/policy';
import type { Lang } from './i18n.js';
import { MailRejectedError, type MailSender } from './mail-sender.js';
import { addressed, buildEncryptedMime, buildMime, withoutAddress, type Envelope } from './mime.js';
import {
  composeDigestMail,
  composeSubmissionMail,
  renderDigestMail,
  renderSubmissionMail,
  type MailRenderCache,
  type SubmissionMailInput,
} from './submission-mail.js';
import {
  renderAlert,
  renderNotice,
  renderRetraction,
  renderTrialReminder,
  type RenderedMail,
} from './render.js';
import { digestWindow } from './digest-window.js';
import { Coalescer } from '../jobs/coalescer.js';

type Json = Readonly<Record<string, unknown>>;

/** Namespace of batch mails' Message-IDs when the hub wraps the content (PGP/MIME, notices). */
const BATCH_MAIL_NAMESPACE = '6b1d8f0e-2c4a-5e7b-9f1d-3a5c7e9b1d2f';

/** Stricter than GREEN (or not a TLP level at all) goes in clear to nobody: encrypted, or a notice. */
export const needsEncryption = (tlp: TlpLevel): boolean => {
  const rank = tlpRank(tlp);
  return rank < 0 || rank > tlpRank('green');
};

export type SendMailPayload = JobPayload<'send_mail'>;

/** A batch mail rendered: the message its addresses share, and each address's own header values. */
export interface BatchMailMessages {
  /** The message without To and Message-ID (`withoutAddress`), stored once. */
  readonly shared: Buffer;
  readonly what: SendMailPayload['what'];
  readonly messages: readonly { readonly to: string; readonly messageId: string }[];
}

/** How often leftover stored messages (no job names them any more) are looked for, at most. */
const BLOB_SWEEP_MS = 3_600_000;

/** The window a digest mail covers, and the key naming it (`digest:<subscription>:<window start>`). */
export interface DigestOf {
  readonly key: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly submissions: number;
}

/** Where email subscriptions send: their own list, else the organisation's contacts. */
export function recipientsOf(subs: readonly Subscription[], org: Org): string[] {
  const to = new Set<string>();
  for (const s of subs) for (const a of s.email?.to ?? []) to.add(a);
  if (to.size === 0) for (const a of org.contacts) to.add(a);
  return [...to];
}

export function langOf(subs: readonly Subscription[]): Lang {
  const ls = new Set(subs.map((s) => s.email?.lang ?? 'both'));
  return ls.size === 1 ? ([...ls][0] as Lang) : 'both';
}

/** The batch mails (an immediate mail, or a digest's items) a send job carries. */
const batchMailKeys = (p: SendMailPayload): string[] => [
  ...(p.batchMailKey !== undefined ? [p.batchMailKey] : []),
  ...(p.batchMailKeys ?? []),
];

/** What a batch mail's send jobs name besides the message (`enqueueBatchSends`). */
export interface BatchSendOf {
  readonly mailKey: string;
  readonly orgId: string;
  readonly batchMailKey?: string | undefined;
  readonly batchMailKeys?: string[] | undefined;
  readonly deliveryKeys?: string[] | undefined;
  /** A digest: the alert id it prints, recorded on each item it carries when sent (acks). */
  readonly digestAlertId?: string | undefined;
  /** When what the mail carries was accepted (an immediate mail: its hand-off is timed, ADR 0032). */
  readonly acceptedAt?: string | undefined;
}

/** One send job per address of a batch mail, each naming the stored message. */
function batchSendJobs(m: BatchMailMessages, of: BatchSendOf): NewJob[] {
  const blob = blobHash(m.shared);
  return m.messages.map((x) => ({
    kind: 'send_mail' as const,
    key: jobKeys.sendBatchMail(of.mailKey, x.to),
    payload: {
      deliveryKeys: of.deliveryKeys ?? [],
      ...(of.batchMailKey !== undefined ? { batchMailKey: of.batchMailKey } : {}),
      ...(of.batchMailKeys !== undefined ? { batchMailKeys: of.batchMailKeys } : {}),
      ...(of.digestAlertId !== undefined ? { digestAlertId: of.digestAlertId } : {}),
      orgId: of.orgId,
      to: [x.to],
      blob,
      messageId: x.messageId,
      what: m.what,
      ...(of.acceptedAt !== undefined ? { acceptedAt: of.acceptedAt } : {}),
    },
  }));
}

/** Email: renders alerts, notices, digests and reminders into send_mail jobs, and sends them. */
export class MailService {
  constructor(
    private readonly deps: {
      readonly stores: Stores;
      readonly policy: PolicyEngine;
      readonly hub: { readonly id: string; readonly name: string };
      readonly clock: Clock;
      readonly ids: IdGenerator;
      readonly log: Logger;
      readonly sender: MailSender;
      readonly config: DispatcherConfig;
      readonly jobsReady?: Signal | undefined;
      /** The base of links in mail (ISAC_PUBLIC_URL, else where the HTTP port is reached). */
      readonly publicUrl?: (() => string) | undefined;
      /** Delivery latency, accept to the relay taking an immediate mail (ADR 0032). */
      readonly metrics?: ServiceMetrics | undefined;
    },
  ) {}

  /** The base of links in mail, without a trailing slash. */
  publicUrl(): string {
    return (this.deps.publicUrl?.() ?? 'http://localhost:8080').replace(/\/+$/, '');
  }

  /** The TAXII URL notices quote: `mail.taxiiUrl`, else the public URL's `/taxii2/`. */
  private taxiiUrl(): string {
    return this.deps.config.mail.taxiiUrl ?? `${this.publicUrl()}/taxii2/`;
  }

  /**
   * One submission mail of a batch for one email subscription (ADR 0013, 0014): one message per
   * address, To holding that address alone; PGP/MIME for an organisation with a key; a notice
   * without content for stricter than GREEN without a key. Throws when it cannot be rendered
   * (a bad key, a bad address): the caller confines that to this mail.
   */
  async renderBatchMail(i: {
    org: Org;
    subscription: Subscription;
    alertId: string;
    tlp: TlpLevel;
    exercise: boolean;
    objects: readonly Json[];
    collectionId: string;
    submission: { id: string; acceptedAt: string };
    /** A digest of one window (ADR 0013 stage 3c): rendered as one, `submission` unused. */
    digest?: DigestOf | undefined;
    cache?: MailRenderCache | undefined;
    /** Names the released set in `cache` (equal keys: the very same released objects). */
    releaseKey?: string | undefined;
    /** Correlation for this recipient (ADR 0044): a digest lists the counts, never as an update. */
    correlation?: SubmissionMailInput['correlation'];
  }): Promise<BatchMailMessages> {
    const { config } = this.deps;
    // a subscription stored without email settings (before they were required): the
    // organisation's contacts, in Japanese (the default language of a new subscription)
    const email = i.subscription.email ?? { lang: 'ja' as const, timeZone: undefined };
    const to = recipientsOf([i.subscription], i.org);
    const input: SubmissionMailInput = {
      hub: {
        publicUrl: this.publicUrl(),
        taxii: { apiRoot: config.mail.taxiiApiRoot, collectionId: i.collectionId },
        from: config.smtp.from,
      },
      subscription: {
        id: i.subscription.id,
        lang: email.lang,
        timeZone: email.timeZone ?? config.mail.timeZone,
        to,
      },
      alertId: i.alertId,
      tlp: i.tlp,
      objects: i.objects,
      exercise: i.exercise,
      date: this.deps.clock.now(),
      fullCount: config.mail.fullCount,
      submission: i.submission,
      cache: i.cache,
      releaseKey: i.releaseKey,
      zipAboveBytes: config.mail.zipAboveBytes,
      ...(i.correlation ? { correlation: i.correlation } : {}),
    };
    const key = i.org.pgpPublicKey;
    const dg = i.digest;
    if (!key && !needsEncryption(i.tlp)) {
      const ms = dg
        ? await renderDigestMail({ ...input, digest: dg, digestKey: dg.key })
        : await renderSubmissionMail(input);
      return {
        shared: ms[0]!.shared,
        what: dg ? 'digest' : 'alert',
        messages: ms.map((m) => ({ to: m.to, messageId: m.messageId })),
      };
    }
    const headers: Record<string, string> = {
      'X-ISAC-Alert-Id': i.alertId,
      'X-ISAC-TLP': i.tlp.toUpperCase(),
      ...(dg ? { 'X-ISAC-Digest': dg.key } : { 'X-ISAC-Submission': i.submission.id }),
      ...(i.exercise ? { 'X-ISAC-Exercise': 'true' } : {}),
    };
    const domain = /@([^>\s]+)/.exec(config.smtp.from)?.[1] ?? 'isac.invalid';
    const envOf = (address: string): Envelope => ({
      from: config.smtp.from,
      to: [address],
      messageId: `<${uuidV5(BATCH_MAIL_NAMESPACE, `${i.alertId}|${i.subscription.id}|${address}`)}@${domain}>`,
      date: input.date,
      headers,
    });
    // built once for the first address; the others differ only in their To and Message-ID lines
    const messages = to.map((address) => ({ to: address, messageId: envOf(address).messageId }));
    if (to.length === 0) throw new Error('no address to send to');
    if (key) {
      const content = dg ? composeDigestMail({ ...input, digest: dg }) : composeSubmissionMail(input);
      const prefix = `[ISAC]${i.exercise ? '[EXERCISE]' : ''}[TLP:${i.tlp.toUpperCase()}]`;
      const raw = await buildEncryptedMime(content, envOf(to[0]!), key, email.lang, prefix);
      return { shared: withoutAddress(raw), what: 'encrypted', messages };
    }
    const id = i.objects[0]?.['id'];
    const first = typeof id === 'string' ? id : '';
    const notice = renderNotice({
      objectId: i.objects.length > 1 ? `${first} (+${i.objects.length - 1})` : first,
      tlp: i.tlp,
      alertId: i.alertId,
      exercise: i.exercise,
      lang: email.lang,
      taxiiUrl: this.taxiiUrl(),
    });
    return { shared: withoutAddress(await buildMime(notice, envOf(to[0]!))), what: 'notice', messages };
  }

  /**
   * Stores a batch mail's shared message once and queues one send job per address naming it
   * (ADR 0013 stage 3d); keys per (mail, address), so a repeat queues (and keeps) nothing.
   */
  async enqueueBatchSends(m: BatchMailMessages, of: BatchSendOf): Promise<number> {
    const [n] = await this.enqueueBatchSendsMany([{ messages: m, of }]);
    return n!;
  }

  /**
   * `enqueueBatchSends` for many mails in one store call (one commit in SQLite): what each queued,
   * in order. The worker is woken once.
   */
  async enqueueBatchSendsMany(
    mails: readonly { readonly messages: BatchMailMessages; readonly of: BatchSendOf }[],
  ): Promise<number[]> {
    if (mails.length === 0) return [];
    const results = await this.deps.stores.jobs.enqueueWithBlobs(
      mails.map(({ messages: m, of }) => ({ body: m.shared, jobs: batchSendJobs(m, of) })),
      this.deps.clock.now(),
    );
    this.deps.jobsReady?.notify();
    return results.map((r) => r.filter((x) => x === 'inserted').length);
  }

  private envelope(to: readonly string[], headers: Record<string, string>): Envelope {
    const domain = /@([^>\s]+)/.exec(this.deps.config.smtp.from)?.[1] ?? 'isac.invalid';
    return {
      from: this.deps.config.smtp.from,
      to,
      messageId: `<${this.deps.ids.uuid()}@${domain}>`,
      date: this.deps.clock.now(),
      headers,
    };
  }

  /**
   * Renders one alert for one organisation: encrypted when it has a key, in clear up to GREEN,
   * a notice without content otherwise.
   */
  async renderAlertMail(i: {
    org: Org;
    to: readonly string[];
    lang: Lang;
    object: Json;
    tlp: TlpLevel;
    alertId: string;
    exercise: boolean;
  }): Promise<{ raw: Buffer; what: SendMailPayload['what'] }> {
    const headers: Record<string, string> = {
      'X-ISAC-Alert-Id': i.alertId,
      'X-ISAC-TLP': i.tlp.toUpperCase(),
      ...(i.exercise ? { 'X-ISAC-Exercise': 'true' } : {}),
    };
    const env = this.envelope(i.to, headers);
    const bundle = alertBundle(i.alertId, i.object, i.tlp);
    const full = (): RenderedMail =>
      renderAlert({
        object: i.object,
        bundle,
        tlp: i.tlp,
        alertId: i.alertId,
        exercise: i.exercise,
        observables: observablesOf(i.object),
        lang: i.lang,
      });
    if (i.org.pgpPublicKey) {
      const prefix = `[ISAC]${i.exercise ? '[EXERCISE]' : ''}[TLP:${i.tlp.toUpperCase()}]`;
      return {
        raw: await buildEncryptedMime(full(), env, i.org.pgpPublicKey, i.lang, prefix),
        what: 'encrypted',
      };
    }
    if (needsEncryption(i.tlp)) {
      const notice = renderNotice({
        objectId: String(i.object['id']),
        tlp: i.tlp,
        alertId: i.alertId,
        exercise: i.exercise,
        lang: i.lang,
        taxiiUrl: this.taxiiUrl(),
      });
      return { raw: await buildMime(notice, env), what: 'notice' };
    }
    return { raw: await buildMime(full(), env), what: 'alert' };
  }

  /**
   * A retraction notice (issue 14.4) to one address: PGP/MIME for an organisation with a key;
   * without a key, the reason is left out when the object is stricter than GREEN.
   */
  async renderRetractionMail(i: {
    org: Org;
    to: string;
    lang: Lang;
    object: Json;
    tlp: TlpLevel;
    alertId: string;
    exercise: boolean;
    retractedAt: string;
    reason?: string | undefined;
  }): Promise<{ raw: Buffer; what: SendMailPayload['what'] }> {
    const headers: Record<string, string> = {
      'X-ISAC-Alert-Id': i.alertId,
      'X-ISAC-TLP': i.tlp.toUpperCase(),
      'X-ISAC-Retraction': String(i.object['id']),
      ...(i.exercise ? { 'X-ISAC-Exercise': 'true' } : {}),
    };
    const env = this.envelope([i.to], headers);
    const clear = !needsEncryption(i.tlp) || i.org.pgpPublicKey !== undefined;
    const mail = renderRetraction({
      objectId: String(i.object['id']),
      type: String(i.object['type']),
      name: clear && typeof i.object['name'] === 'string' ? i.object['name'] : undefined,
      tlp: i.tlp,
      alertId: i.alertId,
      exercise: i.exercise,
      retractedAt: i.retractedAt,
      reason: clear ? i.reason : undefined,
      lang: i.lang,
    });
    if (i.org.pgpPublicKey) {
      const prefix = `[ISAC]${i.exercise ? '[EXERCISE]' : ''}[TLP:${i.tlp.toUpperCase()}]`;
      return {
        raw: await buildEncryptedMime(mail, env, i.org.pgpPublicKey, i.lang, prefix),
        what: 'encrypted',
      };
    }
    return { raw: await buildMime(mail, env), what: 'notice' };
  }

  /** Queues the send of a rendered message; one job per key, so a repeat is a no-op. */
  async enqueueSend(key: string, p: SendMailPayload, jobKey = false): Promise<void> {
    await this.deps.stores.jobs.enqueue(
      { kind: 'send_mail', key: jobKey ? key : jobKeys.sendMail(key), payload: p },
      this.deps.clock.now(),
    );
    this.deps.jobsReady?.notify();
  }

  /** Wakes the worker (send jobs were queued). */
  notifyJobs(): void {
    this.deps.jobsReady?.notify();
  }

  /** The digest window of `sub` that holds `at` (undefined for a subscription that is not a digest). */
  digestWindowOf(sub: Subscription, at: Date): { start: Date; end: Date } | undefined {
    const mode = sub.email?.mode;
    if (mode !== 'hourly' && mode !== 'daily') return undefined;
    return digestWindow(mode, at, {
      timeZone: sub.email?.timeZone ?? this.deps.config.mail.timeZone,
      dailyHour: this.deps.config.digest.dailyHour,
    });
  }

  /**
   * One delayed digest job per (subscription, window), created by the first item of the window:
   * the window that holds `at` (when the item was recorded), in the subscription's zone; due
   * `digest.graceMs` after it closes. When that window's job has already started (an item
   * recorded late: a stalled distribute job, a dispatcher whose clock is behind), the item goes
   * into a later digest instead: the window holding now, or the next one if now is still in the
   * item's window. The digest job lists the pending items from before its window too.
   */
  async scheduleDigest(sub: Subscription, at: Date): Promise<void> {
    const w = this.digestWindowOf(sub, at);
    if (!w) return;
    if ((await this.enqueueDigest(sub, w)) === 'inserted') return;
    const own = await this.deps.stores.jobs.getByKey(jobKeys.digest(sub.id, w.start.toISOString()));
    if (own?.status === 'pending') return;
    const now = this.deps.clock.now();
    await this.enqueueDigest(sub, this.digestWindowOf(sub, now < w.end ? w.end : now)!);
  }

  private async enqueueDigest(
    sub: Subscription,
    w: { start: Date; end: Date },
  ): Promise<'inserted' | 'duplicate'> {
    const payload: JobPayload<'digest'> = {
      orgId: sub.orgId,
      subscriptionId: sub.id,
      windowStart: w.start.toISOString(),
      windowEnd: w.end.toISOString(),
    };
    return this.deps.stores.jobs.enqueue(
      {
        kind: 'digest',
        key: jobKeys.digest(sub.id, payload.windowStart),
        payload,
        runAt: new Date(w.end.getTime() + this.deps.config.digest.graceMs).toISOString(),
      },
      this.deps.clock.now(),
    );
  }

  /** send_mail: hand the rendered message to the relay; 4xx/timeouts retry, 5xx is a dead letter. */
  async sendMail(job: JobOf<'send_mail'>): Promise<JobOutcome> {
    const p = job.payload;
    if (p.to.length === 0) {
      for (const k of p.deliveryKeys) await this.deps.stores.deliveries.markFailed(k, 'no recipients', true);
      return skipped('no recipients');
    }
    const deliveries = this.deps.stores.deliveries;
    await this.sweepBlobs();
    let raw: Buffer;
    if (p.raw !== undefined) raw = Buffer.from(p.raw, 'base64');
    else {
      const shared = p.blob === undefined ? undefined : await this.deps.stores.jobs.getBlob(p.blob);
      if (!shared || p.messageId === undefined)
        return dead(
          `email to ${p.to.join(', ')} (organisation ${p.orgId}): stored message ${p.blob ?? '(none)'} is missing`,
        );
      raw = addressed(shared, p.to, p.messageId);
    }
    try {
      await this.deps.sender.send({ from: this.deps.config.smtp.from, to: p.to, raw });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const final =
        err instanceof MailRejectedError ||
        !(err instanceof TransientError) ||
        job.attempts >= this.deps.config.worker.maxAttempts;
      // dead letters and records name the recipient, the channel and the cause (issue 14.2)
      const cause = `email to ${p.to.join(', ')} (organisation ${p.orgId}): ${msg}`;
      for (const k of p.deliveryKeys) await deliveries.markFailed(k, msg, final);
      const mails = batchMailKeys(p);
      if (mails.length > 0)
        await deliveries.markBatchMails(
          mails.map((key) => ({ key, ok: false, error: cause, dead: final, digestAlertId: p.digestAlertId })),
          this.deps.clock.now(),
        );
      if (err instanceof MailRejectedError) return dead(cause);
      if (err instanceof TransientError) throw new TransientError(cause, [], { cause: err });
      throw err;
    }
    const handedOff = secondsSince(p.acceptedAt, this.deps.clock.now());
    if (handedOff !== undefined)
      (this.deps.metrics ?? NO_METRICS).deliveryLatency.observe({ channel: 'email' }, handedOff);
    // durable before the job is done; the marks of sends finishing together share one write
    await this.sentMarks.add([
      {
        deliveryKeys: p.deliveryKeys,
        mails: batchMailKeys(p).map((key) => ({ key, ok: true, digestAlertId: p.digestAlertId })),
      },
    ]);
    // Once this job is marked done, the stored message goes if no other job names it any more (a
    // dead letter keeps it for a retry). After the completion, not before: of addresses finishing
    // together, the last to look sees every other one done.
    const blob = p.blob;
    if (blob === undefined) return done;
    return doneThen(() => this.released.add([blob]));
  }

  /**
   * The sent marks of send jobs finishing together: deliveries, then batch mails, one write each;
   * the mails are with the relay already, so flushes may wait a little to carry more.
   */
  private readonly sentMarks = new Coalescer<
    { readonly deliveryKeys: readonly string[]; readonly mails: readonly BatchMailResult[] },
    undefined
  >(async (marks) => {
    const { deliveries } = this.deps.stores;
    const keys = marks.flatMap((m) => m.deliveryKeys);
    if (keys.length > 0) await deliveries.markSentMany(keys, this.deps.clock.now());
    const mails = marks.flatMap((m) => m.mails);
    if (mails.length > 0) await deliveries.markBatchMails(mails, this.deps.clock.now());
    return marks.map(() => undefined);
  }, 20);

  /**
   * Stored messages whose send jobs finished together, released in one write (after the jobs are
   * done); off the latency path, so flushes may wait a little to carry more.
   */
  private readonly released = new Coalescer<string, number>(async (hashes) => {
    const n = await this.deps.stores.jobs.releaseBlobs({
      hashes: [...new Set(hashes)],
      storedBefore: this.deps.clock.now(),
    });
    return hashes.map(() => n);
  }, 20);

  private lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * Stored messages no job names any more (two last sends finishing together, a crash between
   * storing and queuing in MongoDB, an administrator dropping a dead letter), stored over an hour
   * ago: removed at most once an hour, by the first send after it.
   */
  private async sweepBlobs(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastSweep < BLOB_SWEEP_MS) return;
    this.lastSweep = now;
    const n = await this.deps.stores.jobs.releaseBlobs({ storedBefore: new Date(now - BLOB_SWEEP_MS) });
    if (n > 0) this.deps.log.info({ removed: n }, 'removed stored mail messages no job names');
  }

  /**
   * The feedback aggregate of one of its objects to the submitting organisation's contacts, in
   * Japanese and English (ADR 0046): counts and sectors only. One mail per report (`key`).
   */
  async feedbackMail(org: Org, mail: RenderedMail, key: string): Promise<'sent' | 'no contacts'> {
    if (org.contacts.length === 0) return 'no contacts';
    const raw = await buildMime(mail, this.envelope(org.contacts, { 'X-ISAC-Notify': 'feedback' }));
    await this.enqueueSend(`feedback:${key}`, {
      deliveryKeys: [],
      orgId: org.id,
      to: [...org.contacts],
      raw: raw.toString('base64'),
      what: 'feedback',
    });
    return 'sent';
  }

  /** notify: templates other services enqueue (trial reminders), in Japanese and English. */
  async notify(job: JobOf<'notify'>): Promise<JobOutcome> {
    const p = job.payload;
    const org = await this.deps.stores.orgs.get(p.orgId);
    if (!org) return skipped('organisation gone');
    if (org.contacts.length === 0) return skipped('organisation has no contacts');
    const end = org.trial?.endsAt;
    const daysLeft =
      p.daysLeft !== undefined
        ? p.daysLeft
        : end
          ? Math.max(0, Math.ceil((Date.parse(end) - this.deps.clock.now().getTime()) / 86_400_000))
          : 0;
    const mail = renderTrialReminder({ daysLeft, endsAt: end ?? '', orgName: org.name });
    const raw = await buildMime(mail, this.envelope(org.contacts, { 'X-ISAC-Notify': 'trial_reminder' }));
    // `notify:` + the notify job's key, as it always was: a job re-run finds its send again.
    await this.enqueueSend(`notify:${job.key}`, {
      deliveryKeys: [],
      orgId: org.id,
      to: [...org.contacts],
      raw: raw.toString('base64'),
      what: 'trial_reminder',
    });
    return done;
  }
}
