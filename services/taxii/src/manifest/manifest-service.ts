import type { Principal } from '@isac/kernel';
import type { ObjectStore } from '@isac/store';
import type { TaxiiQuery } from '../shared/taxii-http.js';
import { STIX_MEDIA_TYPE } from '../shared/taxii-http.js';
import type { CollectionView } from '../shared/catalog.js';
import { pageMeta, visiblePage, type PageMeta, type ViewerFactory } from '../shared/viewer.js';

export interface ManifestRecord {
  readonly id: string;
  readonly date_added: string;
  readonly version: string;
  readonly media_type: string;
}

export interface ManifestPage extends PageMeta {
  readonly records: readonly ManifestRecord[];
}

/** The manifest lists only what the reader may see: a hidden object is not even a record. */
export class ManifestService {
  constructor(private readonly deps: { objects: ObjectStore; viewers: ViewerFactory }) {}

  async list(principal: Principal, c: CollectionView, q: TaxiiQuery): Promise<ManifestPage> {
    const viewer = await this.deps.viewers.forPrincipal(principal, c.exercise);
    const page = await visiblePage(
      this.deps.objects,
      c.storedId,
      q,
      (v): ManifestRecord | undefined =>
        viewer.visible(v)
          ? {
              id: typeof v.object['id'] === 'string' ? v.object['id'] : v.id,
              date_added: v.dateAdded,
              version: v.version,
              media_type: STIX_MEDIA_TYPE,
            }
          : undefined,
      (v) => viewer.visible(v),
    );
    return { records: page.items.map((i) => i.out), ...pageMeta(page) };
  }
}
