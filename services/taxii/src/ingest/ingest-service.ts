import {
  ForbiddenError,
  InvalidStixError,
  PayloadTooLargeError,
  ValidationError,
  type Clock,
  type IdGenerator,
  type Logger,
  type Org,
  type Principal,
  type Signal,
  type TlpLevel,
} from '@isac/kernel';
import type { StixObject } from '@isac/policy';
import { normalizeTimestamp } from '@isac/store';
import type {
  AuditLog,
  NewObjectVersion,
  ObjectStore,
  OrgDirectory,
  StatusDetail,
  StatusStore,
  StoredVersions,
  SubmissionStatus,
} from '@isac/store';
import { SCO_TYPES, buildIndicator, validateObject, type IocKind } from '@isac/stix';
import { assignTlp, nonTlpMarkingRefs, statementMarkingIds } from './effective-tlp.js';
import { readHubExtension } from './hub-extension.js';

/** How a submission is to be stored and distributed, beyond the objects themselves. */
export interface SubmitOptions {
  readonly collectionId: string;
  /** TLP for objects with no marking of their own or of a container; default the policy's `defaultTlp`. */
  readonly defaultTlp?: TlpLevel | undefined;
  /** Organisation ids (or their STIX identity ids); the hub extension on an object overrides them. */
  readonly namedRecipients?: readonly string[] | undefined;
  /** True: the submitter is named to recipients. Default anonymous. */
  readonly named?: boolean | undefined;
  readonly exercise?: boolean | undefined;
  /** For the audit record: 'taxii' | 'rest'. */
  readonly channel: string;
}

export interface IndicatorInput {
  readonly kind: IocKind;
  readonly value: string;
  readonly tlp: TlpLevel;
  readonly name?: string | undefined;
}

const EPOCH = '1970-01-01T00:00:00.000Z';

interface Candidate {
  readonly index: number;
  readonly object: StixObject;
  readonly id: string;
  readonly type: string;
  readonly version: string;
  readonly namedRecipients: readonly string[];
  readonly anonymous: boolean;
  readonly exercise: boolean;
}

function versionOf(o: Record<string, unknown>): string {
  const v = o['modified'] ?? o['created'];
  return typeof v === 'string' ? v : EPOCH;
}

function describeErrors(errors: readonly { path: string; message: string }[]): string {
  const shown = errors.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
  if (errors.length > 5) shown.push(`and ${errors.length - 5} more`);
  return shown.join('; ');
}

/**
 * The ingest pipeline shared by TAXII POST, REST submissions and single indicators: validate each
 * object, bind it to the submitting organisation, work out its effective TLP, named recipients
 * and anonymity, and store every good object with its distribution job in one accept().
 */
