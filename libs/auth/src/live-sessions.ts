import type { Clock, Logger, OrgId, Scope } from '@isac/kernel';

/**
 * What a long-lived connection (an MQTT client, later an HTTP stream) authenticated with, so that
 * it can be judged again without the secret (ADR 0021).
 */
export type LiveCredential =
  /** An organisation's MQTT credential at one generation (ADR 0006). */
  | { readonly kind: 'mqtt-credential'; readonly orgId: OrgId; readonly generation: number }
  | { readonly kind: 'api-key'; readonly orgId: OrgId; readonly keyId: string }
  /** A user's JWT: revoked when the user's `tokensValidAfter` reaches `issuedAtMs`; ends at `expiresAtMs`. */
  | {
      readonly kind: 'token';
      readonly orgId: OrgId;
      readonly userId: string;
      readonly issuedAtMs: number;
      readonly expiresAtMs: number;
    }
  /** A username and password: valid while the account's `revision` is the one verified. */
  | { readonly kind: 'password'; readonly orgId: OrgId; readonly userId: string; readonly revision: number };

/** A credential judged again: still good (until when, if it ends by itself), or why not. */
export type LiveVerdict =
  | { readonly ok: true; readonly untilMs?: number | undefined }
  | { readonly ok: false; readonly reason: string };

export interface LiveSession {
  readonly credential: LiveCredential;
  /** The scope the connection needs (MQTT: `subscribe`): losing it ends the connection too. */
  readonly scope?: Scope | undefined;
  /** Ends the connection at once (MQTT: destroy the socket); called at most once. */
  close(reason: string): void;
}

/** What the services that change credentials tell the process's live sessions (in-process, immediate). */
export interface CredentialChanges {
  /** A credential of `orgId` (or the organisation itself) may have changed: re-check its sessions now. */
  changed(orgId: OrgId): Promise<void>;
}

export interface LiveSessionsOptions {
  /** Judges a credential against the store now (the authenticator's `recheck`). */
  readonly check: (credential: LiveCredential, scope: Scope | undefined) => Promise<LiveVerdict>;
  /**
   * The store's change counters (organisations, users, API keys), read every `pollMs` while a
   * session is open: another process's change is seen within one poll.
   */
  readonly revisions?: (() => Promise<readonly number[]>) | undefined;
  readonly clock: Clock;
  readonly log?: Logger | undefined;
  /** Default 250 ms: a change made by another process closes its connections within 1 s. */
  readonly pollMs?: number | undefined;
}

interface Entry {
  readonly session: LiveSession;
  timer?: NodeJS.Timeout | undefined;
  closed: boolean;
}

/** Node's timers hold at most 2^31-1 ms; a later end is re-judged then and re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The live connections of one process and the credentials they authenticated with (ADR 0021). A
 * session is judged again, and closed when its credential no longer holds:
 * - at once when it is added (a revocation between the login and the registration is not missed);
 * - when a service of this process reports a change (`changed(orgId)`, awaited before it answers);
 * - when one of the store's revision counters moves (another process changed something), polled
 *   every `pollMs` while any session is open;
 * - at the moment it ends by itself (a JWT's `exp`, an API key's `expiresAt`, a trial's end).
 */
export class LiveSessions implements CredentialChanges {
  private readonly byOrg = new Map<OrgId, Set<Entry>>();
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private lastRevisions: string | undefined;
  private readonly pollMs: number;

  constructor(private readonly opts: LiveSessionsOptions) {
    this.pollMs = opts.pollMs ?? 250;
  }

  /** Open sessions (tests, metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.byOrg.values()) n += s.size;
    return n;
  }

  /** Registers an open connection; returns the function to call when it closes by itself. */
  add(session: LiveSession): () => void {
    const entry: Entry = { session, closed: false };
    const orgId = session.credential.orgId;
    let set = this.byOrg.get(orgId);
    if (!set) this.byOrg.set(orgId, (set = new Set()));
    set.add(entry);
    this.startPolling();
    void this.judge([entry]);
    return () => this.remove(entry);
  }

  async changed(orgId: OrgId): Promise<void> {
    const set = this.byOrg.get(orgId);
    if (set) await this.judge([...set]);
  }

  /** Re-judges every open session (a revision counter moved). */
  async recheckAll(): Promise<void> {
    const all: Entry[] = [];
    for (const s of this.byOrg.values()) all.push(...s);
    await this.judge(all);
  }

  /** Stops the poll and the timers; open sessions are left to their owner (shutdown). */
  stop(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    for (const s of this.byOrg.values()) for (const e of s) if (e.timer) clearTimeout(e.timer);
    this.byOrg.clear();
  }

  private remove(entry: Entry): void {
    entry.closed = true;
    if (entry.timer) clearTimeout(entry.timer);
    const orgId = entry.session.credential.orgId;
    const set = this.byOrg.get(orgId);
    set?.delete(entry);
    if (set?.size === 0) this.byOrg.delete(orgId);
    if (this.byOrg.size === 0 && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
      this.lastRevisions = undefined;
    }
  }

  /** Judges sessions, sharing one check per distinct credential. */
  private async judge(entries: readonly Entry[]): Promise<void> {
    const verdicts = new Map<string, Promise<LiveVerdict>>();
    await Promise.all(
      entries.map(async (e) => {
        const k = `${JSON.stringify(e.session.credential)}|${e.session.scope ?? ''}`;
        let v = verdicts.get(k);
        if (!v) {
          v = this.opts.check(e.session.credential, e.session.scope).catch(
            // a store that cannot answer closes nothing: the next change or poll judges again
            (err: unknown): LiveVerdict => {
              this.opts.log?.warn({ err }, 'live session check failed; kept open until the next check');
              return { ok: true };
            },
          );
          verdicts.set(k, v);
        }
        this.apply(e, await v);
      }),
    );
  }

  private apply(e: Entry, verdict: LiveVerdict): void {
    if (e.closed) return;
    if (!verdict.ok) {
      this.remove(e);
      this.opts.log?.info(
        { kind: e.session.credential.kind, orgId: e.session.credential.orgId, reason: verdict.reason },
        'live connection closed: its credential no longer holds',
      );
      try {
        e.session.close(verdict.reason);
      } catch (err) {
        this.opts.log?.warn({ err }, 'closing a live connection failed');
      }
      return;
    }
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    if (verdict.untilMs !== undefined) {
      const delay = Math.max(0, verdict.untilMs - this.opts.clock.now().getTime());
      e.timer = setTimeout(() => void this.judge([e]), Math.min(delay + 1, MAX_TIMER_MS));
      e.timer.unref();
    }
  }

  private startPolling(): void {
    if (this.poller || !this.opts.revisions) return;
    this.poller = setInterval(() => void this.poll(), this.pollMs);
    this.poller.unref();
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.opts.revisions) return;
    this.polling = true;
    try {
      const now = (await this.opts.revisions()).join(',');
      const before = this.lastRevisions;
      this.lastRevisions = now;
      if (before !== undefined && before !== now) await this.recheckAll();
    } catch (err) {
      this.opts.log?.warn({ err }, 'reading the store revisions failed');
    } finally {
      this.polling = false;
    }
  }
}
