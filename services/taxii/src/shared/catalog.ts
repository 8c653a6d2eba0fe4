import { ForbiddenError, NotFoundError, type Principal } from '@isac/kernel';
import type { ApiRootConfig, CollectionConfig, TaxiiConfig } from '../config.js';

/** The API roots and collections of the configuration, and what a principal may do with each. */
export class Catalog {
  constructor(private readonly config: TaxiiConfig) {}

  get roots(): readonly ApiRootConfig[] {
    return this.config.apiRoots;
  }

  /** Every configured collection id, across API roots. */
  get collectionIds(): string[] {
    return this.config.apiRoots.flatMap((r) => r.collections.map((c) => c.id));
  }

  root(name: string): ApiRootConfig {
    const r = this.config.apiRoots.find((x) => x.name === name);
    if (!r) throw new NotFoundError(`no API root named ${name}`);
    return r;
  }

  /** A collection by id or alias within an API root. */
  collection(rootName: string, idOrAlias: string): CollectionConfig {
    const c = this.root(rootName).collections.find(
      (x) => x.id === idOrAlias || (x.alias !== undefined && x.alias === idOrAlias),
    );
    if (!c) throw new NotFoundError(`no collection ${idOrAlias} in API root ${rootName}`);
    return c;
  }

  /** The first writable collection: where REST submissions go unless told otherwise. */
  defaultWritable(): CollectionConfig {
    for (const r of this.config.apiRoots) for (const c of r.collections) if (c.canWrite) return c;
    throw new NotFoundError('no writable collection is configured');
  }

  canRead(p: Principal, c: CollectionConfig): boolean {
    return c.canRead && p.scopes.includes('read');
  }

  canWrite(p: Principal, c: CollectionConfig): boolean {
    return c.canWrite && p.scopes.includes('submit');
  }

  requireRead(p: Principal, c: CollectionConfig): void {
    if (!this.canRead(p, c)) throw new ForbiddenError(`this credential may not read collection ${c.id}`);
  }

  requireWrite(p: Principal, c: CollectionConfig): void {
    if (!this.canWrite(p, c))
      throw new ForbiddenError(`this credential may not add objects to collection ${c.id}`);
  }
}
