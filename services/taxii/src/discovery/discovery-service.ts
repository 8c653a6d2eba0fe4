import type { TaxiiConfig } from '../config.js';
import type { Catalog } from '../shared/catalog.js';
import { TAXII_MEDIA_TYPE } from '@isac/http';

/** The discovery and API root resources, from configuration. */
export class DiscoveryService {
  constructor(private readonly deps: { config: TaxiiConfig; catalog: Catalog }) {}

  discovery(): Record<string, unknown> {
    const { config } = this.deps;
    const roots = config.apiRoots.map((r) => `/taxii2/${r.name}/`);
    return {
      title: config.title,
      ...(config.description !== undefined ? { description: config.description } : {}),
      ...(config.contact !== undefined ? { contact: config.contact } : {}),
      ...(roots[0] !== undefined ? { default: roots[0] } : {}),
      api_roots: roots,
    };
  }

  apiRoot(name: string): Record<string, unknown> {
    const r = this.deps.catalog.root(name);
    return {
      title: r.title,
      ...(r.description !== undefined ? { description: r.description } : {}),
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: this.deps.config.maxContentLength,
    };
  }
}
