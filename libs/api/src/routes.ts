import type { AccessRequirement } from './access-requirement.js';
import { type ApiSettings } from './schemas/common.js';
import {
  acksQuerySchema,
  acksSchema,
  ackSchema,
  deadLettersSchema,
  limitQuerySchema,
  mqttSessionQuerySchema,
  mqttSessionsSchema,
  retrySchema,
} from './schemas/delivery.js';
import {
  auditQuerySchema,
  auditRecordSchema,
  mqttCredentialsSchema,
  participationQuerySchema,
  participationSchema,
} from './schemas/admin.js';
import {
  jwksSchema,
  loginSchema,
  meSchema,
  refreshSchema,
  sessionSchema,
  tokenSchema,
} from './schemas/auth.js';
import { hubInfoSchema } from './schemas/hub.js';
import { feedbackViewSchema, recordedReportSchema, sightingReportSchema } from './schemas/feedback.js';
import { searchQuerySchema, searchResultSchema } from './schemas/search.js';
import { browseQuerySchema, browseResultSchema } from './schemas/browse.js';
import { objectEventsSchema } from './schemas/events.js';
import { exportCsvQuerySchema, exportListQuerySchema } from './schemas/exports.js';
import {
  approvalDecisionSchema,
  approvalSchema,
  approvalsPageSchema,
  approvalsQuerySchema,
} from './schemas/blocklist.js';
import { createExerciseSchema, exerciseReportSchema, exerciseSchema } from './schemas/exercises.js';
import { createFeedSchema, feedSchema } from './schemas/feeds.js';
import { createdKeySchema, createKeySchema, keySchema } from './schemas/keys.js';
import { partnerSchemas } from './schemas/partners.js';
import { orgSchemas } from './schemas/orgs.js';
import { indicatorSchema, retractionSchema, retractSchema, submissionSchema } from './schemas/submissions.js';
import { subscriptionSchemas } from './schemas/subscriptions.js';
import {
  apiRootSchema,
  collectionSchema,
  collectionsSchema,
  discoverySchema,
  distributionQuerySchema,
  distributionSchema,
  envelopePageSchema,
  envelopeSchema,
  manifestSchema,
  statusResourceSchema,
  taxiiQuerySchema,
  versionsSchema,
} from './schemas/taxii.js';
import { createUserSchema, resetPasswordSchema, updateUserSchema, userSchema } from './schemas/users.js';

/** The version of this API (the OpenAPI document's `info.version`, `GET /api/v1/hub`). */
export const API_VERSION = '1.0.0';

export type ServiceName = 'membership' | 'taxii' | 'dispatcher' | 'feeds';

/**
 * What a route speaks: `json` (REST: application/json in and out), `taxii` (TAXII 2.1 media type
 * in and out), `manifest` (TAXII, and the STIX media type may be asked for too), `text`
 * (text/plain out) and `csv` (text/csv out): the exports of ADR 0043, which take no body.
 */
export type RouteMedia = 'json' | 'taxii' | 'manifest' | 'text' | 'csv';

/** One route of one service: everything the router, the OpenAPI document and the client need. */
export interface ApiRoute {
  readonly id: string;
  readonly service: ServiceName;
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** Absolute express path (`:param`). */
  readonly path: string;
  /** Where the owning router is mounted (TAXII: `/taxii2`); the router declares the rest. */
  readonly base?: string;
  readonly tag: string;
  readonly summary: string;
  readonly access: AccessRequirement;
  readonly media: RouteMedia;
  readonly body?: object;
  readonly query?: object;
  readonly success: { readonly status: number; readonly description: string; readonly schema?: object };
  /** When the route answers 409: what conflicts. */
  readonly conflict?: string;
}

const route = <const R extends Omit<ApiRoute, 'id'>>(r: R): R => r;

const TAXII = '/taxii2';
const COLLECTION = `${TAXII}/:root/collections/:collectionId`;

