import type { Principal } from '@isac/kernel';
import type { CollectionConfig } from '../config.js';
import type { Catalog } from '../shared/catalog.js';
import { STIX_MEDIA_TYPE } from '../shared/taxii-http.js';

export interface CollectionResource {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly alias?: string;
  readonly can_read: boolean;
  readonly can_write: boolean;
  readonly media_types: readonly string[];
}

/** Collections come from configuration; can_read/can_write are evaluated for the caller. */
export class CollectionsService {
  constructor(private readonly deps: { catalog: Catalog }) {}

  async list(principal: Principal, root: string): Promise<{ collections?: CollectionResource[] }> {
    const cs = (await this.deps.catalog.listFor(principal, root)).map((c) => this.resource(principal, c));
    return cs.length > 0 ? { collections: cs } : {};
  }

  async get(principal: Principal, root: string, id: string): Promise<CollectionResource> {
    return this.resource(principal, await this.deps.catalog.forPrincipal(principal, root, id));
  }

  private resource(p: Principal, c: CollectionConfig): CollectionResource {
    return {
      id: c.id,
      title: c.title,
      ...(c.description !== undefined ? { description: c.description } : {}),
      ...(c.alias !== undefined ? { alias: c.alias } : {}),
      can_read: this.deps.catalog.canRead(p, c),
      can_write: this.deps.catalog.canWrite(p, c),
      media_types: [STIX_MEDIA_TYPE],
    };
  }
}
