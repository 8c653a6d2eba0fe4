/**
 * The port through which pulled objects enter the hub (ADR 0041): the members' ingest pipeline of
 * services/taxii (validation, provenance, effective TLP, versioning and duplicates, one atomic
 * accept() with the distribution job), which `services/hub` passes in. There is no second one.
 */
export interface FeedImport {
  readonly feedId: string;
  /** The partner organisation (tier `partner`): the submitter of every imported object. */
  readonly orgId: string;
  /** The hub collection the objects are stored in. */
  readonly collectionId: string;
  /** The feed's named recipients (org ids): RED objects are kept only when there are some. */
  readonly namedRecipients: readonly string[];
  readonly objects: readonly unknown[];
}

export interface FeedImportRefusal {
  /** Position in `objects`. */
  readonly index: number;
  readonly id?: string | undefined;
  readonly message: string;
}

export interface FeedImportResult {
  /** Versions stored by this import (durable when the promise resolves). */
  readonly stored: number;
  /** Versions the hub already held (this feed's earlier pages, or another source). */
  readonly duplicates: number;
  readonly refused: readonly FeedImportRefusal[];
}

export interface FeedIngest {
  importObjects(req: FeedImport): Promise<FeedImportResult>;
}
