import type { OrgId } from '@isac/kernel';

export interface NewAuditRecord {
  readonly at: string;
  readonly actor: {
    readonly orgId?: OrgId | undefined;
    readonly userId?: string | undefined;
    readonly keyId?: string | undefined;
    readonly system?: boolean | undefined;
  };
  /** Dotted verb, e.g. `org.create`, `object.submit`, `object.release`, `key.revoke`. */
  readonly action: string;
  readonly target: { readonly kind: string; readonly id: string; readonly orgId?: OrgId | undefined };
  readonly outcome: 'ok' | 'denied' | 'failed';
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

export interface AuditRecord extends NewAuditRecord {
  /** Strictly increasing sequence number. */
  readonly seq: number;
}

/** Append-only: there is no update or delete. */
export interface AuditLog {
  append(records: readonly NewAuditRecord[]): Promise<void>;
  list(q: {
    orgId?: OrgId | undefined;
    action?: string | undefined;
    since?: string | undefined;
    afterSeq?: number | undefined;
    limit: number;
  }): Promise<AuditRecord[]>;
}
