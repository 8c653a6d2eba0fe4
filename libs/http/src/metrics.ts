import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceMetrics } from '@isac/kernel';

/** Seconds from acceptance to hand-off: sub-second in process, minutes behind an outage (ADR 0032). */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The most open jobs or dead letters one scrape counts per kind: the store reads stay bounded. */
export const QUEUE_COUNT_CAP = 100_000;

/** A job kind's channel, the `channel` label of dead letters (mail jobs: email; fan-outs: both channels). */
export function channelOfJobKind(kind: string): string {
  switch (kind) {
    case 'send_mail':
    case 'render_mail':
    case 'digest':
    case 'notify':
      return 'email';
    case 'publish_alert':
    case 'expire_blocklist':
    case 'push_approval':
    case 'provision_mqtt':
      return 'mqtt';
    default:
      return 'fanout';
  }
}

/** What a job store tells a scrape (`JobStore.queueStats` of libs/store). */
export interface QueueSource {
  queueStats(cap: number): Promise<
    readonly {
      readonly kind: string;
      readonly open: number;
      readonly oldestCreatedAt: string | undefined;
      readonly dead: number;
    }[]
  >;
}

/** What an embedded broker tells a scrape. */
export interface BrokerStats {
  readonly connections: number;
  readonly sessions: number;
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  readonly droppedMessages: number;
}

/** The process's Prometheus registry (prom-client) and the instruments services count with. */
export class ProcessMetrics {
  readonly registry = new Registry();
  readonly instruments: ServiceMetrics;
  readonly #sources: (() => Promise<void>)[] = [];

