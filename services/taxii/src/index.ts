export { composeTaxii, type TaxiiDeps } from './compose.js';
export {
  taxiiConfigSchema,
  DEFAULT_TAXII_CONFIG,
  DEFAULT_COLLECTION_ID,
  type TaxiiConfig,
  type ApiRootConfig,
  type CollectionConfig,
} from './config.js';
export { HUB_EXTENSION_ID, HUB_EXTENSION_DEFINITION } from './ingest/hub-extension.js';
export type { StatusResource } from './status/status-resource.js';
