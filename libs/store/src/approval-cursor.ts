import { ValidationError } from '@isac/kernel';

/** The `next` of an approval-queue page: the last entry's (created, id), base64url. */
export function encodeApprovalCursor(a: { readonly createdAt: string; readonly id: string }): string {
  return Buffer.from(JSON.stringify([a.createdAt, a.id])).toString('base64url');
}

export function decodeApprovalCursor(
  next: string | undefined,
): { createdAt: string; id: string } | undefined {
  if (next === undefined || next === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(next, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { createdAt: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new ValidationError('next is not a page cursor of this list', [
    { path: '/next', message: 'not a cursor this list returned' },
  ]);
}
