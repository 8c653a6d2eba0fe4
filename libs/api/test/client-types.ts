/**
 * Type-level tests of the typed API client: this file is checked by `npm run typecheck` (tsc) and
 * never run. Each `@ts-expect-error` must stay an error, and each `Equal` must hold: when a route's
 * schema and the client drift apart, the typecheck fails.
 */
import type { JSONSchema } from 'json-schema-to-ts';
import type {
  ApiClient,
  ApiError,
  ApiErrorCode,
  ApiRoutes,
  Documented,
  HubInfo,
  RouteAnswer,
  RouteBody,
  RouteParams,
  RouteId,
} from '../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const holds = <T extends true>(): T => true as T;

// Every schema of every route is one FromSchema can read (a widened `type: string` would make the
// route's types `never` without a word).
type Unreadable<Part extends 'body' | 'query'> = {
  [K in RouteId]: ApiRoutes[K] extends { readonly [P in Part]: infer S }
    ? S extends JSONSchema
      ? never
      : K
    : never;
}[RouteId];
type UnreadableAnswer = {
  [K in RouteId]: ApiRoutes[K] extends { readonly success: { readonly schema: infer S } }
    ? S extends JSONSchema
      ? never
      : K
    : never;
}[RouteId];
holds<Equal<Unreadable<'body'>, never>>();
holds<Equal<Unreadable<'query'>, never>>();
holds<Equal<UnreadableAnswer, never>>();

// Path parameters come from the route's path.
holds<Equal<RouteParams<ApiRoutes['updateUser']>, { readonly orgId: string; readonly userId: string }>>();
holds<
  Equal<
    RouteParams<ApiRoutes['taxiiGetObject']>,
    { readonly root: string; readonly collectionId: string; readonly objectId: string }
  >
>();

// The hub's identity: the answer type is the schema's type.
holds<Equal<RouteAnswer<ApiRoutes['hubInfo']>, Documented<HubInfo>>>();
holds<Equal<RouteAnswer<ApiRoutes['deleteUser']>, undefined>>();
holds<Equal<ApiError['code'], ApiErrorCode>>();

export async function calls(api: ApiClient): Promise<void> {
  const hub = await api.hubInfo();
  holds<Equal<typeof hub.identity.id, string>>();
  holds<Equal<typeof hub.identity.type, 'identity'>>();
  // @ts-expect-error the hub answer has no `created_by_ref`: its identity's id is what recipients see
  void hub.created_by_ref;

  const orgs = await api.listOrgs();
  holds<Equal<(typeof orgs)[number]['tier'], 'full' | 'trial' | 'partner' | 'government'>>();
  // @ts-expect-error an organisation has no `email` field (contacts)
  void orgs[0]?.email;

  const _token = await api.login({ body: { username: 'admin', password: 'secret' } });
  holds<Equal<typeof _token.expiresIn, number>>();
  // @ts-expect-error login takes a username, not a user
  await api.login({ body: { user: 'admin', password: 'secret' } });
  // @ts-expect-error login needs a body
  await api.login();

  // @ts-expect-error getOrg needs its path parameter
  await api.getOrg();
  // @ts-expect-error path parameters are named as in the path
  await api.getOrg({ params: { org: 'bank-a' } });
  await api.getOrg({ params: { orgId: 'bank-a' } });

  const body: RouteBody<ApiRoutes['updateOrg']> = { status: 'suspended' };
  // @ts-expect-error an organisation's status is active or suspended
  const wrong: RouteBody<ApiRoutes['updateOrg']> = { status: 'paused' };
  void wrong;
  await api.updateOrg({ params: { orgId: 'bank-a' }, body });

  // defaulted fields of a body may be left out (the hub fills them in)
  await api.createSubscription({
    params: { orgId: 'bank-a' },
    body: { channel: 'email', email: { to: ['soc@example.jp'] } },
  });

  const _audit = await api.listAudit({ query: { limit: '10' } });
  // @ts-expect-error query values are strings, as in a URL
  await api.listAudit({ query: { limit: 10 } });
  holds<Equal<(typeof _audit)[number]['outcome'], 'ok' | 'denied' | 'failed'>>();

  const _report = await api.participation();
  holds<Equal<(typeof _report.bySector)[string], { orgs: number; submitting: number; receiving: number }>>();
}
