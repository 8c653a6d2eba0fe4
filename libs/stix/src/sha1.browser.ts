import { sha1 as nobleSha1 } from '@noble/hashes/legacy';

const utf8 = new TextEncoder();

/** SHA-1 of `prefix` then `text` (UTF-8), in the console's page (no node:crypto there): @noble/hashes. */
export function sha1(prefix: Uint8Array, text: string): Uint8Array {
  return nobleSha1.create().update(prefix).update(utf8.encode(text)).digest();
}
