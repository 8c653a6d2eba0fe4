import { NotFoundError, ValidationError, type Clock, type IdGenerator, type Principal } from '@isac/kernel';
import { actorOf } from '@isac/auth';
import { NO_FEED_COUNTS, type AuditLog, type Feed, type FeedStore, type OrgStore } from '@isac/store';
import type { CreateFeedBody } from '@isac/api';
import type { FeedSecrets } from '../secrets.js';

/** A feed as administrators read it: never its secret. */
export interface FeedView {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly orgId: string;
  readonly url: string;
  readonly collection?: string | undefined;
  readonly collectionId: string;
  readonly auth: { readonly type: Feed['authType']; readonly username?: string; readonly name?: string };
  readonly namedRecipients: readonly string[];
  readonly intervalSeconds?: number | undefined;
  readonly paused: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly status: Feed['state'] & { readonly state: 'new' | 'ok' | 'failing' | 'paused' };
}

const invalid = (field: string, en: string, ja: string): ValidationError => {
  const message = `${field}: ${en} / ${field}: ${ja}`;
  return new ValidationError(message, [{ path: `/${field}`, message }]);
};

export const noSuchFeed = (id: string): NotFoundError =>
  new NotFoundError(`no feed ${id} / フィード ${id} はありません`);

export function feedView(f: Feed): FeedView {
  const s = f.state;
  const state = f.paused
    ? 'paused'
    : s.lastAttemptAt === undefined
      ? 'new'
      : s.lastError !== undefined && s.lastError.at === s.lastAttemptAt
        ? 'failing'
        : 'ok';
  const auth =
    f.authType === 'basic'
      ? { type: f.authType, username: f.authName ?? '' }
      : f.authType === 'header'
        ? { type: f.authType, name: f.authName ?? '' }
        : { type: f.authType };
  return {
    id: f.id,
    kind: f.kind,
    name: f.name,
    orgId: f.orgId,
    url: f.url,
    ...(f.collection === undefined ? {} : { collection: f.collection }),
    collectionId: f.collectionId,
    auth,
    namedRecipients: f.namedRecipients,
    ...(f.intervalSeconds === undefined ? {} : { intervalSeconds: f.intervalSeconds }),
    paused: f.paused,
    createdAt: f.createdAt,
    createdBy: f.createdBy,
    updatedAt: f.updatedAt,
    status: { ...s, state },
  };
}

/** Feed administration (ADR 0041): hub administrators only (the routes' gate), every change audited. */
export class FeedsService {
  constructor(
    private readonly deps: {
      readonly feeds: FeedStore;
      readonly orgs: OrgStore;
      readonly audit: AuditLog;
      readonly clock: Clock;
      readonly ids: IdGenerator;
      readonly secrets: FeedSecrets;
      /** Source kinds this hub has. */
      readonly kinds: readonly string[];
      /** Where imported objects are stored. */
      readonly collectionId: string;
    },
  ) {}

  async create(p: Principal, body: CreateFeedBody): Promise<FeedView> {
    const { deps } = this;
    const kind = body.kind ?? 'taxii';
    if (!deps.kinds.includes(kind))
      throw invalid(
        'kind',
        `must be one of ${deps.kinds.join(', ')}`,
        `${deps.kinds.join(', ')} のいずれかです`,
      );
    if (kind === 'taxii' && body.collection === undefined)
      throw invalid(
        'collection',
        'a TAXII feed names its collection',
        'TAXII フィードにはコレクションが必要です',
      );
    let url: URL;
    try {
      url = new URL(body.url);
    } catch {
      throw invalid('url', 'is not a URL', 'URL ではありません');
    }
    if (url.username || url.password)
      throw invalid('url', 'must not hold a credential (use auth)', '認証情報は auth に指定してください');
    const org = await deps.orgs.get(body.orgId);
    if (!org || org.status === 'retired')
      throw invalid('orgId', `no organisation ${body.orgId}`, `組織 ${body.orgId} はありません`);
    if (org.tier !== 'partner')
      throw invalid(
        'orgId',
        `${body.orgId} is of tier ${org.tier}: a feed belongs to a partner organisation (tier partner)`,
        `フィードはパートナー組織 (tier partner) に属します (${body.orgId} は ${org.tier})`,
      );
    const named = body.namedRecipients ?? [];
    for (const [i, orgId] of named.entries()) {
      const o = await deps.orgs.get(orgId);
      if (!o || o.status === 'retired')
        throw invalid(`namedRecipients/${i}`, `no organisation ${orgId}`, `組織 ${orgId} はありません`);
    }
    const now = deps.clock.now().toISOString();
    const id =
      body.id ??
      `feed-${deps.ids
        .token(8)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '0')}`;
    const sealed = deps.secrets.seal(id, body.auth);
    const feed: Feed = {
      id,
      kind,
      name: body.name ?? `${org.name}: ${url.host}`,
      orgId: org.id,
      url: url.toString(),
      ...(body.collection === undefined ? {} : { collection: body.collection }),
      collectionId: deps.collectionId,
      authType: body.auth.type,
      ...(sealed.name === undefined ? {} : { authName: sealed.name }),
      ...(sealed.sealed === undefined ? {} : { authSealed: sealed.sealed }),
      namedRecipients: [...named].sort(),
      ...(body.intervalSeconds === undefined ? {} : { intervalSeconds: body.intervalSeconds }),
      paused: body.paused ?? false,
      createdAt: now,
      createdBy: p.userId ?? p.keyId ?? p.orgId,
      updatedAt: now,
      state: { consecutiveFailures: 0, nextRunAt: now, counts: NO_FEED_COUNTS },
    };
    await deps.feeds.create(feed);
    await deps.audit.append([
      {
        at: now,
        actor: actorOf(p),
        action: 'feed.create',
        target: { kind: 'feed', id, orgId: org.id },
        outcome: 'ok',
        details: {
          kind,
          url: feed.url,
          collection: feed.collection,
          authType: feed.authType,
          namedRecipients: feed.namedRecipients,
        },
      },
    ]);
    return feedView(feed);
  }

  async list(): Promise<FeedView[]> {
    return (await this.deps.feeds.list()).map(feedView);
  }

  async get(id: string): Promise<FeedView> {
    const f = await this.deps.feeds.get(id);
    if (!f) throw noSuchFeed(id);
    return feedView(f);
  }

  async setPaused(p: Principal, id: string, paused: boolean): Promise<FeedView> {
    const now = this.deps.clock.now().toISOString();
    const f = await this.deps.feeds.setPaused(id, paused, now);
    if (!f) throw noSuchFeed(id);
    await this.deps.audit.append([
      {
        at: now,
        actor: actorOf(p),
        action: paused ? 'feed.pause' : 'feed.resume',
        target: { kind: 'feed', id, orgId: f.orgId },
        outcome: 'ok',
      },
    ]);
    return feedView(f);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const f = await this.deps.feeds.get(id);
    if (!f || !(await this.deps.feeds.remove(id))) throw noSuchFeed(id);
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        action: 'feed.remove',
        target: { kind: 'feed', id, orgId: f.orgId },
        outcome: 'ok',
        details: { url: f.url },
      },
    ]);
  }
}
