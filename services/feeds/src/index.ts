export { composeFeeds, type Feeds, type FeedsDeps } from './compose.js';
export { feedsConfigSchema, DEFAULT_FEEDS_CONFIG, type FeedsConfig } from './config.js';
export type { FeedIngest, FeedImport, FeedImportResult, FeedImportRefusal } from './feed-ingest.js';
export {
  FeedSourceError,
  type FeedAuth,
  type FeedPage,
  type FeedSource,
  type FeedSourceFactory,
  type FeedSourceSpec,
} from './source.js';
export { FeedSecrets } from './secrets.js';
export type { SourceCollection, PartnerStatus, PartnerView } from './push/partners-service.js';
export { TaxiiPushClient, PushError, type PushTarget, type TaxiiStatus } from './push/taxii-push-client.js';
