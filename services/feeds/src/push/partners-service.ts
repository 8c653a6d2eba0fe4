import { NotFoundError, ValidationError, type Clock, type IdGenerator, type Principal } from '@isac/kernel';
import { actorOf } from '@isac/auth';
import { AgreementError, allowedTlpNames, parseAllowedTlp } from '@isac/policy';
import type { CreatePartnerBody } from '@isac/api';
import type { AuditLog, ObjectStore, Partner, PartnerPushState, PartnerStore } from '@isac/store';
import type { FeedSecrets } from '../secrets.js';
import { partnerSecretId } from './partner-pusher.js';

/** A collection of this hub a partner may be published: its store id and alias. */
export interface SourceCollection {
  readonly id: string;
  readonly alias?: string | undefined;
}

/** A partner as the API answers it: the credential's kind and user name, never its secret. */
export type PartnerView = Omit<Partner, 'authType' | 'authName' | 'authSealed' | 'allow'> & {
  readonly auth: { readonly type: Partner['authType']; readonly username?: string; readonly name?: string };
  readonly allow: readonly string[];
};

export type PushView = Omit<PartnerPushState, 'partnerId'> & {
  readonly state: 'paused' | 'idle' | 'retrying';
  /** Per source collection: versions after the cursor, counted up to BACKLOG_CAP. */
  readonly backlog: Readonly<Record<string, number>>;
};

export interface PartnerStatus {
  readonly partner: PartnerView;
  readonly push: PushView;
}

const BACKLOG_CAP = 10_000;

const invalid = (path: string, en: string, ja: string): ValidationError => {
  const message = `${path}: ${en} / ${path}: ${ja}`;
  return new ValidationError(message, [{ path: `/${path}`, message }]);
};

const noSuchPartner = (id: string): NotFoundError =>
  new NotFoundError(`no partner ${id} / パートナー ${id} はありません`);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The credential as shown: its type, and the user or header name (not secret). */
function authView(p: Partner): PartnerView['auth'] {
  switch (p.authType) {
    case 'basic':
      return { type: 'basic', username: p.authName ?? '' };
    case 'header':
      return { type: 'header', name: p.authName ?? '' };
    default:
      return { type: p.authType };
  }
}

export function partnerView(p: Partner): PartnerView {
  const { authType: _t, authName: _n, authSealed: _s, ...rest } = p;
  return { ...rest, auth: authView(p), allow: allowedTlpNames(p.allow) };
}

/**
 * Partner hubs (ADR 0042): hub administrators add, list, show, pause, resume and remove them;
 * every change is audited without the credential, and no answer carries it.
 */
export class PartnersService {
  constructor(
    private readonly deps: {
      partners: PartnerStore;
      objects: ObjectStore;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      /** Seals the credential before it reaches the store. */
      secrets: FeedSecrets;
      /** The collections that may be published (the first is the default). */
      collections: readonly SourceCollection[];
      /** The hub's sectors (a partner's sector is one of them when there are any). */
      sectors: readonly string[];
      /** Pushes to the partner now (the pusher's wake-up); optional. */
      wake?: (() => void) | undefined;
    },
  ) {}

  async create(p: Principal, body: CreatePartnerBody): Promise<PartnerStatus> {
    let allow;
    try {
      allow = parseAllowedTlp(body.allow);
    } catch (err) {
      if (!(err instanceof AgreementError)) throw err;
      const i = body.allow.indexOf(err.entry);
      throw invalid(
        i >= 0 ? `allow/${i}` : 'allow',
        err.message,
        err.entry.toLowerCase() === 'tlp:red'
          ? 'TLP:RED はハブの外に出ません。パートナーに許可できません'
          : `TLP レベル ${JSON.stringify(err.entry)} は使えません（tlp:clear, tlp:green, tlp:amber, tlp:amber+strict）`,
      );
    }
    if (allow.includes('amber+strict') && body.sector === undefined)
      throw invalid(
        'sector',
        "tlp:amber+strict leaves only for a partner of the submitter's sector: give the partner's sector",
        'tlp:amber+strict は提出者と同じセクターのパートナーにだけ出ます。パートナーのセクターを指定してください',
      );
    if (body.sector !== undefined && this.deps.sectors.length > 0 && !this.deps.sectors.includes(body.sector))
      throw invalid(
        'sector',
        `unknown sector ${body.sector} (one of ${this.deps.sectors.join(', ')})`,
        `セクター ${body.sector} はありません（${this.deps.sectors.join(', ')}）`,
      );
    const taxiiUrl = this.#apiRoot(body.taxiiUrl);
    const sources = this.#sources(body.sources);
    const now = this.deps.clock.now().toISOString();
    const id =
      body.id ??
      `partner-${this.deps.ids
        .token(6)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '0')}`;
    const auth = body.auth ?? { type: 'none' };
    const sealed = this.deps.secrets.seal(partnerSecretId(id), auth);
    const partner: Partner = {
      id,
      name: body.name,
      taxiiUrl,
      collection: body.collection,
      authType: auth.type,
      ...(sealed.name === undefined ? {} : { authName: sealed.name }),
      ...(sealed.sealed === undefined ? {} : { authSealed: sealed.sealed }),
      allow,
      ...(body.sector === undefined ? {} : { sector: body.sector }),
      sources,
      filters: body.filters ?? {},
      paused: body.paused ?? false,
      createdAt: now,
      createdBy: p.userId ?? p.keyId ?? p.orgId,
      updatedAt: now,
    };
    await this.deps.partners.create(partner);
    await this.deps.audit.append([
      {
        at: now,
        actor: actorOf(p),
        action: 'partner.create',
        outcome: 'ok',
        target: { kind: 'partner', id: partner.id },
        details: {
          name: partner.name,
          taxiiUrl: partner.taxiiUrl,
          collection: partner.collection,
          allow: allowedTlpNames(partner.allow),
          sector: partner.sector,
          sources: partner.sources,
          auth: partner.authType,
        },
      },
    ]);
    this.deps.wake?.();
    return this.get(partner.id);
  }

