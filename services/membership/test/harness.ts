import express from 'express';
import { ManualClock, SequentialIds, silentLogger, type Logger } from '@isac/kernel';
import { openSqliteStores } from '@isac/store';
import type { Stores } from '@isac/store';
import {
  Authenticator,
  TokenService,
  generateSigningKey,
  type SigningKey,
  type StandingRules,
} from '@isac/auth';
import {
  composeMembership,
  defaultMembershipConfig,
  type Membership,
  type MembershipConfig,
} from '../src/index.js';

export const ADMIN_PASSWORD = 'correct-horse-battery';
export const START = '2026-03-01T00:00:00.000Z';

export interface Harness {
  readonly app: express.Express;
  readonly stores: Stores;
  readonly clock: ManualClock;
  readonly membership: Membership;
  readonly tokens: TokenService;
  readonly keys: readonly SigningKey[];
  readonly config: MembershipConfig;
  /** The authenticator membership reports changes to (its `live` sessions, ADR 0021). */
  readonly auth: Authenticator;
  close(): Promise<void>;
}

/** The composed membership service over SQLite :memory:, a manual clock, and an express app. */
export async function openHarness(
  opts: {
    config?: Partial<MembershipConfig>;
    log?: Logger;
    keys?: readonly SigningKey[];
    mqttSecret?: Buffer;
    /** How often live sessions poll the store's revisions (default 250 ms). */
    livePollMs?: number;
    /** The policy's standing rules (trial grace period). */
    standing?: StandingRules;
  } = {},
): Promise<Harness> {
  const clock = new ManualClock(START);
  const stores = openSqliteStores({ path: ':memory:' }, clock);
  const config = defaultMembershipConfig(opts.config);
  const keys = opts.keys ?? [generateSigningKey('k1', START)];
  const tokens = new TokenService(keys, config.tokens, clock);
  const auth = new Authenticator({
    users: stores.users,
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    tokens,
    clock,
    lockout: config.lockout,
    mqttSecret: opts.mqttSecret,
    livePollMs: opts.livePollMs,
  });
  const membership = composeMembership({
    stores,
    clock,
    ids: new SequentialIds(),
    log: opts.log ?? silentLogger,
    auth,
    tokens,
    config,
    mqttSecret: opts.mqttSecret,
    standing: opts.standing,
  });
  await membership.bootstrapAdmin(ADMIN_PASSWORD);
  const app = express();
  app.use(membership.router);
  return {
    app,
    stores,
    clock,
    membership,
    tokens,
    keys,
    config,
    auth,
    close: async () => {
      auth.live.stop();
      await membership.stop();
      await stores.close();
    },
  };
}