export class IngestService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      statuses: StatusStore;
      audit: AuditLog;
      directory: OrgDirectory;
      clock: Clock;
      ids: IdGenerator;
      log: Logger;
      jobsReady: Signal;
      hub: { id: string };
      defaultTlp: TlpLevel;
      maxObjects: number;
      maxFutureSkewMs: number;
    },
  ) {}

  /** Builds an indicator from one plain IOC and submits it. */
  async submitIndicator(
    principal: Principal,
    ioc: IndicatorInput,
    opts: SubmitOptions,
  ): Promise<SubmissionStatus> {
    const submitter = (await this.deps.directory.orgs()).byId.get(principal.orgId);
    if (!submitter) throw new ForbiddenError('the credential belongs to no organisation');
    const indicator = buildIndicator({
      kind: ioc.kind,
      value: ioc.value,
      tlp: ioc.tlp,
      ...(ioc.name !== undefined ? { name: ioc.name } : {}),
      now: this.deps.clock.now(),
      uuid: () => this.deps.ids.uuid(),
      createdByRef: submitter.identityId,
    });
    return this.submit(principal, [indicator], opts);
  }

  /**
   * Submits a list of objects. Each gets a success or failure in the status resource; the good
   * ones are stored (with their jobs) atomically. Throws 413 past the object limit and 422 when
   * no object was good (the status resource is stored either way).
   */
  async submit(
    principal: Principal,
    objects: readonly unknown[],
    opts: SubmitOptions,
  ): Promise<SubmissionStatus> {
    const { deps } = this;
    if (objects.length > deps.maxObjects) {
      throw new PayloadTooLargeError(
        `the submission holds ${objects.length} objects; at most ${deps.maxObjects} are accepted in one envelope or bundle: split it`,
      );
    }
    if (objects.length === 0)
      throw new ValidationError('the submission holds no objects', [{ path: '/objects', message: 'empty' }]);
    const { byId: orgsById, byIdentity: orgsByIdentity } = await deps.directory.orgs();
    const submitter = orgsById.get(principal.orgId);
    if (!submitter) throw new ForbiddenError('the credential belongs to no organisation');
    const resolve = (names: readonly string[]): { ids: string[]; unknown: string[] } => {
      const ids: string[] = [];
      const unknown: string[] = [];
      for (const n of names) {
        const org = orgsById.get(n) ?? orgsByIdentity.get(n);
        if (org) {
          if (!ids.includes(org.id)) ids.push(org.id);
        } else unknown.push(n);
      }
      return { ids, unknown };
    };
    const common = resolve(opts.namedRecipients ?? []);
    if (common.unknown.length > 0) {
      throw new ValidationError(
        `named recipients that are not member organisations: ${common.unknown.join(', ')}`,
        [{ path: '/namedRecipients', message: 'unknown organisation' }],
      );
    }

    const now = deps.clock.now();
    const latest = now.getTime() + deps.maxFutureSkewMs;
    const failures: (StatusDetail & { index: number })[] = [];
    const successes: (StatusDetail & { index: number })[] = [];
    const candidates: Candidate[] = [];
    const seen = new Map<string, { index: number; json: string }>();
    const fail = (index: number, id: string, version: string, message: string): void => {
      failures.push({ index, id, version, message });
    };

    for (let i = 0; i < objects.length; i++) {
      const raw = objects[i];
      const report = validateObject(raw, i, { now });
      const o = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<
        string,
        unknown
      >;
      const id = report.id ?? `objects[${i}]`;
      const version = versionOf(o);
      if (!report.valid) {
        fail(i, id, version, `invalid STIX: ${describeErrors(report.errors)}`);
        continue;
      }
      const problem = this.checkObject(o, submitter, orgsByIdentity, latest);
      if (problem) {
        fail(i, id, version, problem);
        continue;
      }
      const ext = readHubExtension(o);
      if (ext.error) {
        fail(i, id, version, ext.error);
        continue;
      }
      let named = common.ids;
      if (ext.value?.namedRecipients) {
        const r = resolve(ext.value.namedRecipients);
        if (r.unknown.length > 0) {
          fail(i, id, version, `named recipients that are not member organisations: ${r.unknown.join(', ')}`);
          continue;
        }
        named = r.ids;
      }
      const key = `${id}|${version}`;
      const json = JSON.stringify(o);
      const prev = seen.get(key);
      if (prev) {
        if (prev.json === json) successes.push({ index: i, id, version, message: 'Object already added' });
        else
          fail(
            i,
            id,
            version,
            `objects[${i}] repeats the id and version of objects[${prev.index}] with different content; a version is never rewritten`,
          );
        continue;
      }
      seen.set(key, { index: i, json });
      candidates.push({
        index: i,
        object: o,
        id,
        type: report.type ?? '',
        version,
        namedRecipients: named,
        anonymous: !(ext.value?.named ?? opts.named ?? false),
        exercise: ext.value?.exercise ?? opts.exercise ?? false,
      });
    }

    // Markings: statement markings in this submission or already stored are known; others deny.
    const known = statementMarkingIds(candidates.map((c) => c.object));
    const missing = [...nonTlpMarkingRefs(candidates.map((c) => c.object))].filter((r) => !known.has(r));
    if (missing.length > 0) {
      for (const v of await this.existing(opts.collectionId, missing)) {
        if (v.object['definition_type'] === 'statement') known.add(v.id);
      }
    }

    // A new version of an object another organisation submitted is refused; an identical
    // (id, version) is a duplicate whoever sends it.
    const owned = candidates.filter((c) => !SCO_TYPES.has(c.type));
    const owners =
      owned.length > 0
        ? await this.deps.objects.versionIndex(opts.collectionId, [...new Set(owned.map((c) => c.id))])
        : new Map<string, StoredVersions>();
    const accepted = candidates.filter((c) => {
      const e = owners.get(c.id);
      if (!e || e.submitterOrgId === submitter.id || SCO_TYPES.has(c.type)) return true;
      if (e.versions.includes(normalizeTimestamp(c.version))) {
        successes.push({ index: c.index, id: c.id, version: c.version, message: 'Object already added' });
        return false;
      }
      fail(
        c.index,
        c.id,
        c.version,
        'this object id belongs to another organisation: only its submitter may add versions of it',
      );
      return false;
    });

    const tlps = assignTlp(
      accepted.map((c) => c.object),
      { defaultTlp: opts.defaultTlp ?? deps.defaultTlp, knownMarkings: known },
    );
    const versions: NewObjectVersion[] = accepted.map((c, k) => {
      const t = tlps[k]!;
      return {
        collectionId: opts.collectionId,
        id: c.id,
        type: c.type,
        specVersion: typeof c.object['spec_version'] === 'string' ? c.object['spec_version'] : '2.1',
        version: c.version,
        object: c.object,
        submitterOrgId: submitter.id,
        tlp: t.tlp,
        tlpSource: t.tlpSource,
        unknownMarkings: t.unknownMarkings,
        knownMarkings: t.knownMarkings,
        namedRecipients: c.namedRecipients,
        anonymous: c.anonymous,
        exercise: c.exercise,
      };
    });
    const outcomes = await deps.objects.accept(versions);
    let inserted = 0;
    outcomes.forEach((out, k) => {
      const c = accepted[k]!;
      const v = versions[k]!;
      if (out === 'inserted') inserted += 1;
      successes.push({
        index: c.index,
        id: c.id,
        version: c.version,
        message: out === 'duplicate' ? 'Object already added' : this.note(v),
      });
    });
    if (inserted > 0) deps.jobsReady.notify();

    const byIndex = (a: { index: number }, b: { index: number }): number => a.index - b.index;
    const strip = ({ id, version, message }: StatusDetail & { index: number }): StatusDetail =>
      message === undefined ? { id, version } : { id, version, message };
    const status: SubmissionStatus = {
      id: deps.ids.uuid(),
      orgId: submitter.id,
      status: 'complete',
      requestTimestamp: now.toISOString(),
      totalCount: objects.length,
      successes: successes.sort(byIndex).map(strip),
      failures: failures.sort(byIndex).map(strip),
      pendings: [],
    };
    await deps.statuses.put(status);
    await deps.audit.append([
      {
        at: now.toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.submit',
        target: { kind: 'submission', id: status.id, orgId: submitter.id },
        outcome: status.successes.length > 0 ? 'ok' : 'failed',
        details: {
          collectionId: opts.collectionId,
          channel: opts.channel,
          total: objects.length,
          succeeded: status.successes.length,
          failed: status.failures.length,
          stored: inserted,
        },
      },
    ]);
    deps.log.info(
      {
        statusId: status.id,
        orgId: submitter.id,
        total: objects.length,
        stored: inserted,
        failed: status.failures.length,
      },
      'submission processed',
    );
    if (status.successes.length === 0) {
      throw new InvalidStixError(
        `no object of the submission could be accepted (status ${status.id})`,
        failures.slice(0, 100).map((f) => ({
          path: `/objects/${f.index}`,
          message: f.message ?? 'refused',
          rule: 'object_refused',
        })),
      );
    }
    return status;
  }

  /** Why an otherwise valid object is refused, or undefined. */
  private checkObject(
    o: Record<string, unknown>,
    submitter: Org,
    orgsByIdentity: ReadonlyMap<string, Org>,
    latest: number,
  ): string | undefined {
    for (const k of ['created', 'modified'] as const) {
      const ts = o[k];
      if (typeof ts === 'string' && Date.parse(ts) > latest) {
        return `${k} ${ts} is more than ${Math.round(this.deps.maxFutureSkewMs / 3_600_000)} h ahead of the hub's clock; fix the producer's clock`;
      }
    }
    const by = o['created_by_ref'];
    if (typeof by === 'string' && by !== submitter.identityId) {
      if (by === this.deps.hub.id)
        return "created_by_ref names the hub's own identity: members cannot publish as the hub";
      const other = orgsByIdentity.get(by);
      if (other)
        return `created_by_ref names the identity of another member organisation (${other.id}): an organisation submits only as itself`;
    }
    if (o['type'] === 'identity' && typeof o['id'] === 'string' && o['id'] !== submitter.identityId) {
      if (o['id'] === this.deps.hub.id || orgsByIdentity.has(o['id']))
        return 'this identity belongs to another member organisation or to the hub: it cannot be submitted by you';
    }
    return undefined;
  }

  private note(v: NewObjectVersion): string | undefined {
    if (v.tlp === 'red' && v.namedRecipients.length === 0)
      return 'stored as TLP:RED without named recipients: only your organisation can receive it';
    if (v.unknownMarkings.length > 0)
      return `stored; it carries marking definitions the hub does not know (${v.unknownMarkings.join(', ')}), so no other organisation receives it`;
    if (v.tlpSource === 'default')
      return `stored; it had no TLP marking and is treated as TLP:${v.tlp.toUpperCase()}`;
    return undefined;
  }

  /** Every stored version of the given ids in a collection. */
  private async existing(collectionId: string, ids: readonly string[]) {
    const out = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      let next: string | undefined;
      for (;;) {
        const page = await this.deps.objects.list(collectionId, {
          limit: 5000,
          next,
          match: { id: chunk, version: ['all'] },
        });
        out.push(...page.items);
        if (!page.more || page.next === undefined) break;
        next = page.next;
      }
    }
    return out;
  }
}