  constructor(opts: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.instruments = {
      ingestSubmissions: new Counter({
        name: 'isac_ingest_submissions_total',
        help: 'Submissions processed by ingest, by outcome (accepted: at least one object stored or already held)',
        labelNames: ['outcome'],
        registers,
      }),
      ingestObjects: new Counter({
        name: 'isac_ingest_objects_total',
        help: 'Objects of submissions by outcome (stored, duplicate, rejected)',
        labelNames: ['outcome'],
        registers,
      }),
      ingestRejects: new Counter({
        name: 'isac_ingest_rejected_objects_total',
        help: 'Objects refused at ingest, by reason code',
        labelNames: ['reason'],
        registers,
      }),
      deliveryLatency: new Histogram({
        name: 'isac_delivery_latency_seconds',
        help: 'Seconds from acceptance to hand-off: the broker took the alert (mqtt), the relay took the immediate mail (email)',
        labelNames: ['channel'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
      authFailures: new Counter({
        name: 'isac_auth_failures_total',
        help: 'Refused authentications by method and reason (never by username or address)',
        labelNames: ['method', 'reason'],
        registers,
      }),
    };
  }

  /** Queue depth, oldest open job and dead letters by job kind, read from the store on each scrape. */
  watchQueues(jobs: QueueSource, now: () => Date): void {
    const registers = [this.registry];
    const open = new Gauge({
      name: 'isac_jobs_open',
      help: `Pending or running jobs by kind (counted up to ${QUEUE_COUNT_CAP})`,
      labelNames: ['kind'],
      registers,
    });
    const age = new Gauge({
      name: 'isac_jobs_oldest_age_seconds',
      help: 'Age of the oldest pending or running job by kind (0: none)',
      labelNames: ['kind'],
      registers,
    });
    const dead = new Gauge({
      name: 'isac_dead_letters',
      help: `Dead letters (jobs kept for administrators) by channel and job kind (counted up to ${QUEUE_COUNT_CAP})`,
      labelNames: ['channel', 'kind'],
      registers,
    });
    this.#sources.push(async () => {
      const stats = await jobs.queueStats(QUEUE_COUNT_CAP);
      const t = now().getTime();
      for (const s of stats) {
        open.set({ kind: s.kind }, s.open);
        const created = s.oldestCreatedAt === undefined ? NaN : Date.parse(s.oldestCreatedAt);
        age.set({ kind: s.kind }, Number.isNaN(created) ? 0 : Math.max(0, (t - created) / 1000));
        dead.set({ channel: channelOfJobKind(s.kind), kind: s.kind }, s.dead);
      }
    });
  }

  /** Policy decisions by verdict and rule, from the engine's own tally (no cost on the decision path). */
  watchPolicy(engine: {
    decisionCounts(): readonly { readonly decision: string; readonly rule: string; readonly count: number }[];
  }): void {
    const decisions = new Counter({
      name: 'isac_policy_decisions_total',
      help: 'Distribution-policy decisions by verdict (deliver, redact, deny) and rule code',
      labelNames: ['decision', 'rule'],
      registers: [this.registry],
    });
    this.#sources.push(() => {
      decisions.reset();
      for (const d of engine.decisionCounts()) decisions.inc({ decision: d.decision, rule: d.rule }, d.count);
      return Promise.resolve();
    });
  }

  /** The embedded broker's live connections and persistent-session queues. */
  watchBroker(stats: () => BrokerStats): void {
    const registers = [this.registry];
    const gauges = {
      connections: new Gauge({
        name: 'isac_mqtt_connections',
        help: 'Live MQTT connections to the embedded broker',
        registers,
      }),
      sessions: new Gauge({ name: 'isac_mqtt_sessions', help: 'Persistent MQTT sessions', registers }),
      queuedMessages: new Gauge({
        name: 'isac_mqtt_queued_messages',
        help: 'QoS 1 messages queued for persistent sessions',
        registers,
      }),
      queuedBytes: new Gauge({
        name: 'isac_mqtt_queued_bytes',
        help: 'Bytes of messages queued for persistent sessions',
        registers,
      }),
      droppedMessages: new Gauge({
        name: 'isac_mqtt_session_dropped_messages',
        help: 'Messages the persistent sessions dropped at their queue limit (ADR 0024), current sessions',
        registers,
      }),
    };
    this.#sources.push(() => {
      const s = stats();
      gauges.connections.set(s.connections);
      gauges.sessions.set(s.sessions);
      gauges.queuedMessages.set(s.queuedMessages);
      gauges.queuedBytes.set(s.queuedBytes);
      gauges.droppedMessages.set(s.droppedMessages);
      return Promise.resolve();
    });
  }

  /** The text exposition: every source read first; one that fails keeps its last values and is counted. */
  async render(): Promise<string> {
    const results = await Promise.allSettled(this.#sources.map((s) => s()));
    const failed = results.filter((r) => r.status === 'rejected').length;
    return (
      (await this.registry.metrics()) +
      '# HELP isac_metrics_source_errors Metric sources that failed during this scrape (the store unreachable, say)\n' +
      '# TYPE isac_metrics_source_errors gauge\n' +
      `isac_metrics_source_errors ${failed}\n`
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Who may read /metrics (ADR 0032): `http.metrics`. */
export interface MetricsAccessSettings {
  /** Addresses or CIDRs of scrapers (default loopback only). */
  readonly allow: readonly string[];
  /** A file holding a bearer token that is accepted from any address. */
  readonly tokenFile?: string | undefined;
}

/**
 * The rule of `/metrics` (ADR 0032): a caller from an allowed address, or one presenting the
 * bearer token. Without `http.trustProxy`, a request carrying a forwarding header came through a
 * proxy this process does not know: its socket address (the proxy's, often loopback) is not believed.
 */
export class MetricsAccess {
  readonly #allow = new BlockList();
  readonly #token: Buffer | undefined;

  constructor(
    settings: MetricsAccessSettings,
    private readonly trustProxy: boolean,
  ) {
    for (const entry of settings.allow) {
      const [addr, bits, ...rest] = entry.split('/');
      const family = addr === undefined ? 0 : isIP(addr);
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (rest.length > 0 || family === 0 || !(prefix >= 0 && prefix <= max))
        throw new Error(`http.metrics.allow: ${JSON.stringify(entry)} is not an IP address or CIDR`);
      this.#allow.addSubnet(addr!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
    if (settings.tokenFile !== undefined) {
      const text = readFileSync(settings.tokenFile, 'utf8').trim();
      if (text.length < 16)
        throw new Error(
          `http.metrics.tokenFile: ${settings.tokenFile} holds no token of 16 characters or more`,
        );
      this.#token = digest(text);
    }
  }

  /** 'ok', or the refusal: 401 for a wrong token, 403 for a caller neither allowed nor holding one. */
  judge(req: Request): 'ok' | 401 | 403 {
    const auth = req.headers.authorization;
    if (this.#token && auth?.toLowerCase().startsWith('bearer '))
      return timingSafeEqual(digest(auth.slice(7).trim()), this.#token) ? 'ok' : 401;
    const forwarded =
      !this.trustProxy &&
      (req.headers['x-forwarded-for'] !== undefined || req.headers['forwarded'] !== undefined);
    const ip = normalise(req.ip ?? req.socket.remoteAddress ?? '');
    if (!forwarded && isIP(ip) !== 0 && this.#allow.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')) return 'ok';
    return 403;
  }

  readonly guard: RequestHandler = (req, res, next) => {
    const verdict = this.judge(req);
    if (verdict === 'ok') return next();
    res
      .status(verdict)
      .type('application/json')
      .send(
        JSON.stringify({
          error:
            verdict === 401
              ? { code: 'unauthenticated', message: 'wrong metrics token' }
              : {
                  code: 'forbidden',
                  message:
                    'metrics are served to configured addresses (http.metrics.allow) or with the metrics token (http.metrics.tokenFile)',
                },
        }),
      );
  };
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) as the IPv4 address it is. */
function normalise(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
