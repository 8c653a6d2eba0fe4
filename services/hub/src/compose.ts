import express from 'express';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Signal, randomIds, systemClock, type Clock, type Logger } from '@isac/kernel';
import { openStores, type Stores } from '@isac/store';
import { PolicyEngine, validatePolicyRules } from '@isac/policy';
import { Authenticator, TokenService } from '@isac/auth';
import { errorHandler } from '@isac/http';
import { composeMembership } from '@isac/membership-service';
import { composeTaxii } from '@isac/taxii-service';
import { composeDispatcher, createEmbeddedBroker } from '@isac/dispatcher-service';
import type { HubConfig } from './config.js';
import { loadSigningKeys } from './signing-keys.js';
import { hubIdentity } from './hub-identity.js';

export interface RunningHub {
  readonly httpPort: number;
  readonly mqttPort: number | undefined;
  readonly mqttUrl: string;
  readonly storeDescription: string;
  readonly mailDescription: string;
  /** Set on the first start with an empty store when no admin password was configured. */
  readonly generatedAdminPassword: string | undefined;
  readonly adminCreated: boolean;
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Every service in one process, with embedded defaults. Shutdown runs in reverse order. */
export async function startHub(config: HubConfig, log: Logger, clock: Clock = systemClock): Promise<RunningHub> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, 'error during shutdown');
      }
    }
  };
  try {
    const dataDir = path.resolve(config.dataDir);
    const policy = new PolicyEngine(validatePolicyRules(config.policy));
    const storeConfig = config.store.mongoUri
      ? { kind: 'mongo' as const, uri: config.store.mongoUri, ...(config.store.mongoDb ? { db: config.store.mongoDb } : {}) }
      : { kind: 'sqlite' as const, path: config.store.sqlitePath ?? path.join(dataDir, 'hub.db') };
    const stores: Stores = await openStores(storeConfig, clock);
    stops.push(() => stores.close());

    const tokens = new TokenService(loadSigningKeys(dataDir, clock.now()), config.membership.tokens, clock);
    const auth = new Authenticator({ users: stores.users, apiKeys: stores.apiKeys, orgs: stores.orgs, tokens, clock, lockout: config.membership.lockout });
    const hub = hubIdentity(config.hub.name);
    const jobsReady = new Signal();
    const internalCredential = { username: `hub-internal-${randomBytes(4).toString('hex')}`, password: randomBytes(32).toString('base64url') };

    let mqttPort: number | undefined;
    let mqttUrl: string;
    if (config.mqtt.embedded) {
      const broker = createEmbeddedBroker({
        port: config.mqtt.port,
        host: config.mqtt.host,
        authenticate: async (username, password) => {
          const p = looksLikeJwt(password) ? await auth.fromToken(password) : await auth.fromApiKey(password);
          if (p.orgId !== username) throw new Error('the MQTT username must be the organisation id of the credential');
          return p;
        },
        internalCredential,
        log: log.child({ component: 'broker' }),
      });
      mqttPort = (await broker.start()).port;
      stops.push(() => broker.stop());
      mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    } else {
      if (!config.mqtt.url) throw new Error('mqtt.url is required when mqtt.embedded is false');
      mqttUrl = config.mqtt.url;
    }
    const publicMqttUrl = config.mqtt.publicUrl ?? (config.mqtt.embedded ? `mqtt://localhost:${mqttPort}` : mqttUrl);
    const common = { stores, clock, ids: randomIds, log, auth };

    const membership = composeMembership({ ...common, log: log.child({ component: 'membership' }), tokens, config: { ...config.membership, publicMqttUrl } });
    const taxii = composeTaxii({ ...common, log: log.child({ component: 'taxii' }), config: config.taxii, policy, hub: { id: hub.id }, jobsReady });
    const mailOutDir = config.dispatcher.mail.outDir ? path.resolve(config.dispatcher.mail.outDir) : path.join(dataDir, 'mail');
    const dispatcher = composeDispatcher({
      ...common,
      log: log.child({ component: 'dispatcher' }),
      config: { ...config.dispatcher, mqtt: { ...config.dispatcher.mqtt, url: mqttUrl }, mail: { ...config.dispatcher.mail, outDir: mailOutDir } },
      policy,
      hub: { id: hub.id, name: hub.name },
      jobsReady,
      mqttCredential: internalCredential,
    });

    const boot = await membership.bootstrapAdmin(config.admin.password);

    const app = express();
    app.disable('x-powered-by');
    app.set('trust proxy', false);
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.use(membership.router);
    app.use(taxii.router);
    app.use(dispatcher.router);
    app.use((req, _res, next) => {
      next(Object.assign(new Error(`no route for ${req.method} ${req.path}`), { status: 404 }));
    });
    app.use(
      ((err, req, res, next) => {
        const status = (err as { status?: number }).status;
        if (status === 404 && !res.headersSent) {
          const taxiiPath = req.path.startsWith('/taxii2');
          res.status(404).type(taxiiPath ? 'application/taxii+json;version=2.1' : 'application/json').send(
            JSON.stringify(taxiiPath ? { title: 'not_found', description: 'no such endpoint', http_status: '404' } : { error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } }),
          );
          return;
        }
        next(err);
      }) as express.ErrorRequestHandler,
    );
    app.use(errorHandler({ log, style: 'rest' }));

    await dispatcher.start();
    stops.push(() => dispatcher.stop());
    membership.start();
    stops.push(() => membership.stop());

    const server = createServer(app);
    const httpPort = await listen(server, config.http.port, config.http.host);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );

    return {
      httpPort,
      mqttPort,
      mqttUrl: publicMqttUrl,
      storeDescription: storeConfig.kind === 'sqlite' ? `SQLite ${storeConfig.path}` : `MongoDB ${redactUri(storeConfig.uri)}`,
      mailDescription: config.dispatcher.smtp.url ? `SMTP ${redactUri(config.dispatcher.smtp.url)}` : `.eml files in ${mailOutDir}`,
      generatedAdminPassword: boot.created && !config.admin.password ? boot.password : undefined,
      adminCreated: boot.created,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function looksLikeJwt(s: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(s);
}

function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URI)';
  }
}
