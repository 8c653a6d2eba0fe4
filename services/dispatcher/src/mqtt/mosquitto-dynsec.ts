import mqtt, { type MqttClient } from 'mqtt';
import { createHash, randomUUID } from 'node:crypto';
import { TransientError, type Logger, type OrgId } from '@isac/kernel';
import { ackTopic, orgPrefix, sightingsTopic } from './topics.js';

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
  readonly correlationData?: string;
}

/**
 * What the hub writes in a client's `textdescription`: a fingerprint of the password it set, so
 * that a restart can tell whether the broker already holds it. Setting a password disconnects the
 * client's connections (Mosquitto 2.0), so it is set only when it changes. The password is a
 * 256-bit derived secret: its SHA-256 reveals nothing usable.
 */
export const credentialMarker = (password: string): string =>
  `isac:credential:${createHash('sha256').update(password).digest('hex').slice(0, 32)}`;

interface ClientState {
  readonly textdescription?: string;
  readonly disabled?: boolean;
}

/** Role name of an organisation in Mosquitto. */
export const orgRole = (orgId: OrgId): string => `isac-org-${orgId}`;
export const HUB_ROLE = 'isac-hub-publisher';

/** Acks are for the hub: an organisation's clients never receive them, whatever they subscribe to. */
const ACK_RECEIVE_DENIED = (orgId: OrgId): Record<string, unknown> => ({
  acltype: 'publishClientReceive',
  topic: ackTopic(orgId),
  priority: 10,
  allow: false,
});

/** Sightings (ADR 0046): an organisation publishes them and its clients never receive them. */
const SIGHTING_ACLS = (orgId: OrgId): Record<string, unknown>[] => [
  { acltype: 'publishClientSend', topic: sightingsTopic(orgId), priority: 0, allow: true },
  { acltype: 'publishClientReceive', topic: sightingsTopic(orgId), priority: 10, allow: false },
];

/** What the hub's publisher reads besides acks: every organisation's sightings (ADR 0046). */
const HUB_SIGHTING_ACLS: Record<string, unknown>[] = [
  { acltype: 'subscribePattern', topic: 'isac/v1/orgs/+/sightings', priority: 0, allow: true },
  { acltype: 'publishClientReceive', topic: 'isac/v1/orgs/+/sightings', priority: 0, allow: true },
];

/**
 * The ACL of an organisation: subscribe under its own prefix, publish only its acks and sightings,
 * and never receive them (its `…/#` subscribers would see every ack and sighting its devices send:
 * ADR 0029, 0046).
 */
export function orgAcls(orgId: OrgId): Record<string, unknown>[] {
  return [
    { acltype: 'subscribePattern', topic: `${orgPrefix(orgId)}#`, priority: 0, allow: true },
    { acltype: 'publishClientSend', topic: ackTopic(orgId), priority: 0, allow: true },
    ACK_RECEIVE_DENIED(orgId),
    ...SIGHTING_ACLS(orgId),
  ];
}

/**
 * Provisions Mosquitto's dynamic-security plugin over MQTT with an admin credential: a client and
 * a role per organisation (ACL = its prefix), and the hub's publisher role.
 */
export class DynsecProvisioner {
  private client: MqttClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Requests waiting for their responses, by correlation id (echoed by Mosquitto in `correlationData`). */
  private readonly pending = new Map<string, (r: DynsecResponse[]) => void>();