  async list(): Promise<PartnerStatus[]> {
    const all = await this.deps.partners.list();
    return Promise.all(all.map((p) => this.#status(p)));
  }

  async get(id: string): Promise<PartnerStatus> {
    const p = await this.deps.partners.get(id);
    if (!p) throw noSuchPartner(id);
    return this.#status(p);
  }

  async setPaused(pr: Principal, id: string, paused: boolean): Promise<PartnerStatus> {
    const now = this.deps.clock.now().toISOString();
    const p = await this.deps.partners.setPaused(id, paused, now);
    if (!p) throw noSuchPartner(id);
    await this.deps.audit.append([
      {
        at: now,
        actor: actorOf(pr),
        action: paused ? 'partner.pause' : 'partner.resume',
        outcome: 'ok',
        target: { kind: 'partner', id },
        details: { name: p.name },
      },
    ]);
    if (!paused) this.deps.wake?.();
    return this.#status(p);
  }

  async remove(pr: Principal, id: string): Promise<void> {
    const p = await this.deps.partners.get(id);
    if (!p || !(await this.deps.partners.remove(id))) throw noSuchPartner(id);
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(pr),
        action: 'partner.remove',
        outcome: 'ok',
        target: { kind: 'partner', id },
        details: { name: p.name },
      },
    ]);
  }

  async #status(p: Partner): Promise<PartnerStatus> {
    const s = await this.deps.partners.pushState(p.id);
    if (!s) throw noSuchPartner(p.id);
    const { partnerId: _, ...rest } = s;
    const backlog: Record<string, number> = {};
    for (const c of p.sources) {
      const page = await this.deps.objects.list(c, {
        addedAfter: s.cursors[c],
        limit: BACKLOG_CAP,
        match: { version: ['all'] },
      });
      backlog[c] = page.items.length;
    }
    return {
      partner: partnerView(p),
      push: {
        ...rest,
        state: p.paused ? 'paused' : s.nextAttemptAt !== undefined ? 'retrying' : 'idle',
        backlog,
      },
    };
  }

  /** The API root as a URL ending in `/`: https, or http to this machine only. */
  #apiRoot(raw: string): string {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw invalid('taxiiUrl', 'not a URL', 'URL ではありません');
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
      throw invalid(
        'taxiiUrl',
        'must be https (http only to this machine: localhost, 127.0.0.1, ::1)',
        'https でなければなりません（http はこのマシン宛てのみ）',
      );
    if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '')
      throw invalid(
        'taxiiUrl',
        'must carry no credentials, query or fragment (give the credential as auth)',
        '認証情報・クエリ・フラグメントを含めないでください（認証情報は auth で指定）',
      );
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    return u.toString();
  }

  /** Source collections by id or alias, as store ids; default the first collection. */
  #sources(given: readonly string[] | undefined): string[] {
    const all = this.deps.collections;
    if (!given) {
      if (all.length === 0)
        throw invalid('sources', 'give the collections to publish', '公開するコレクションを指定してください');
      return [all[0]!.id];
    }
    return given.map((g, i) => {
      const c = all.find((x) => x.id === g || (x.alias !== undefined && x.alias === g));
      if (!c)
        throw invalid(
          `sources/${i}`,
          `no collection ${g} (one of ${all.map((x) => x.alias ?? x.id).join(', ')})`,
          `コレクション ${g} はありません`,
        );
      return c.id;
    });
  }
}
