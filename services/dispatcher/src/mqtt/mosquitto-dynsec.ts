import mqtt, { type MqttClient } from 'mqtt';
import { TransientError, type Logger, type OrgId } from '@isac/kernel';
import { ackTopic, orgPrefix } from './topics.js';

const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;

export interface DynsecCommand {
  readonly command: string;
  readonly [k: string]: unknown;
}

export interface DynsecResponse {
  readonly command: string;
  readonly error?: string;
  readonly data?: unknown;
}

/** Role name of an organisation in Mosquitto. */
export const orgRole = (orgId: OrgId): string => `isac-org-${orgId}`;
export const HUB_ROLE = 'isac-hub-publisher';

/** The ACL of an organisation: subscribe under its own prefix, publish only its acks. */
export function orgAcls(orgId: OrgId): Record<string, unknown>[] {
  return [
    { acltype: 'subscribePattern', topic: `${orgPrefix(orgId)}#`, priority: 0, allow: true },
    { acltype: 'publishClientSend', topic: ackTopic(orgId), priority: 0, allow: true },
  ];
}

/**
 * Provisions Mosquitto's dynamic-security plugin over MQTT with an admin credential: a client and
 * a role per organisation (ACL = its prefix), and the hub's publisher role.
 */
export class DynsecProvisioner {
  private client: MqttClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: ((r: DynsecResponse[]) => void) | undefined;

  constructor(
    private readonly opts: {
      url: string;
      adminUsername: string;
      adminPassword: string;
      log: Logger;
      timeoutMs?: number;
    },
  ) {}

  private async connect(): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    const c = await mqtt.connectAsync(this.opts.url, {
      username: this.opts.adminUsername,
      password: this.opts.adminPassword,
      clientId: `isac-dynsec-${process.pid}-${Date.now()}`,
      reconnectPeriod: 0,
      connectTimeout: this.opts.timeoutMs ?? 5000,
    });
    c.on('message', (topic, payload) => {
      if (topic !== RESPONSE) return;
      const w = this.waiting;
      this.waiting = undefined;
      try {
        w?.((JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] }).responses);
      } catch {
        w?.([]);
      }
    });
    await c.subscribeAsync(RESPONSE, { qos: 1 });
    this.client = c;
    return c;
  }

  /** Sends commands and returns Mosquitto's responses (one at a time: responses carry no id on 3.1.1). */
  send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const run = async (): Promise<DynsecResponse[]> => {
      const c = await this.connect();
      return new Promise<DynsecResponse[]>((resolve, reject) => {
        const t = setTimeout(() => {
          this.waiting = undefined;
          reject(new TransientError('Mosquitto dynamic-security did not answer'));
        }, this.opts.timeoutMs ?? 5000);
        this.waiting = (r) => {
          clearTimeout(t);
          resolve(r);
        };
        c.publish(CONTROL, JSON.stringify({ commands }), { qos: 1 }, (err) => {
          if (err) {
            clearTimeout(t);
            this.waiting = undefined;
            reject(new TransientError(`dynsec publish failed: ${err.message}`));
          }
        });
      });
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async ok(
    commands: readonly DynsecCommand[],
    tolerate: RegExp = /already exists/i,
  ): Promise<DynsecResponse[]> {
    const rs = await this.send(commands);
    const bad = rs.find((r) => r.error && !tolerate.test(r.error));
    if (bad) throw new Error(`dynsec ${bad.command}: ${bad.error}`);
    return rs;
  }

  /** The hub's publisher: may publish anything under isac/v1/orgs and read every org's acks. */
  async provisionHub(cred: { username: string; password: string }): Promise<void> {
    await this.ok([
      {
        command: 'createRole',
        rolename: HUB_ROLE,
        acls: [
          { acltype: 'publishClientSend', topic: 'isac/v1/orgs/#', priority: 0, allow: true },
          { acltype: 'subscribePattern', topic: 'isac/v1/orgs/+/acks', priority: 0, allow: true },
          { acltype: 'publishClientReceive', topic: 'isac/v1/orgs/+/acks', priority: 0, allow: true },
        ],
      },
      {
        command: 'createClient',
        username: cred.username,
        password: cred.password,
        roles: [{ rolename: HUB_ROLE }],
      },
    ]);
    await this.ok([{ command: 'setClientPassword', username: cred.username, password: cred.password }]);
  }

  /** A role whose ACL is the org's prefix and a client `username = orgId` holding it (idempotent). */
  async ensureOrg(orgId: OrgId, password?: string): Promise<void> {
    const [, created] = await this.ok([
      { command: 'createRole', rolename: orgRole(orgId), acls: orgAcls(orgId) },
      {
        command: 'createClient',
        username: orgId,
        roles: [{ rolename: orgRole(orgId) }],
        ...(password ? { password } : {}),
      },
    ]);
    // setClientPassword disconnects the client's connections (Mosquitto 2.0, ADR 0021): only when
    // the client existed already, not right after it was created with this password
    if (password && created?.error) await this.setOrgPassword(orgId, password);
    // a client disabled while its organisation was suspended comes back with it
    await this.ok([{ command: 'enableClient', username: orgId }], /^$/);
  }

  /** The org's MQTT password (e.g. a `subscribe` API key when it is issued). */
  async setOrgPassword(orgId: OrgId, password: string): Promise<void> {
    await this.ok([{ command: 'setClientPassword', username: orgId, password }], /^$/);
  }

  /** Suspended or removed organisations: no more logins. */
  async disableOrg(orgId: OrgId): Promise<void> {
    await this.ok([{ command: 'disableClient', username: orgId }], /not found/i);
  }

  async removeOrg(orgId: OrgId): Promise<void> {
    await this.ok(
      [
        { command: 'deleteClient', username: orgId },
        { command: 'deleteRole', rolename: orgRole(orgId) },
      ],
      /not found/i,
    );
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}
