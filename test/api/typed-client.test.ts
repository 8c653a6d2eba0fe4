/**
 * The typed API client (libs/api) against the real one-process hub over HTTP: each answer is also
 * checked against the route's documented response schema, so the types the client derives from
 * that schema describe what the hub really sends. Errors arrive as ApiError with the REST or TAXII
 * error body.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { silentLogger } from '@isac/kernel';
import { hubIdentity } from '@isac/stix';
import { ApiError, apiRoutes, createApiClient, type ApiClient, type RouteId } from '@isac/api';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../support/hub-process.js';
import { isac } from '../support/cli.js';

const ADMIN_PASSWORD = 'client-admin-password-123';
const HUB_NAME = 'Client Test ISAC';

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const ROUTES = apiRoutes({ sectors: [] });

/** The answer satisfies the response schema the route documents (and the client's type derives from). */
function documented(id: RouteId, answer: unknown): void {
  const schema = (ROUTES[id].success as { schema?: object }).schema;
  expect(schema, `${id} documents its answer`).to.be.an('object');
  const validate = ajv.compile(schema!);
  expect(validate(answer), `${id}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('the call succeeded');
}

describe('the typed API client against the hub', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let base: string;
  let admin: ApiClient;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-client-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: ADMIN_PASSWORD },
        hub: { name: HUB_NAME },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    base = `http://127.0.0.1:${hub.httpPort}`;
  });

  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, and answers a wrong password with an ApiError carrying the REST error body', async () => {
    const anonymous = createApiClient({ baseUrl: base });
    const token = await anonymous.login({ body: { username: 'admin', password: ADMIN_PASSWORD } });
    documented('login', token);
    expect(token).to.include({ orgId: 'hub' });
    expect(token.roles).to.include('hub-admin');
    admin = createApiClient({ baseUrl: base, credential: token.token });

    const err = await rejection(
      anonymous.login({ body: { username: 'admin', password: 'not-the-password' } }),
    );
    expect(err).to.include({ route: 'login', status: 401, code: 'unauthenticated' });
    expect(err.message).to.be.a('string').and.not.equal('');
    expect(err.errorId).to.be.a('string');
  });

  it('admits and lists organisations; a bad field comes back as validation details', async () => {
    const created = await admin.createOrg({
      body: { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' },
    });
    documented('createOrg', created);
    expect(created).to.include({ id: 'bank-a', tier: 'full', status: 'active' });
    await admin.createOrg({ body: { id: 'telco-b', name: 'Telco B', sector: 'telecom', tier: 'full' } });

    const orgs = await admin.listOrgs();
    documented('listOrgs', orgs);
    expect(orgs.map((o) => o.id)).to.include.members(['hub', 'bank-a', 'telco-b']);

    const err = await rejection(
      admin.createOrg({ body: { id: 'Bad Id!', name: 'X', sector: 'finance', tier: 'full' } }),
    );
    expect(err).to.include({ route: 'createOrg', status: 400, code: 'validation_failed' });
    expect(err.details.map((d) => d.path)).to.include('/id');

    const missing = await rejection(admin.getOrg({ params: { orgId: 'no-such-org' } }));
    expect(missing).to.include({ status: 404, code: 'not_found' });
  });

  it("reads the hub's name, organisation and STIX identity: the created_by_ref recipients see", async () => {
    const info = await admin.hubInfo();
    documented('hubInfo', info);
    expect(info).to.include({ name: HUB_NAME, orgId: 'hub' });
    expect(info.identity.id).to.equal(hubIdentity(HUB_NAME).id);

    // an anonymous submission by bank-a, read over TAXII by telco-b, is created by the hub's identity
    const bankKey = await admin.createKey({
      params: { orgId: 'bank-a' },
      body: { scopes: ['submit', 'read'] },
    });
    const telcoKey = await admin.createKey({ params: { orgId: 'telco-b' }, body: { scopes: ['read'] } });
    const bank = createApiClient({ baseUrl: base, credential: bankKey.key });
    const telco = createApiClient({ baseUrl: base, credential: telcoKey.key });
    const status = await bank.submitIndicator({
      body: { kind: 'domain', value: 'client-test.example', tlp: 'green' },
    });
    documented('submitIndicator', status);
    const indicatorId = status.successes?.find((s) => s.id.startsWith('indicator--'))?.id;
    expect(indicatorId, 'the indicator was accepted').to.be.a('string');

    const page = await telco.taxiiGetObject({
      params: { root: 'isac', collectionId: DEFAULT_COLLECTION_ID, objectId: indicatorId! },
    });
    documented('taxiiGetObject', page);
    const received = (page as { objects?: { created_by_ref?: string }[] }).objects?.[0];
    expect(received?.created_by_ref).to.equal(info.identity.id);

    // and with the CLI: `isac hub`
    const cli = await isac(['--url', base, 'hub'], { ISAC_API_KEY: telcoKey.key });
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.contain(HUB_NAME).and.contain(info.identity.id).and.contain('created_by_ref');
  });

  it('turns the TAXII error resource into the same ApiError', async () => {
    const err = await rejection(
      admin.taxiiCollection({ params: { root: 'isac', collectionId: 'no-such-collection' } }),
    );
    expect(err).to.include({ route: 'taxiiCollection', status: 404, code: 'not_found' });
    expect(err.message).to.be.a('string').and.not.equal('');
    expect(err.errorId).to.be.a('string');

    const anonymous = createApiClient({ baseUrl: base });
    const refused = await rejection(anonymous.taxiiDiscovery());
    expect(refused).to.include({ status: 401, code: 'unauthenticated' });
  });

  it('says so when the hub cannot be reached (status 0), and the CLI prints it', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const gone = `http://127.0.0.1:${port}`;
    const err = await rejection(createApiClient({ baseUrl: gone }).hubInfo());
    expect(err).to.include({ route: 'hubInfo', status: 0, code: 'unreachable' });
    expect(err.message).to.contain(gone);

    const cli = await isac(['--url', gone, 'hub'], { ISAC_API_KEY: 'isac_x' });
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.contain('cannot reach the hub');
  });
});