/** Every route of every service, with the schemas of this hub's settings (sectors, regions). */
export function apiRoutes(settings: ApiSettings) {
  const org = orgSchemas(settings);
  const sub = subscriptionSchemas(settings);
  const partner = partnerSchemas(settings);
  const orgPath = '/api/v1/orgs/:orgId';
  const orgAdmin = { who: 'org-admin', org: 'path' } as const;
  const table = {
    // membership: authentication
    login: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/auth/login',
      tag: 'authentication',
      summary: 'Log in with a username and password; answers a short-lived ES256 access token',
      access: { who: 'anyone' },
      media: 'json',
      body: loginSchema,
      success: { status: 200, description: 'the access token', schema: tokenSchema },
    }),
    createSession: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/auth/session',
      tag: 'authentication',
      summary:
        'Log in for the web console: sets the HttpOnly session cookie (isac_session) and the CSRF cookie (isac_csrf); every request authenticated by the cookie must send the CSRF token in X-CSRF-Token',
      access: { who: 'anyone' },
      media: 'json',
      body: loginSchema,
      success: { status: 200, description: 'the CSRF token of the session', schema: sessionSchema },
    }),
    refresh: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/auth/refresh',
      tag: 'authentication',
      summary:
        'Exchange a refresh token for a new access token and a new refresh token (rotation); a refresh token used twice ends its whole login',
      access: { who: 'anyone' },
      media: 'json',
      body: refreshSchema,
      success: { status: 200, description: 'the new access and refresh tokens', schema: tokenSchema },
    }),
    refreshSession: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/auth/session/refresh',
      tag: 'authentication',
      summary:
        "Renew the web console's session: the refresh cookie (isac_refresh) is rotated and the session and CSRF cookies are set again; needs the current CSRF token in X-CSRF-Token",
      access: { who: 'anyone' },
      media: 'json',
      success: { status: 200, description: 'the new CSRF token of the session', schema: sessionSchema },
    }),
    deleteSession: route({
      service: 'membership',
      method: 'delete',
      path: '/api/v1/auth/session',
      tag: 'authentication',
      summary:
        "Log out: clears the session cookies and revokes every access token the caller's user holds (API keys are not affected)",
      access: { who: 'principal' },
      media: 'json',
      success: { status: 204, description: 'logged out' },
    }),
    me: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/me',
      tag: 'authentication',
      summary: 'Who am I: organisation, roles, scopes and the MQTT broker to use',
      access: { who: 'principal' },
      media: 'json',
      success: { status: 200, description: 'the caller', schema: meSchema(org.org) },
    }),
    jwks: route({
      service: 'membership',
      method: 'get',
      path: '/.well-known/jwks.json',
      tag: 'authentication',
      summary: 'Public keys that verify access tokens (JWKS)',
      access: { who: 'anyone' },
      media: 'json',
      success: { status: 200, description: 'JWK set', schema: jwksSchema },
    }),
    openapi: route({
      service: 'membership',
      method: 'get',
      path: '/api/openapi.json',
      tag: 'meta',
      summary: 'This OpenAPI 3.1 document: every route of every service',
      access: { who: 'anyone' },
      media: 'json',
      success: { status: 200, description: 'the document', schema: { type: 'object' } },
    }),
    // membership: organisations
    createOrg: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/orgs',
      tag: 'organisations',
      summary: 'Admit an organisation (hub administrators)',
      access: { who: 'hub-admin' },
      media: 'json',
      body: org.create,
      success: { status: 201, description: 'the organisation', schema: org.org },
    }),
    listOrgs: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/orgs',
      tag: 'organisations',
      summary: 'List organisations (hub administrators: all; others: their own)',
      access: { who: 'principal' },
      media: 'json',
      success: { status: 200, description: 'organisations', schema: { type: 'array', items: org.org } },
    }),
    getOrg: route({
      service: 'membership',
      method: 'get',
      path: orgPath,
      tag: 'organisations',
      summary: 'Show an organisation',
      access: { who: 'org-member', org: 'path' },
      media: 'json',
      success: { status: 200, description: 'the organisation', schema: org.org },
    }),
    updateOrg: route({
      service: 'membership',
      method: 'patch',
      path: orgPath,
      tag: 'organisations',
      summary:
        'Change contacts or OpenPGP key (org-admins), or tier, status, name and region (hub administrators); absent keeps, null clears',
      access: orgAdmin,
      media: 'json',
      body: org.update,
      success: { status: 200, description: 'the organisation', schema: org.org },
    }),
    extendTrial: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/extend-trial`,
      tag: 'organisations',
      summary: 'Extend a trial to endsAt, or by days (hub administrators)',
      access: { who: 'hub-admin', org: 'path' },
      media: 'json',
      body: org.extendTrial,
      success: { status: 200, description: 'the organisation', schema: org.org },
    }),
    convertOrg: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/convert`,
      tag: 'organisations',
      summary: 'Convert a trial member to another tier, default full (hub administrators)',
      access: { who: 'hub-admin', org: 'path' },
      media: 'json',
      body: org.convert,
      success: { status: 200, description: 'the organisation', schema: org.org },
    }),
    retireOrg: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/retire`,
      tag: 'orgs',
      summary:
        'Retire an organisation that leaves the hub (confirm: its id): it loses all access at once, keeps its id and history (ADR 0020)',
      access: { who: 'hub-admin', org: 'path' },
      media: 'json',
      body: org.retire,
      success: { status: 200, description: 'the retired organisation', schema: org.org },
    }),
    // membership: users
    createUser: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/users`,
      tag: 'users',
      summary: 'Add a user to an organisation; a generated password is returned once',
      access: orgAdmin,
      media: 'json',
      body: createUserSchema,
      success: {
        status: 201,
        description: 'the user, and the generated password if none was given',
        schema: {
          type: 'object',
          required: ['user'],
          properties: { user: userSchema, password: { type: 'string' } },
        },
      },
    }),
    listUsers: route({
      service: 'membership',
      method: 'get',
      path: `${orgPath}/users`,
      tag: 'users',
      summary: "List an organisation's users",
      access: orgAdmin,
      media: 'json',
      success: { status: 200, description: 'users', schema: { type: 'array', items: userSchema } },
    }),
    updateUser: route({
      service: 'membership',
      method: 'patch',
      path: `${orgPath}/users/:userId`,
      tag: 'users',
      summary: 'Change roles or password, disable, unlock, or revoke all tokens of a user',
      access: orgAdmin,
      media: 'json',
      body: updateUserSchema,
      success: { status: 200, description: 'the user', schema: userSchema },
    }),
    deleteUser: route({
      service: 'membership',
      method: 'delete',
      path: `${orgPath}/users/:userId`,
      tag: 'users',
      summary: 'Remove (disable) a user; their tokens stop working',
      access: orgAdmin,
      media: 'json',
      success: { status: 204, description: 'disabled' },
    }),
    resetPassword: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/users/:userId/reset-password`,
      tag: 'users',
      summary:
        "Reset a user's password (given, or generated and returned once); their tokens stop working and any lockout is cleared",
      access: orgAdmin,
      media: 'json',
      body: resetPasswordSchema,
      success: {
        status: 200,
        description: 'the user, and the generated password if none was given',
        schema: {
          type: 'object',
          required: ['user'],
          properties: { user: userSchema, password: { type: 'string' } },
        },
      },
    }),
    // membership: API keys
    createKey: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/keys`,
      tag: 'api keys',
      summary: 'Create an API key; the key is in this answer only',
      access: orgAdmin,
      media: 'json',
      body: createKeySchema,
      success: { status: 201, description: 'the key, shown once', schema: createdKeySchema },
    }),
    listKeys: route({
      service: 'membership',
      method: 'get',
      path: `${orgPath}/keys`,
      tag: 'api keys',
      summary: "List an organisation's API keys (never the key or its hash)",
      access: orgAdmin,
      media: 'json',
      success: { status: 200, description: 'keys', schema: { type: 'array', items: keySchema } },
    }),
    revokeKey: route({
      service: 'membership',
      method: 'delete',
      path: `${orgPath}/keys/:keyId`,
      tag: 'api keys',
      summary: 'Revoke an API key',
      access: orgAdmin,
      media: 'json',
      success: { status: 204, description: 'revoked' },
    }),
    issueMqttCredentials: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/mqtt-credentials`,
      tag: 'mqtt',
      summary:
        "Issue the organisation's MQTT credentials (replacing any earlier ones); the password is in this answer only",
      access: orgAdmin,
      media: 'json',
      success: {
        status: 201,
        description: 'username and password, shown once',
        schema: mqttCredentialsSchema,
      },
    }),
    // membership: subscriptions
    createSubscription: route({
      service: 'membership',
      method: 'post',
      path: `${orgPath}/subscriptions`,
      tag: 'subscriptions',
      summary: 'Subscribe to alerts over MQTT (subscribe scope) or email (org-admins), with filters',
      access: { who: 'org-member', org: 'path', scope: 'subscribe' },
      media: 'json',
      body: sub.create,
      success: { status: 201, description: 'the subscription', schema: sub.subscription },
    }),
    listSubscriptions: route({
      service: 'membership',
      method: 'get',
      path: `${orgPath}/subscriptions`,
      tag: 'subscriptions',
      summary: "List an organisation's subscriptions",
      access: { who: 'org-member', org: 'path' },
      media: 'json',
      success: {
        status: 200,
        description: 'subscriptions',
        schema: { type: 'array', items: sub.subscription },
      },
    }),
    getSubscription: route({
      service: 'membership',
      method: 'get',
      path: `${orgPath}/subscriptions/:subId`,
      tag: 'subscriptions',
      summary: 'Show a subscription',
      access: { who: 'org-member', org: 'path' },
      media: 'json',
      success: { status: 200, description: 'the subscription', schema: sub.subscription },
    }),
    deleteSubscription: route({
      service: 'membership',
      method: 'delete',
      path: `${orgPath}/subscriptions/:subId`,
      tag: 'subscriptions',
      summary: 'Remove a subscription (MQTT: subscribe scope; email: org-admins)',
      access: { who: 'org-member', org: 'path', scope: 'subscribe' },
      media: 'json',
      success: { status: 204, description: 'removed' },
    }),
    // membership: audit and reports
    listAudit: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/audit',
      tag: 'audit',
      summary: 'Read the audit log (hub administrators: all; org-admins: their own organisation)',
      access: { who: 'org-admin' },
      media: 'json',
      query: auditQuerySchema,
      success: {
        status: 200,
        description:
          'audit records, newest first (page with beforeSeq); order=oldest: oldest first (page with afterSeq)',
        schema: { type: 'array', items: auditRecordSchema },
      },
    }),
    participation: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/reports/participation',
      tag: 'reports',
      summary:
        'Participation: organisations by sector, region and tier, trial members and their end dates, who submitted or received in [from, to) (default: the last 30 days)',
      access: { who: 'hub-admin' },
      media: 'json',
      query: participationQuerySchema,
      success: { status: 200, description: 'the report', schema: participationSchema },
    }),
    // membership: exercises (ADR 0033)
    createExercise: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/exercises',
      tag: 'exercises',
      summary:
        'Create an exercise (drill): name, start, end, participating organisations, scenario. Exercise submissions name it; their objects reach only its participants and the submitter',
      access: { who: 'hub-admin' },
      media: 'json',
      body: createExerciseSchema,
      success: { status: 201, description: 'the exercise', schema: exerciseSchema },
    }),
    listExercises: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/exercises',
      tag: 'exercises',
      summary: 'List exercises, newest start first',
      access: { who: 'hub-admin' },
      media: 'json',
      success: {
        status: 200,
        description: 'the exercises',
        schema: { type: 'array', items: exerciseSchema },
      },
    }),
    getExercise: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/exercises/:exerciseId',
      tag: 'exercises',
      summary: 'Show an exercise',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the exercise', schema: exerciseSchema },
    }),
    exerciseReport: route({
      service: 'membership',
      method: 'get',
      path: '/api/v1/exercises/:exerciseId/report',
      tag: 'exercises',
      summary:
        'Per participant: when the first exercise alert reached it, its first acknowledgement, and the time to acknowledge (null: never)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the report', schema: exerciseReportSchema },
    }),
    closeExercise: route({
      service: 'membership',
      method: 'post',
      path: '/api/v1/exercises/:exerciseId/close',
      tag: 'exercises',
      summary: 'Close an exercise: no further submission may name it (closing twice keeps the first time)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the closed exercise', schema: exerciseSchema },
    }),
    // feeds: partner feeds (ADR 0041)
    createFeed: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/feeds',
      tag: 'feeds',
      summary:
        'Add a partner feed: a TAXII 2.1 collection pulled on a schedule, tied to a partner organisation (the provenance of what it imports). The credential is write-only',
      access: { who: 'hub-admin' },
      media: 'json',
      body: createFeedSchema,
      success: { status: 201, description: 'the feed (without its secret)', schema: feedSchema },
      conflict: 'a feed with this id exists',
    }),
    listFeeds: route({
      service: 'feeds',
      method: 'get',
      path: '/api/v1/feeds',
      tag: 'feeds',
      summary: 'List partner feeds with their status, oldest first',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the feeds', schema: { type: 'array', items: feedSchema } },
    }),
    getFeed: route({
      service: 'feeds',
      method: 'get',
      path: '/api/v1/feeds/:feedId',
      tag: 'feeds',
      summary:
        'Show a feed and its status: last success, last error (HTTP status, cause), objects imported, refused, duplicates and RED dropped',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the feed', schema: feedSchema },
    }),
    pauseFeed: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/feeds/:feedId/pause',
      tag: 'feeds',
      summary: 'Pause a feed: not pulled until resumed (its cursor is kept)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the feed', schema: feedSchema },
    }),
    resumeFeed: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/feeds/:feedId/resume',
      tag: 'feeds',
      summary: 'Resume a paused feed: due at once, from its cursor',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the feed', schema: feedSchema },
    }),
    pullFeed: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/feeds/:feedId/pull',
      tag: 'feeds',
      summary: 'Pull a feed now (or wait for the pull under way) and answer its status',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the feed after the pull', schema: feedSchema },
    }),
    deleteFeed: route({
      service: 'feeds',
      method: 'delete',
      path: '/api/v1/feeds/:feedId',
      tag: 'feeds',
      summary: 'Remove a feed (objects it imported stay, with its id recorded)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 204, description: 'removed' },
    }),
    // taxii: REST
    hubInfo: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/hub',
      tag: 'hub',
      summary:
        'The hub itself: its name, its organisation, its own STIX identity (the created_by_ref recipients see for anonymous submitters) and versions',
      access: { who: 'principal' },
      media: 'json',
      success: { status: 200, description: 'the hub', schema: hubInfoSchema },
    }),
    submitBundle: route({
      service: 'taxii',
      method: 'post',
      path: '/api/v1/submissions',
      tag: 'submissions',
      summary: 'Submit a STIX 2.1 bundle, with a default TLP and named recipients',
      access: { who: 'principal', scope: 'submit' },
      media: 'json',
      body: submissionSchema,
      success: {
        status: 202,
        description: 'the TAXII status resource of the submission',
        schema: statusResourceSchema,
      },
    }),
    submitIndicator: route({
      service: 'taxii',
      method: 'post',
      path: '/api/v1/indicators',
      tag: 'submissions',
      summary: 'Submit one indicator of compromise as plain fields',
      access: { who: 'principal', scope: 'submit' },
      media: 'json',
      body: indicatorSchema,
      success: {
        status: 202,
        description: 'the TAXII status resource of the submission',
        schema: statusResourceSchema,
      },
    }),
    submissionStatus: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/status/:statusId',
      tag: 'submissions',
      summary: "Status of one of the caller's organisation's submissions",
      access: { who: 'principal', resource: { owner: 'submitter', hubAdmin: false } },
      media: 'json',
      success: { status: 200, description: 'the status resource', schema: statusResourceSchema },
    }),
    explainDistribution: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/objects/:objectId/distribution',
      tag: 'submissions',
      summary: 'Who received an object, and why (or why not): the submitter and hub administrators',
      access: { who: 'principal', resource: { owner: 'submitter', hubAdmin: true } },
      media: 'json',
      query: distributionQuerySchema,
      success: {
        status: 200,
        description: "the policy's verdict per organisation",
        schema: distributionSchema,
      },
    }),
    reportSighting: route({
      service: 'taxii',
      method: 'post',
      path: '/api/v1/objects/:objectId/sightings',
      tag: 'feedback',
      summary:
        'Report a sighting of an object, or (falsePositive) a false positive with a reason (ADR 0046): organisations that may see the object; recorded once per id',
      access: { who: 'principal', scope: 'submit' },
      media: 'json',
      body: sightingReportSchema,
      success: {
        status: 200,
        description: "recorded (durable); the caller's anonymised aggregate and the object's confidence",
        schema: recordedReportSchema,
      },
      conflict: 'the id is already the id of another report',
    }),
    objectFeedback: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/objects/:objectId/sightings',
      tag: 'feedback',
      summary:
        'The anonymised aggregate of sightings and false positives on an object (counts and sectors of the reports the caller may see) and its confidence (ADR 0046)',
      access: { who: 'principal', scope: 'read' },
      media: 'json',
      success: { status: 200, description: 'the aggregate the caller may see', schema: feedbackViewSchema },
    }),
    objectEvents: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/objects/:objectId/events',
      tag: 'search',
      summary:
        'An object with its events (ADR 0045): for a report or grouping, its members the caller may see, together; for any object, the reports and groupings naming it that the caller may see. An object the caller may not see is 404, as an unknown id',
      access: { who: 'principal', scope: 'read' },
      media: 'json',
      success: {
        status: 200,
        description: 'the object, its visible members and events',
        schema: objectEventsSchema,
      },
    }),
    searchObservables: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/search',
      tag: 'search',
      summary:
        'Search indicators by observable value (IP, CIDR, domain, URL, file hash, email address): the latest version of each object the caller may see (ADR 0036)',
      access: { who: 'principal', scope: 'read' },
      media: 'json',
      query: searchQuerySchema,
      success: { status: 200, description: 'the visible hits, newest first', schema: searchResultSchema },
    }),
    browseObjects: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/objects',
      tag: 'search',
      summary:
        'Browse what the caller may see (ADR 0038): the latest live version of each object across the readable collections, newest stored first, by type, TLP, named submitter sector and time; the policy of TAXII reads decides every object before it is counted or paged',
      access: { who: 'principal', scope: 'read' },
      media: 'json',
      query: browseQuerySchema,
      success: { status: 200, description: 'the visible objects, newest first', schema: browseResultSchema },
    }),
    exportList: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/exports/lists/:kind',
      tag: 'exports',
      summary:
        "A firewall's external dynamic list (ADR 0043): the caller's organisation's block-list values of one kind (ipv4, ipv6, cidr, domain, url, email, md5, sha1, sha256, sha512), one per line; current, unexpired, gate-approved indicators it may see. ETag / If-None-Match",
      access: { who: 'principal', scope: 'read' },
      media: 'text',
      query: exportListQuerySchema,
      success: { status: 200, description: 'one value per line (304 when If-None-Match names the ETag)' },
    }),
    exportCsv: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/exports/csv',
      tag: 'exports',
      summary:
        "The caller's organisation's block-list values as CSV (ADR 0043): kind, value, indicator_id, modified, tlp, expires_at. ETag / If-None-Match",
      access: { who: 'principal', scope: 'read' },
      media: 'csv',
      query: exportCsvQuerySchema,
      success: {
        status: 200,
        description: 'RFC 4180 CSV with a header row (304 when If-None-Match names the ETag)',
      },
    }),
    exportSuricata: route({
      service: 'taxii',
      method: 'get',
      path: '/api/v1/exports/suricata',
      tag: 'exports',
      summary:
        "Suricata rules for the caller's organisation's network indicators (ADR 0043): addresses and ranges, domains (dns.query, tls.sni), http URLs (http.host, http.uri.raw); stable sids. ETag / If-None-Match",
      access: { who: 'principal', scope: 'read' },
      media: 'text',
      success: { status: 200, description: 'one rule per line (304 when If-None-Match names the ETag)' },
    }),
    retractObject: route({
      service: 'taxii',
      method: 'post',
      path: '/api/v1/objects/:objectId/retract',
      tag: 'submissions',
      summary:
        'Retract an object (ADR 0028): store a revoked version; firewalls that got it receive remove, recipients a notice. Its submitting organisation or hub administrators',
      access: {
        who: 'principal',
        scope: 'submit',
        resource: { owner: 'submitter', hubAdmin: true, othersWhoSeeIt: 'forbidden' },
      },
      media: 'json',
      body: retractSchema,
      success: {
        status: 200,
        description:
          'the revoked version is stored (durable); alreadyRetracted: it was before, nothing new is sent',
        schema: retractionSchema,
      },
    }),
    // taxii: TAXII 2.1
    taxiiDiscovery: route({
      service: 'taxii',
      method: 'get',
      path: `${TAXII}/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'TAXII 2.1 discovery',
      access: { who: 'principal' },
      media: 'taxii',
      success: { status: 200, description: 'the discovery resource', schema: discoverySchema },
    }),
    taxiiApiRoot: route({
      service: 'taxii',
      method: 'get',
      path: `${TAXII}/:root/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'TAXII 2.1 API root',
      access: { who: 'principal' },
      media: 'taxii',
      success: { status: 200, description: 'the API root resource', schema: apiRootSchema },
    }),
    taxiiStatus: route({
      service: 'taxii',
      method: 'get',
      path: `${TAXII}/:root/status/:statusId/`,
      base: TAXII,
      tag: 'taxii',
      summary: "Status of one of the caller's organisation's submissions",
      access: { who: 'principal', resource: { owner: 'submitter', hubAdmin: false } },
      media: 'taxii',
      success: { status: 200, description: 'the status resource', schema: statusResourceSchema },
    }),
    taxiiCollections: route({
      service: 'taxii',
      method: 'get',
      path: `${TAXII}/:root/collections/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'Collections of an API root, with can_read/can_write for the caller',
      access: { who: 'principal' },
      media: 'taxii',
      success: { status: 200, description: 'the collections', schema: collectionsSchema },
    }),
    taxiiCollection: route({
      service: 'taxii',
      method: 'get',
      path: `${COLLECTION}/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'One collection',
      access: { who: 'principal' },
      media: 'taxii',
      success: { status: 200, description: 'the collection', schema: collectionSchema },
    }),
    taxiiManifest: route({
      service: 'taxii',
      method: 'get',
      path: `${COLLECTION}/manifest/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'Manifest of the objects the caller may see',
      access: { who: 'principal', scope: 'read' },
      media: 'manifest',
      query: taxiiQuerySchema,
      success: { status: 200, description: 'a manifest page', schema: manifestSchema },
    }),
    taxiiGetObjects: route({
      service: 'taxii',
      method: 'get',
      path: `${COLLECTION}/objects/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'Objects of a collection, each released to the caller by the distribution policy',
      access: { who: 'principal', scope: 'read' },
      media: 'taxii',
      query: taxiiQuerySchema,
      success: { status: 200, description: 'an envelope', schema: envelopePageSchema },
    }),
    taxiiAddObjects: route({
      service: 'taxii',
      method: 'post',
      path: `${COLLECTION}/objects/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'Add objects (an envelope) to a collection',
      access: { who: 'principal', scope: 'submit' },
      media: 'taxii',
      body: envelopeSchema,
      success: { status: 202, description: 'the status resource', schema: statusResourceSchema },
    }),
    taxiiGetObject: route({
      service: 'taxii',
      method: 'get',
      path: `${COLLECTION}/objects/:objectId/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'One object (its versions the caller may see)',
      access: { who: 'principal', scope: 'read' },
      media: 'taxii',
      query: taxiiQuerySchema,
      success: { status: 200, description: 'an envelope', schema: envelopePageSchema },
    }),
    taxiiDeleteObject: route({
      service: 'taxii',
      method: 'delete',
      path: `${COLLECTION}/objects/:objectId/`,
      base: TAXII,
      tag: 'taxii',
      summary:
        'Take an object back (ADR 0028): stores a revoked version (a retraction), nothing is erased. Its submitting organisation or hub administrators',
      access: {
        who: 'principal',
        scope: ['read', 'submit'],
        resource: { owner: 'submitter', hubAdmin: true, othersWhoSeeIt: 'forbidden' },
      },
      media: 'taxii',
      query: taxiiQuerySchema,
      success: { status: 200, description: 'retracted (or retracted before)' },
    }),
    taxiiVersions: route({
      service: 'taxii',
      method: 'get',
      path: `${COLLECTION}/objects/:objectId/versions/`,
      base: TAXII,
      tag: 'taxii',
      summary: 'Versions of an object the caller may see',
      access: { who: 'principal', scope: 'read' },
      media: 'taxii',
      query: taxiiQuerySchema,
      success: { status: 200, description: 'the versions', schema: versionsSchema },
    }),
    // dispatcher
    ackAlert: route({
      service: 'dispatcher',
      method: 'post',
      path: '/api/v1/alerts/:alertId/ack',
      tag: 'delivery',
      summary: "Acknowledge one of the caller's organisation's alerts",
      access: { who: 'principal', resource: { owner: 'recipient', hubAdmin: false } },
      media: 'json',
      success: { status: 200, description: 'the acknowledged delivery', schema: ackSchema },
    }),
    listAcks: route({
      service: 'dispatcher',
      method: 'get',
      path: '/api/v1/acks',
      tag: 'delivery',
      summary: 'Acknowledgements, and with all=true unacknowledged deliveries (hub administrators)',
      access: { who: 'hub-admin' },
      media: 'json',
      query: acksQuerySchema,
      success: { status: 200, description: 'acknowledgements, newest first', schema: acksSchema },
    }),
    listDeadLetters: route({
      service: 'dispatcher',
      method: 'get',
      path: '/api/v1/dead-letters',
      tag: 'delivery',
      summary: 'Deliveries that failed for good (hub administrators)',
      access: { who: 'hub-admin' },
      media: 'json',
      query: limitQuerySchema,
      success: { status: 200, description: 'dead letters', schema: deadLettersSchema },
    }),
    retryDeadLetter: route({
      service: 'dispatcher',
      method: 'post',
      path: '/api/v1/dead-letters/:jobId/retry',
      tag: 'delivery',
      summary: 'Retry a dead delivery (hub administrators)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 202, description: 're-queued', schema: retrySchema },
    }),
    dropDeadLetter: route({
      service: 'dispatcher',
      method: 'delete',
      path: '/api/v1/dead-letters/:jobId',
      tag: 'delivery',
      summary: 'Give up on a dead delivery: kept as dropped, never sent, audited (hub administrators)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 204, description: 'dropped' },
    }),
    // dispatcher: the analyst approval queue of block-list promotion (ADR 0030 §2)
    listBlocklistApprovals: route({
      service: 'dispatcher',
      method: 'get',
      path: '/api/v1/blocklist/pending',
      tag: 'delivery',
      summary:
        'Indicator versions held for analyst approval before they reach block lists, oldest first (hub administrators and hub analysts); ?state= pending (default), approved, rejected, withdrawn or all',
      access: { who: 'hub-analyst' },
      media: 'json',
      query: approvalsQuerySchema,
      success: { status: 200, description: 'a page of the queue', schema: approvalsPageSchema },
    }),
    approveBlocklistEntry: route({
      service: 'dispatcher',
      method: 'post',
      path: '/api/v1/blocklist/pending/:approvalId/approve',
      tag: 'delivery',
      summary:
        'Approve a held indicator version: its add entries are pushed once to the organisations that got it over MQTT (hub administrators and hub analysts); audited with the analyst and reason',
      access: { who: 'hub-analyst' },
      media: 'json',
      body: approvalDecisionSchema,
      success: { status: 200, description: 'the entry, approved', schema: approvalSchema },
      conflict: 'the entry is no longer pending (approved, rejected or withdrawn before): nothing changed',
    }),
    rejectBlocklistEntry: route({
      service: 'dispatcher',
      method: 'post',
      path: '/api/v1/blocklist/pending/:approvalId/reject',
      tag: 'delivery',
      summary:
        'Reject a held indicator version: it never reaches a block list (it stays shared as intelligence); audited with the analyst and reason',
      access: { who: 'hub-analyst' },
      media: 'json',
      body: approvalDecisionSchema,
      success: { status: 200, description: 'the entry, rejected', schema: approvalSchema },
      conflict: 'the entry is no longer pending (approved, rejected or withdrawn before): nothing changed',
    }),
    listMqttSessions: route({
      service: 'dispatcher',
      method: 'get',
      path: '/api/v1/admin/mqtt-sessions',
      tag: 'delivery',
      summary:
        "The embedded broker's persistent sessions: queue, drops, expiry (hub administrators; an org admin sees its own organisation's)",
      access: { who: 'org-admin' },
      media: 'json',
      query: mqttSessionQuerySchema,
      success: { status: 200, description: 'sessions', schema: mqttSessionsSchema },
    }),
    dropMqttSession: route({
      service: 'dispatcher',
      method: 'delete',
      path: '/api/v1/admin/mqtt-sessions/:clientId',
      tag: 'delivery',
      summary:
        "End a persistent session: its connection closed, its subscriptions and queue dropped, audited (org=its organisation, default the caller's)",
      access: { who: 'org-admin' },
      media: 'json',
      query: mqttSessionQuerySchema,
      success: { status: 204, description: 'dropped' },
    }),
    // feeds: partner hubs pushed to (ADR 0042)
    createPartner: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/partners',
      tag: 'partners',
      summary:
        "Add a partner hub to push to: its TAXII 2.1 API root and collection, the hub's credential there (never echoed), the agreement (TLP levels that may leave: never RED; AMBER+STRICT only to a partner of the submitter's sector), its sector, the collections and filters published",
      access: { who: 'hub-admin' },
      media: 'json',
      body: partner.create,
      success: { status: 201, description: 'the partner (without its secret)', schema: partner.partner },
      conflict: 'a partner with this id exists',
    }),
    listPartners: route({
      service: 'feeds',
      method: 'get',
      path: '/api/v1/partners',
      tag: 'partners',
      summary: 'List the partner hubs, by id, each with its push status',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the partners', schema: { type: 'array', items: partner.status } },
    }),
    getPartner: route({
      service: 'feeds',
      method: 'get',
      path: '/api/v1/partners/:partnerId',
      tag: 'partners',
      summary:
        'Show a partner hub and its push status: cursors, backlog, versions sent, kept home by the agreement, filtered, refused by the partner, pending there, the last status resource and error, the next attempt',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the partner and its push status', schema: partner.status },
    }),
    pausePartner: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/partners/:partnerId/pause',
      tag: 'partners',
      summary: 'Pause pushing to a partner (its cursor waits; nothing is skipped)',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the partner and its push status', schema: partner.status },
    }),
    resumePartner: route({
      service: 'feeds',
      method: 'post',
      path: '/api/v1/partners/:partnerId/resume',
      tag: 'partners',
      summary: 'Resume pushing to a partner, from its cursor',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 200, description: 'the partner and its push status', schema: partner.status },
    }),
    removePartner: route({
      service: 'feeds',
      method: 'delete',
      path: '/api/v1/partners/:partnerId',
      tag: 'partners',
      summary: 'Remove a partner hub, its credential and its push status',
      access: { who: 'hub-admin' },
      media: 'json',
      success: { status: 204, description: 'removed' },
    }),
  } as const;
  return Object.fromEntries(Object.entries(table).map(([id, r]) => [id, { ...r, id }])) as {
    readonly [K in keyof typeof table]: (typeof table)[K] & { readonly id: K };
  };
}

export type ApiRoutes = ReturnType<typeof apiRoutes>;
export type RouteId = keyof ApiRoutes;
