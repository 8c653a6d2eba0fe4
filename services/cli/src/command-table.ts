import type { Command } from 'commander';
import type { RouteId } from '@isac/api';

/**
 * Which API operations each `isac` command calls (issue 16: everything the REST API can do, the
 * CLI can do). `test/cli/api-coverage.test.ts` reads /api/openapi.json from the composed hub and
 * fails on an operation that no command here calls and that `NOT_IN_CLI` does not excuse, and on
 * a command named here that the CLI does not have. Add a command's line when it calls the hub.
 */
export const CLI_OPERATIONS: Readonly<Record<string, readonly RouteId[]>> = {
  login: ['login'],
  whoami: ['me'],
  hub: ['hubInfo'],
  submit: ['submitBundle', 'submitIndicator'],
  status: ['submissionStatus'],
  retract: ['retractObject'],
  sighting: ['reportSighting'],
  'false-positive': ['reportSighting'],
  sightings: ['objectFeedback'],
  'policy explain': ['explainDistribution'],
  search: ['searchObservables'],
  objects: ['browseObjects'],
  event: ['objectEvents'],
  watch: ['me'],
  ack: ['ackAlert'],
  'acks list': ['listAcks'],
  'sub add': ['createSubscription', 'me'],
  'sub list': ['listSubscriptions'],
  'sub show': ['getSubscription'],
  'sub remove': ['deleteSubscription'],
  'admin org add': ['createOrg'],
  'admin org list': ['listOrgs'],
  'admin exercise create': ['createExercise'],
  'admin exercise list': ['listExercises'],
  'admin exercise show': ['getExercise'],
  'admin exercise report': ['exerciseReport'],
  'admin exercise close': ['closeExercise'],
  'admin feed add': ['createFeed'],
  'admin feed list': ['listFeeds'],
  'admin feed show': ['getFeed'],
  'admin feed pause': ['pauseFeed'],
  'admin feed resume': ['resumeFeed'],
  'admin feed pull': ['pullFeed'],
  'admin feed remove': ['deleteFeed'],
  'admin partner add': ['createPartner'],
  'admin partner list': ['listPartners'],
  'admin partner show': ['getPartner'],
  'admin partner pause': ['pausePartner'],
  'admin partner resume': ['resumePartner'],
  'admin partner remove': ['removePartner'],
  'admin org show': ['getOrg'],
  'admin org set-tier': ['updateOrg'],
  'admin org suspend': ['updateOrg'],
  'admin org activate': ['updateOrg'],
  'admin org extend-trial': ['extendTrial'],
  'admin org convert': ['convertOrg'],
  'admin org rename': ['updateOrg'],
  'admin org region': ['updateOrg'],
  'admin org contacts': ['updateOrg'],
  'admin org delete': ['retireOrg'],
  'admin org set': ['updateOrg'],
  'admin org pgp-key set': ['updateOrg'],
  'admin org pgp-key show': ['getOrg'],
  'admin org pgp-key remove': ['updateOrg'],
  'admin user add': ['createUser'],
  'admin user list': ['listUsers'],
  'admin user disable': ['listUsers', 'deleteUser'],
  'admin user enable': ['listUsers', 'updateUser'],
  'admin user unlock': ['listUsers', 'updateUser'],
  'admin user revoke-tokens': ['listUsers', 'updateUser'],
  'admin user roles': ['listUsers', 'updateUser'],
  'admin user reset-password': ['listUsers', 'resetPassword'],
  'admin key create': ['createKey'],
  'admin key list': ['listKeys'],
  'admin key revoke': ['revokeKey'],
  'admin mqtt-credentials': ['issueMqttCredentials'],
  'admin audit': ['listAudit'],
  'admin report': ['participation'],
  'admin blocklist pending': ['listBlocklistApprovals'],
  'admin blocklist approve': ['approveBlocklistEntry'],
  'admin blocklist reject': ['rejectBlocklistEntry'],
  'admin dead-letters list': ['listDeadLetters'],
  'admin dead-letters retry': ['retryDeadLetter'],
  'admin dead-letters drop': ['dropDeadLetter'],
  'admin mqtt-sessions list': ['listMqttSessions'],
  'admin mqtt-sessions drop': ['dropMqttSession'],
};

/** Operations with no command, and why. Keep it short: each entry is a decision. */
export const NOT_IN_CLI: Readonly<Partial<Record<RouteId, string>>> = {
  // The web console's cookie session (ADR 0018): a browser's login, not a command line's.
  createSession: 'the web console logs in with a cookie session; the CLI keeps a token (isac login)',
  deleteSession: 'the web console logs out of its cookie session; the CLI has isac logout',
  refreshSession:
    'the web console renews its cookie session; the CLI refreshes its token with refresh (ADR 0023)',
  // ADR 0023: the CLI calls it by itself when the saved access token has expired or is about to
  refresh:
    'the CLI refreshes its saved session by itself before a command (isac login stores the refresh token)',
  // Read by token verifiers and API tooling, not by people.
  jwks: 'public keys for verifying tokens (machines)',
  // ADR 0043: polled by firewalls and IDS with an API key; a person reads them with curl
  exportList: "a firewall's external dynamic list (plain text for its poller)",
  exportCsv: 'a CSV export for SIEMs and spreadsheets (plain text for its poller)',
  exportSuricata: 'a Suricata rule file (polled by suricata-update or a script)',
  openapi: 'the API description itself (tools, and this test)',
  // TAXII 2.1 is served to TAXII clients (SIEMs, TIPs); people submit with `isac submit`, read
  // alerts with `isac watch`, and ask `isac status` / `isac policy explain` about their objects.
  taxiiDiscovery: 'TAXII protocol',
  taxiiApiRoot: 'TAXII protocol',
  taxiiStatus: 'TAXII protocol (isac status reads the same status)',
  taxiiCollections: 'TAXII protocol',
  taxiiCollection: 'TAXII protocol',
  taxiiManifest: 'TAXII protocol',
  taxiiGetObjects: 'TAXII protocol',
  taxiiAddObjects: 'TAXII protocol (isac submit)',
  taxiiGetObject: 'TAXII protocol',
  taxiiDeleteObject: 'TAXII protocol (isac retract stores the same retraction)',
  taxiiVersions: 'TAXII protocol',
};

/** Every command of `program` that runs something, by its full name (`admin user disable`). */
export function commandNames(program: Command): string[] {
  const out: string[] = [];
  const walk = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
      if (sub.commands.length > 0) walk(sub, name);
      else out.push(name);
    }
  };
  walk(program, '');
  return out;
}
