import { expect } from 'chai';
import { systemClock, type Org } from '@isac/kernel';
import { openSqliteStores } from './sqlite/index.js';
import { OrgDirectory } from './org-directory.js';
import type { OrgStore } from './ports/membership.js';

const org = (id: string, status: Org['status'] = 'active'): Org => ({
  id,
  name: id.toUpperCase(),
  sector: 'finance',
  region: '',
  tier: 'full',
  status,
  contacts: [],
  identityId: `identity--${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** Counts the lists a directory makes. */
function counting(orgs: OrgStore): { store: OrgStore; lists: () => number } {
  let n = 0;
  return {
    store: {
      ...orgs,
      revision: () => orgs.revision(),
      list: () => {
        n += 1;
        return orgs.list();
      },
    },
    lists: () => n,
  };
}

describe(OrgDirectory.name, () => {
  it('lists organisations once while nothing changes, and again as soon as any changes', async () => {
    const stores = openSqliteStores({ path: ':memory:' }, systemClock);
    try {
      await stores.orgs.create(org('bank-a'));
      const c = counting(stores.orgs);
      const dir = new OrgDirectory({ orgs: c.store, subscriptions: stores.subscriptions });
      const first = await dir.orgs();
      expect(first.byIdentity.get('identity--bank-a')?.id).to.equal('bank-a');
      await dir.orgs();
      await dir.snapshot();
      expect(c.lists()).to.equal(1);
      await stores.orgs.update(org('bank-a', 'suspended'));
      expect((await dir.orgs()).byId.get('bank-a')?.status).to.equal('suspended');
      expect(c.lists()).to.equal(2);
    } finally {
      await stores.close();
    }
  });

  it('reads every time when not caching', async () => {
    const stores = openSqliteStores({ path: ':memory:' }, systemClock);
    try {
      const c = counting(stores.orgs);
      const dir = new OrgDirectory({ orgs: c.store, subscriptions: stores.subscriptions, cache: false });
      await dir.orgs();
      await dir.orgs();
      expect(c.lists()).to.equal(2);
    } finally {
      await stores.close();
    }
  });
});
