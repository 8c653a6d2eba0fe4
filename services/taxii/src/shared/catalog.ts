import { ForbiddenError, NotFoundError, type Principal } from '@isac/kernel';
import type { ApiRootConfig, CollectionConfig, TaxiiConfig } from '../config.js';

/** A collection as reads see it (ADR 0026). */
export interface CollectionView {
  /** The collection's own id (what errors and audit records name). */
  readonly id: string;
  /** The stored collection its objects are read from. */
  readonly storedId: string;
  /** True: it serves exercise objects only; false: live objects only. */
  readonly exercise: boolean;
}

/** The API roots and collections of the configuration, and what a principal may do with each. */
export class Catalog {
  /**
   * `inExercises`: whether a principal may know the exercise collections at all (a hub
   * administrator, or an organisation taking part in some exercise: ADR 0033). Without it
   * (tests of live reads), nobody may.
   */
  constructor(
    private readonly config: TaxiiConfig,
    private readonly inExercises: (p: Principal) => Promise<boolean> = () => Promise.resolve(false),
  ) {
    for (const r of config.apiRoots)
      for (const c of r.collections) {
        if (c.exerciseOf === undefined) continue;
        const of = r.collections.find((x) => x.id === c.exerciseOf);
        if (!of || of.exerciseOf !== undefined)
          throw new Error(
            `taxii.apiRoots[${r.name}]: collection ${c.id} is the exercise collection of ${c.exerciseOf}, which is not a live collection of that API root`,
          );
        if (c.canWrite)
          throw new Error(
            `taxii.apiRoots[${r.name}]: exercise collection ${c.id} must not be writable (canWrite: false)`,
          );
      }
  }

  /** Where a collection's objects are stored and which of them it serves: live or exercise (ADR 0026). */
  static view(c: CollectionConfig): CollectionView {
    return { id: c.id, storedId: c.exerciseOf ?? c.id, exercise: c.exerciseOf !== undefined };
  }

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

  /**
   * A collection as `collection` finds it, except that an exercise collection does not exist for
   * a principal outside every exercise: not found, as for an unknown id (ADR 0033), so it is not
   * listed, read or probed by those who take part in no drill.
   */
  async forPrincipal(p: Principal, rootName: string, idOrAlias: string): Promise<CollectionConfig> {
    const c = this.collection(rootName, idOrAlias);
    if (c.exerciseOf !== undefined && !(await this.inExercises(p)))
      throw new NotFoundError(`no collection ${idOrAlias} in API root ${rootName}`);
    return c;
  }

  /** The API root's collections this principal may know of (see `forPrincipal`). */
  async listFor(p: Principal, rootName: string): Promise<CollectionConfig[]> {
    const all = this.root(rootName).collections;
    const known = all.some((c) => c.exerciseOf !== undefined) ? await this.inExercises(p) : false;
    return all.filter((c) => c.exerciseOf === undefined || known);
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
