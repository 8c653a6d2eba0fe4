/** A TAXII collection as the hub keeps it. Who may read or write it is the policy's business. */
export interface Collection {
  readonly id: string;
  readonly title: string;
  readonly description?: string | undefined;
  readonly alias?: string | undefined;
  readonly mediaTypes: readonly string[];
  readonly createdAt: string;
}

export interface CollectionStore {
  /** conflict when the id is taken. */
  create(c: Collection): Promise<void>;
  get(id: string): Promise<Collection | undefined>;
  list(): Promise<Collection[]>;
  /** Replaces the record; not_found when absent. */
  update(c: Collection): Promise<void>;
}