  constructor(
    private readonly opts: {
      url: string;
      adminUsername: string;
      adminPassword: string;
      log: Logger;
      timeoutMs?: number;
      /** CA certificates (PEM) for an mqtts:// url (dispatcher.mqtt.caFile). */
      ca?: Buffer | undefined;
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
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    c.on('message', (topic, payload) => {
      if (topic !== RESPONSE) return;
      let responses: DynsecResponse[];
      try {
        responses = (JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] }).responses;
      } catch {
        this.opts.log.warn('Mosquitto dynamic-security sent a response that is not JSON; ignored');
        return;
      }
      // a response is matched to its request by correlation data, never by arrival order: a late
      // answer to a request that timed out (or another admin client's) is dropped, not taken as
      // the answer to the next request
      const id = responses[0]?.correlationData?.split(':')[0];
      const w = id === undefined ? undefined : this.pending.get(id);
      if (!w) return;
      this.pending.delete(id!);
      w(responses);
    });
    await c.subscribeAsync(RESPONSE, { qos: 1 });
    this.client = c;
    return c;
  }

  /**
   * Sends commands and returns Mosquitto's responses, in command order. Each command carries
   * `correlationData` `<request>:<index>`, and the answer is the response that echoes it. Requests
   * still run one at a time, so that the commands of one request are applied together.
   */
  send(
    commands: readonly DynsecCommand[],
    timeoutMs = this.opts.timeoutMs ?? 5000,
  ): Promise<DynsecResponse[]> {
    const run = async (): Promise<DynsecResponse[]> => {
      const c = await this.connect();
      const id = randomUUID();
      const tagged = commands.map((cmd, i) => ({ ...cmd, correlationData: `${id}:${i}` }));
      return new Promise<DynsecResponse[]>((resolve, reject) => {
        const t = setTimeout(() => {
          this.pending.delete(id);
          reject(new TransientError('Mosquitto dynamic-security did not answer'));
        }, timeoutMs);
        this.pending.set(id, (r) => {
          clearTimeout(t);
          const byIndex = new Map(r.map((x) => [x.correlationData?.split(':')[1], x]));
          resolve(
            commands.map(
              (cmd, i) => byIndex.get(String(i)) ?? { command: cmd.command, error: 'no response' },
            ),
          );
        });
        c.publish(CONTROL, JSON.stringify({ commands: tagged }), { qos: 1 }, (err) => {
          if (err) {
            clearTimeout(t);
            this.pending.delete(id);
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
    const [hubRole] = await this.ok([
      {
        command: 'createRole',
        rolename: HUB_ROLE,
        acls: [
          { acltype: 'publishClientSend', topic: 'isac/v1/orgs/#', priority: 0, allow: true },
          { acltype: 'subscribePattern', topic: 'isac/v1/orgs/+/acks', priority: 0, allow: true },
          { acltype: 'publishClientReceive', topic: 'isac/v1/orgs/+/acks', priority: 0, allow: true },
          ...HUB_SIGHTING_ACLS,
        ],
      },
      {
        command: 'createClient',
        username: cred.username,
        password: cred.password,
        textdescription: credentialMarker(cred.password),
        roles: [{ rolename: HUB_ROLE }],
      },
    ]);
    // a hub role created before ADR 0046 cannot read sightings yet
    if (hubRole?.error)
      await this.ok(HUB_SIGHTING_ACLS.map((acl) => ({ command: 'addRoleACL', rolename: HUB_ROLE, ...acl })));
    // a second dispatcher starting must not disconnect the first one's publisher: the password is
    // set again only when it is not the one the broker holds
    const state = await this.clientState(cred.username);
    if (state?.textdescription !== credentialMarker(cred.password))
      await this.setPassword(cred.username, cred.password);
  }

  /** The client's description and whether it is disabled; undefined when there is no such client. */
  private async clientState(username: string): Promise<ClientState | undefined> {
    const [r] = await this.ok([{ command: 'getClient', username }], /not found/i);
    return (r?.data as { client?: ClientState } | undefined)?.client;
  }

  /** Sets a password (disconnecting the client's connections), then records its fingerprint. */
  private async setPassword(username: string, password: string): Promise<void> {
    await this.ok([{ command: 'setClientPassword', username, password }], /^$/);
    await this.ok([{ command: 'modifyClient', username, textdescription: credentialMarker(password) }], /^$/);
  }

  /**
   * A role whose ACL is the org's prefix and a client `username = orgId` holding it, with this
   * password and enabled (idempotent). Nothing that already holds is sent again: setting a password
   * disconnects the client's connections (Mosquitto 2.0, ADR 0021), which a rotation wants and a
   * dispatcher's restart must not do to every subscriber.
   */
  async ensureOrg(orgId: OrgId, password?: string): Promise<void> {
    const [role, created] = await this.ok([
      { command: 'createRole', rolename: orgRole(orgId), acls: orgAcls(orgId) },
      {
        command: 'createClient',
        username: orgId,
        roles: [{ rolename: orgRole(orgId) }],
        ...(password ? { password, textdescription: credentialMarker(password) } : {}),
      },
    ]);
    // a role created before ADR 0029 lacks the rule that keeps acks from the organisation's clients,
    // one created before ADR 0046 the sightings rules ("already exists" is tolerated)
    if (role?.error)
      await this.ok(
        [ACK_RECEIVE_DENIED(orgId), ...SIGHTING_ACLS(orgId)].map((acl) => ({
          command: 'addRoleACL',
          rolename: orgRole(orgId),
          ...acl,
        })),
      );
    if (!created?.error) return;
    const state = await this.clientState(orgId);
    if (password && state?.textdescription !== credentialMarker(password))
      await this.setOrgPassword(orgId, password);
    // a client disabled while its organisation was suspended comes back with it
    if (state?.disabled) await this.ok([{ command: 'enableClient', username: orgId }], /^$/);
  }

  /** Sets the org's MQTT password: its connections are closed (a rotation). */
  async setOrgPassword(orgId: OrgId, password: string): Promise<void> {
    await this.setPassword(orgId, password);
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

/** What provisioning an organisation needs of the broker side (one broker, or a bridged cluster). */
export interface OrgProvisioner {
  ensureOrg(orgId: OrgId, password?: string): Promise<void>;
  disableOrg(orgId: OrgId): Promise<void>;
  removeOrg(orgId: OrgId): Promise<void>;
  close(): Promise<void>;
}

/**
 * The brokers of a bridged cluster (ADR 0035): an organisation's client, role and password are set
 * in every one, in turn, so that its devices may connect to any and its ACL holds on each. A
 * failure on any broker fails the call (its job retries; every step is idempotent).
 */
export class DynsecCluster implements OrgProvisioner {
  constructor(private readonly brokers: readonly DynsecProvisioner[]) {}

  private async each(f: (p: DynsecProvisioner) => Promise<void>): Promise<void> {
    for (const p of this.brokers) await f(p);
  }

  ensureOrg(orgId: OrgId, password?: string): Promise<void> {
    return this.each((p) => p.ensureOrg(orgId, password));
  }

  disableOrg(orgId: OrgId): Promise<void> {
    return this.each((p) => p.disableOrg(orgId));
  }

  removeOrg(orgId: OrgId): Promise<void> {
    return this.each((p) => p.removeOrg(orgId));
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((p) => p.close()));
  }
}
