import type { Command } from 'commander';
import type { ApiRoutes, RouteAnswer, RouteBody } from '@isac/api';
import { AUDIT_ACTIONS, ROLES, SCOPES, TIERS } from '@isac/kernel';
import { CliError, oneOf, type CliContext } from '../context.js';
import { registerOrgUpkeep, registerUserLifecycle } from './admin-members.js';
import { registerBlocklist, registerDeadLetters, registerMqttSessions } from './delivery.js';
import { registerExercises } from './admin-exercises.js';
import { registerFeeds } from './admin-feeds.js';
import { registerPartners } from './admin-partners.js';
import { csv, table } from './table.js';

/** An organisation as the API answers it (libs/api's schema). */
type Org = RouteAnswer<ApiRoutes['getOrg']>;

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive whole number`);
  return n;
}

function isoTime(value: string, flag: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new CliError(
      `${flag} must be a date or time (ISO 8601), e.g. 2026-04-01 or 2026-04-01T09:00:00+09:00`,
    );
  return new Date(t).toISOString();
}

/** `東京都 Tokyo (JP-13)`, or the free text kept from before with `unresolved / 未解決`. */
function regionText(o: Org): string {
  if (o.region === '') return '-';
  if (o.regionNames) return `${o.regionNames.ja} ${o.regionNames.en} (${o.region})`;
  return o.regionUnresolved ? `${o.region} (unresolved / 未解決)` : o.region;
}

/** `2027-01-29, 12 days left` / `2026-05-01, expired / 期限切れ` (the answer's trialState, from standing). */
function trialText(o: Org): string {
  if (!o.trial) return '-';
  const end = o.trial.endsAt.slice(0, 10);
  const s = o.trialState;
  if (!s) return end;
  switch (s.status) {
    case 'active':
      return `${end}, ${s.daysLeft} day${s.daysLeft === 1 ? '' : 's'} left / 残り${s.daysLeft}日`;
    case 'grace':
      return `${end}, ended; grace until ${(s.graceUntil ?? '').slice(0, 10)} / 猶予期間中`;
    case 'expired':
      return `${end}, expired / 期限切れ`;
    case 'not_started':
      return `${end}, not started / 開始前`;
    case 'undated':
      return 'undated / 期間不明';
  }
}

function orgText(o: Org): string {
  const lines = [
    `${o.id}  ${o.name}`,
    `  sector ${o.sector}, region ${regionText(o)}, tier ${o.tier}, status ${o.status}`,
    ...(o.trial ? [`  trial ${o.trial.startsAt} .. ${o.trial.endsAt}`, `  trial ends ${trialText(o)}`] : []),
    `  contacts ${o.contacts.length > 0 ? o.contacts.join(', ') : '-'}`,
    `  identity ${o.identityId}`,
    ...(o.blocklist
      ? [
          `  block lists: minimum confidence ${o.blocklist.minConfidence ?? 'none'}, analyst approval ${o.blocklist.approval ? 'on' : 'off'}`,
        ]
      : []),
  ];
  return lines.join('\n');
}

type Participation = RouteAnswer<ApiRoutes['participation']>;

const REPORT_VIEWS = ['org', 'region'] as const;
const REPORT_FORMATS = ['table', 'csv', 'json'] as const;

/** What each column of the participation report means (also in the README). */
const REPORT_LEGEND = [
  'SUBMITTED: objects the organisation submitted that the hub accepted, in the period / 期間内に受理された投稿オブジェクト数',
  'RECEIVED: objects released to the organisation over every channel (a grouped alert counts each of its objects) / 配信されたオブジェクト数',
  'ACKED: alerts the organisation acknowledged in the period / 確認応答したアラート数',
  "MEDIAN ACK: median time from an alert's release to its acknowledgement, for alerts released and acknowledged in the period / 確認応答までの時間の中央値",
];

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

interface ReportView {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** The rows as objects, for --format json. */
  readonly records: readonly object[];
}

/** Per organisation; for CSV (`raw`) the median in seconds, empty when there is none. */
function orgRows(r: Participation, raw = false): ReportView {
  return {
    header: [
      'ORG',
      'NAME',
      'SECTOR',
      'REGION',
      'TIER',
      'ACTIVE',
      'SUBMITTED',
      'RECEIVED',
      'ACKED',
      raw ? 'MEDIAN ACK SECONDS' : 'MEDIAN ACK',
    ],
    rows: r.orgs.map((x) => [
      x.orgId,
      x.name,
      x.sector,
      x.region || '-',
      x.tier,
      x.active ? 'yes' : 'no',
      String(x.submitted),
      String(x.received),
      String(x.acknowledged),
      raw ? (x.medianAckSeconds === null ? '' : String(x.medianAckSeconds)) : duration(x.medianAckSeconds),
    ]),
    records: r.orgs,
  };
}

function regionRows(r: Participation): ReportView {
  return {
    header: [
      'CODE',
      '都道府県',
      'REGION',
      'ORGS',
      'SUBMITTING',
      'RECEIVING',
      'SUBMITTED',
      'RECEIVED',
      'ACKED',
    ],
    rows: r.byPrefecture.map((x) => [
      x.code,
      x.nameJa,
      x.nameEn,
      String(x.orgs),
      String(x.submitting),
      String(x.receiving),
      String(x.submitted),
      String(x.received),
      String(x.acknowledged),
    ]),
    records: r.byPrefecture,
  };
}

type AuditEntry = RouteAnswer<ApiRoutes['listAudit']>[number];

/** `username (organisation name)`, or the ids when the names are gone; `system` for the hub itself. */
function actorText(r: AuditEntry): string {
  if (r.actor.system) return 'system';
  const who = r.actorName?.username ?? r.actor.userId ?? (r.actor.keyId ? `key:${r.actor.keyId}` : undefined);
  const org = r.actorName?.org ?? r.actor.orgId;
  if (who === undefined) return org ?? '-';
  return org === undefined ? who : `${who} (${org})`;
}

/** One line per released submission (batch) or legacy object: channels, recipient organisations, objects. */
export interface ReleaseGroup {
  readonly seq: number;
  readonly at: string;
  readonly target: string;
  readonly channels: string[];
  readonly recipients: number;
  readonly objects: number;
}

export function releaseGroups(records: readonly AuditEntry[]): ReleaseGroup[] {
  const groups = new Map<string, { g: ReleaseGroup; orgs: Set<string>; objects: number }>();
  for (const r of records) {
    const target = `${r.target.kind}:${r.target.id}`;
    let e = groups.get(target);
    if (!e) {
      e = {
        g: { seq: r.seq, at: r.at, target, channels: [], recipients: 0, objects: 0 },
        orgs: new Set(),
        objects: 0,
      };
      groups.set(target, e);
    }
    const d = (r.details ?? {}) as {
      channel?: string;
      count?: number;
      recipients?: { orgId: string; objects?: number }[];
    };
    if (d.channel !== undefined && !e.g.channels.includes(d.channel)) e.g.channels.push(d.channel);
    if (d.recipients)
      for (const x of d.recipients) {
        e.orgs.add(x.orgId);
        e.objects += x.objects ?? 1;
      }
    else {
      if (r.target.orgId !== undefined) e.orgs.add(r.target.orgId);
      e.objects += d.count ?? 1;
    }
  }
  return [...groups.values()].map((e) => ({ ...e.g, recipients: e.orgs.size, objects: e.objects }));
}

/** `isac admin …`: administration of organisations, users, keys, the audit log and reports over the REST admin API. */
export function registerAdmin(program: Command, ctx: () => CliContext): Command {
  const admin = program.command('admin').description('administration / 管理');

  const org = admin.command('org').description('organisations / 組織');
  org
    .command('add')
    .description('admit an organisation / 組織を登録')
    .requiredOption('--name <name>', 'display name')
    .requiredOption(
      '--sector <sector>',
      'sector (finance, telecom, broadcasting, building, sme, government, other)',
    )
    .requiredOption('--tier <tier>', 'tier (full, trial, partner, government)')
    .option(
      '--region <region>',
      'region: a prefecture (13, JP-13, 東京都, Tokyo) or a country (SG, Singapore)',
    )
    .option('--id <id>', 'organisation id (lower-case letters, digits, -); derived from the name if omitted')
    .option('--contact <email...>', 'contact email addresses')
    .option('--trial-days <days>', 'trial length in days (trial tier)')
    .option('--trial-ends <date>', 'trial end (ISO 8601; trial tier)')
    .action(
      async (o: {
        name: string;
        sector: string;
        tier: string;
        region?: string;
        id?: string;
        contact?: string[];
        trialDays?: string;
        trialEnds?: string;
      }) => {
        const c = ctx();
        const body: RouteBody<ApiRoutes['createOrg']> = {
          name: o.name,
          sector: o.sector,
          tier: oneOf(o.tier, TIERS, '--tier'),
          ...(o.region !== undefined ? { region: o.region } : {}),
          ...(o.id !== undefined ? { id: o.id } : {}),
          ...(o.contact !== undefined ? { contacts: o.contact } : {}),
          ...(o.trialDays !== undefined ? { trialDays: positiveInt(o.trialDays, '--trial-days') } : {}),
          ...(o.trialEnds !== undefined ? { trialEndsAt: isoTime(o.trialEnds, '--trial-ends') } : {}),
        };
        const created = await (await c.api()).createOrg({ body });
        const defaulted =
          created.trial && o.trialDays === undefined && o.trialEnds === undefined
            ? `\ntrial until ${created.trial.endsAt.slice(0, 10)} (${Math.round((Date.parse(created.trial.endsAt) - Date.parse(created.trial.startsAt)) / 86_400_000)} days, the default) / 試用期間は既定の日数を適用しました`
            : '';
        c.print(created, `admitted / 登録しました${defaulted}\n${orgText(created)}`);
      },
    );
  org
    .command('list')
    .description('list organisations / 組織の一覧')
    .action(async () => {
      const c = ctx();
      const orgs = await (await c.api()).listOrgs();
      c.print(
        orgs,
        table(
          ['ID', 'NAME', 'SECTOR', 'REGION', 'TIER', 'STATUS', 'TRIAL ENDS'],
          orgs.map((o) => [o.id, o.name, o.sector, regionText(o), o.tier, o.status, trialText(o)]),
        ),
      );
    });
  org
    .command('show')
    .description('show an organisation / 組織の詳細')
    .argument('<org>', 'organisation id')
    .action(async (id: string) => {
      const c = ctx();
      const o = await (await c.api()).getOrg({ params: { orgId: id } });
      c.print(o, orgText(o));
    });
  org
    .command('set-tier')
    .description('change the tier / 区分を変更')
    .argument('<org>', 'organisation id')
    .argument('<tier>', 'full, trial, partner or government')
    .option('--trial-days <days>', 'trial length when the tier becomes trial')
    .option('--trial-ends <date>', 'trial end when the tier becomes trial (ISO 8601)')
    .action(async (id: string, tier: string, o: { trialDays?: string; trialEnds?: string }) => {
      const c = ctx();
      const body: RouteBody<ApiRoutes['updateOrg']> = {
        tier: oneOf(tier, TIERS, 'TIER'),
        ...(o.trialDays !== undefined ? { trialDays: positiveInt(o.trialDays, '--trial-days') } : {}),
        ...(o.trialEnds !== undefined ? { trialEndsAt: isoTime(o.trialEnds, '--trial-ends') } : {}),
      };
      const updated = await (await c.api()).updateOrg({ params: { orgId: id }, body });
      c.print(updated, `tier of ${updated.id} is now ${updated.tier} / 区分を変更しました`);
    });
  org
    .command('suspend')
    .description('suspend an organisation: it stops receiving and acting at once / 組織を停止')
    .argument('<org>', 'organisation id')
    .action(async (id: string) => {
      const c = ctx();
      const updated = await (
        await c.api()
      ).updateOrg({ params: { orgId: id }, body: { status: 'suspended' } });
      c.print(updated, `${updated.id} is suspended / 停止しました`);
    });
  org
    .command('activate')
    .description('reactivate a suspended organisation / 組織を再開')
    .argument('<org>', 'organisation id')
    .action(async (id: string) => {
      const c = ctx();
      const updated = await (await c.api()).updateOrg({ params: { orgId: id }, body: { status: 'active' } });
      c.print(updated, `${updated.id} is active / 再開しました`);
    });
  org
    .command('extend-trial')
    .description('extend a trial by --days, or to --until / 試用期間を延長')
    .argument('<org>', 'organisation id')
    .option('--days <days>', 'days past the current end (or past now, if it has lapsed)')
    .option('--until <date>', 'new end (ISO 8601)')
    .action(async (id: string, o: { days?: string; until?: string }) => {
      const c = ctx();
      if ((o.days === undefined) === (o.until === undefined))
        throw new CliError('give exactly one of --days or --until');
      const body =
        o.days !== undefined
          ? { days: positiveInt(o.days, '--days') }
          : { endsAt: isoTime(o.until ?? '', '--until') };
      const updated = await (await c.api()).extendTrial({ params: { orgId: id }, body });
      c.print(
        updated,
        `trial of ${updated.id} now ends ${updated.trial?.endsAt ?? '?'} / 試用期間を延長しました`,
      );
    });
  org
    .command('convert')
    .description('convert a trial member to a full (or another) tier / 試用会員を正会員へ')
    .argument('<org>', 'organisation id')
    .option('--tier <tier>', 'full, partner or government', 'full')
    .action(async (id: string, o: { tier: string }) => {
      const c = ctx();
      const tier = oneOf(
        o.tier,
        TIERS.filter((t) => t !== 'trial'),
        '--tier',
      );
      const updated = await (await c.api()).convertOrg({ params: { orgId: id }, body: { tier } });
      c.print(updated, `${updated.id} is now ${updated.tier} / 区分を変更しました`);
    });

  registerOrgUpkeep(org, ctx);

  const user = admin.command('user').description('users / ユーザー');
  user
    .command('add')
    .description('add a user to an organisation; a generated password is shown once / ユーザーを追加')
    .requiredOption('--org <org>', 'organisation id')
    .requiredOption('--username <name>', 'login name')
    .option('--role <role...>', 'roles: org-admin, analyst, reader (hub-admin: hub organisation only)', [
      'analyst',
    ])
    .option('--password <password>', 'password (env ISAC_NEW_PASSWORD); generated when absent')
    .action(async (o: { org: string; username: string; role: string[]; password?: string }) => {
      const c = ctx();
      const password = o.password ?? c.env['ISAC_NEW_PASSWORD'];
      const body: RouteBody<ApiRoutes['createUser']> = {
        username: o.username,
        roles: o.role.map((r) => oneOf(r, ROLES, '--role')),
        ...(password !== undefined ? { password } : {}),
      };
      const res = await (await c.api()).createUser({ params: { orgId: o.org }, body });
      c.print(
        res,
        `added ${res.user.username} (${res.user.id}) to ${res.user.orgId} as ${res.user.roles.join(', ')} / ユーザーを追加しました` +
          (res.password
            ? `\npassword: ${res.password}\n(shown once, keep it safe / 一度だけ表示されます)`
            : ''),
      );
    });
  user
    .command('list')
    .description("list an organisation's users / ユーザーの一覧")
    .requiredOption('--org <org>', 'organisation id')
    .action(async (o: { org: string }) => {
      const c = ctx();
      const users = await (await c.api()).listUsers({ params: { orgId: o.org } });
      c.print(
        users,
        table(
          ['ID', 'USERNAME', 'ROLES', 'DISABLED'],
          users.map((u) => [u.id, u.username, u.roles.join(','), u.disabled ? 'yes' : 'no']),
        ),
      );
    });

  registerUserLifecycle(user, ctx);

  const key = admin.command('key').description('API keys / APIキー');
  key
    .command('create')
    .description('create an API key; it is shown once / APIキーを作成(一度だけ表示)')
    .requiredOption('--org <org>', 'organisation id')
    .option('--scopes <scopes>', 'comma-separated: submit,read,subscribe', 'submit,read,subscribe')
    .option('--label <label>', 'what the key is for')
    .option('--expires <iso>', 'expiry time (ISO 8601)')
    .option('--expires-in-days <days>', 'expiry in days from now')
    .action(
      async (o: {
        org: string;
        scopes: string;
        label?: string;
        expires?: string;
        expiresInDays?: string;
      }) => {
        const c = ctx();
        const body: RouteBody<ApiRoutes['createKey']> = {
          scopes: o.scopes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => oneOf(s, SCOPES, '--scopes')),
          ...(o.label !== undefined ? { label: o.label } : {}),
          ...(o.expires !== undefined ? { expiresAt: isoTime(o.expires, '--expires') } : {}),
          ...(o.expiresInDays !== undefined
            ? { expiresInDays: positiveInt(o.expiresInDays, '--expires-in-days') }
            : {}),
        };
        const created = await (await c.api()).createKey({ params: { orgId: o.org }, body });
        c.print(
          created,
          `${created.key}\n(key ${created.id}, scopes ${created.scopes.join(',')}; shown once, keep it safe / 一度だけ表示されます)`,
        );
      },
    );
  key
    .command('list')
    .description("list an organisation's API keys (never the keys themselves) / APIキーの一覧")
    .requiredOption('--org <org>', 'organisation id')
    .action(async (o: { org: string }) => {
      const c = ctx();
      const keys = await (await c.api()).listKeys({ params: { orgId: o.org } });
      c.print(
        keys,
        table(
          ['ID', 'PREFIX', 'LABEL', 'SCOPES', 'EXPIRES', 'REVOKED', 'LAST USED'],
          keys.map((k) => [
            k.id,
            k.prefix,
            k.label || '-',
            k.scopes.join(','),
            k.expiresAt ?? '-',
            k.revokedAt ?? '-',
            k.lastUsedAt ?? '-',
          ]),
        ),
      );
    });
  key
    .command('revoke')
    .description('revoke an API key at once / APIキーを失効')
    .requiredOption('--org <org>', 'organisation id')
    .argument('<keyId>', 'key id (from key list)')
    .action(async (keyId: string, o: { org: string }) => {
      const c = ctx();
      await (await c.api()).revokeKey({ params: { orgId: o.org, keyId } });
      c.print({ revoked: keyId, orgId: o.org }, `revoked key ${keyId} / 失効しました`);
    });

  admin
    .command('audit')
    .description(
      'read the audit log, newest first; object.release records only with --action object.release, one line per submission / 監査ログ（新しい順）',
    )
    .option('--action <action>', `only this action: ${AUDIT_ACTIONS.join(', ')}`)
    .option('--actor <username>', 'only what this user did')
    .option('--org <org>', 'only records concerning this organisation (organisation id)')
    .option('--since <date>', 'only records at or after this time (ISO 8601)')
    .option('--before <seq>', 'only records before this sequence number (paging)')
    .option('--limit <n>', 'at most this many records (1-1000)', '100')
    .action(
      async (o: {
        org?: string;
        action?: string;
        actor?: string;
        since?: string;
        before?: string;
        limit: string;
      }) => {
        const c = ctx();
        const action = o.action === undefined ? undefined : oneOf(o.action, AUDIT_ACTIONS, '--action');
        const records = await (
          await c.api()
        ).listAudit({
          query: {
            orgId: o.org,
            action,
            exclude: action === undefined ? 'object.release' : undefined,
            actor: o.actor,
            since: o.since === undefined ? undefined : isoTime(o.since, '--since'),
            beforeSeq: o.before === undefined ? undefined : String(positiveInt(o.before, '--before')),
            limit: String(positiveInt(o.limit, '--limit')),
          },
        });
        if (action === 'object.release') {
          const groups = releaseGroups(records);
          c.print(
            groups,
            table(
              ['SEQ', 'AT', 'SUBMISSION', 'CHANNELS', 'RECIPIENTS', 'OBJECTS'],
              groups.map((g) => [
                String(g.seq),
                g.at,
                g.target,
                g.channels.join(','),
                String(g.recipients),
                String(g.objects),
              ]),
            ),
          );
          return;
        }
        const last = records[records.length - 1];
        c.print(
          records,
          [
            table(
              ['SEQ', 'AT', 'ACTION', 'OUTCOME', 'ACTOR', 'TARGET'],
              records.map((r) => [
                String(r.seq),
                r.at,
                r.action,
                r.outcome,
                actorText(r),
                `${r.target.kind}:${r.target.id}`,
              ]),
            ),
            ...(action === undefined
              ? [
                  '(object.release records: --action object.release / 配信記録は --action object.release で表示)',
                ]
              : []),
            ...(last !== undefined && records.length === Number(o.limit)
              ? [`more: --before ${last.seq} / 続き: --before ${last.seq}`]
              : []),
          ].join('\n'),
        );
      },
    );

  admin
    .command('report')
    .description(
      'participation report (objects submitted, objects received, alerts acknowledged, median time to acknowledge) per organisation or per prefecture / 参加状況レポート',
    )
    .option('--from <date>', 'period start (ISO 8601; default 30 days before --to)')
    .option('--to <date>', 'period end (ISO 8601; default now)')
    .option(
      '--by <view>',
      `rows per: ${REPORT_VIEWS.join(', ')} (region: every prefecture, then abroad, then unknown)`,
      'org',
    )
    .option('--format <format>', `output: ${REPORT_FORMATS.join(', ')}`, 'table')
    .action(async (o: { from?: string; to?: string; by: string; format: string }) => {
      const c = ctx();
      const by = oneOf(o.by, REPORT_VIEWS, '--by');
      const format = oneOf(o.format, REPORT_FORMATS, '--format');
      const r = await (
        await c.api()
      ).participation({
        query: {
          from: o.from === undefined ? undefined : isoTime(o.from, '--from'),
          to: o.to === undefined ? undefined : isoTime(o.to, '--to'),
        },
      });
      const view = by === 'region' ? regionRows(r) : orgRows(r, format === 'csv');
      if (format === 'json') {
        c.print(view.records, JSON.stringify(view.records, null, 2));
        return;
      }
      if (c.json) {
        c.print(r);
        return;
      }
      if (format === 'csv') {
        c.print(view.records, csv(view.header, view.rows));
        return;
      }
      const text = [
        `participation ${r.from} .. ${r.to} / 参加状況`,
        `organisations ${r.totals.orgs}, active ${r.totals.active}, submitting ${r.totals.submitting}, receiving ${r.totals.receiving}`,
        '',
        table(view.header, view.rows),
        '',
        ...REPORT_LEGEND,
        ...(by === 'org' && r.trials.length > 0
          ? [
              '',
              table(
                ['TRIAL', 'NAME', 'ENDS', 'DAYS LEFT'],
                r.trials.map((t) => [
                  t.orgId,
                  t.name,
                  t.endsAt ?? '-',
                  t.expired ? 'ended' : String(t.daysLeft),
                ]),
              ),
            ]
          : []),
        ...(by === 'region'
          ? [
              '',
              `prefectures without a member / 会員のいない都道府県: ${
                r.byPrefecture.filter((x) => x.code.startsWith('JP-') && x.orgs === 0).length
              } of 47`,
            ]
          : r.silent.length > 0
            ? ['', `neither submitted nor received / 投稿も受信もなし: ${r.silent.join(', ')}`]
            : []),
      ].join('\n');
      c.print(view.records, text);
    });
  admin
    .command('mqtt-credentials')
    .description(
      "issue an organisation's MQTT username and password (replacing earlier ones; shown once) / MQTT認証情報を発行",
    )
    .requiredOption('--org <org>', 'organisation id')
    .option('--mqtt-url <url>', 'broker URL for the mosquitto_sub line (default: as the hub announces)')
    .action(async (o: { org: string; mqttUrl?: string }) => {
      const c = ctx();
      const api = await c.api();
      const issued = await api.issueMqttCredentials({ params: { orgId: o.org } });
      const url = o.mqttUrl ?? c.env['ISAC_MQTT_URL'] ?? (await api.me()).mqtt.url;
      const command = mosquittoSubCommand(url, issued);
      c.print(
        { ...issued, mqttUrl: url, mosquittoSub: command },
        [
          `broker   ${url}`,
          `username ${issued.username}`,
          `password ${issued.password}`,
          `topics   ${issued.topicPrefix}alerts/#   (block lists: ${issued.topicPrefix}blocklist/#)`,
          `(shown once; earlier MQTT credentials of ${issued.username} no longer work / 一度だけ表示されます。以前の MQTT 認証情報は使えなくなります)`,
          '',
          'receive alerts with Mosquitto (persistent session, QoS 1) / Mosquitto で受信:',
          `  ${command}`,
        ].join('\n'),
      );
    });
  registerDeadLetters(admin, ctx);
  registerBlocklist(admin, ctx);
  registerExercises(admin, ctx);
  registerFeeds(admin, ctx);
  registerPartners(admin, ctx);
  registerMqttSessions(admin, ctx);

  return admin;
}

/**
 * The `mosquitto_sub` line a SIEM integrator can paste (README "Quick start"): MQTT 3.1.1, QoS 1, a
 * fixed client id and `-c` (a persistent session: what arrives while it is away is queued).
 */
export function mosquittoSubCommand(
  url: string,
  c: { readonly username: string; readonly password: string; readonly topicPrefix: string },
): string {
  const u = new URL(url);
  const tls = u.protocol === 'mqtts:';
  const port = u.port || (tls ? '8883' : '1883');
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    'mosquitto_sub -V mqttv311',
    `-h ${u.hostname}`,
    `-p ${port}`,
    ...(tls ? ['--capath /etc/ssl/certs'] : []),
    `-u ${quote(c.username)}`,
    `-P ${quote(c.password)}`,
    `-t ${quote(`${c.topicPrefix}alerts/#`)}`,
    '-q 1',
    `-i ${quote(`${c.username}-siem`)}`,
    '-c',
  ].join(' ');
}
