import { sha1 as nobleSha1 } from '@noble/hashes/legacy';
import { bytesToHex } from '@noble/hashes/utils';

const utf8 = new TextEncoder();

/** SHA-1 of `prefix` then `text` (UTF-8) as hex, in the console's page (no node:crypto there): @noble/hashes. */
export function sha1Hex(prefix: Uint8Array, text: string): string {
  return bytesToHex(nobleSha1.create().update(prefix).update(utf8.encode(text)).digest());
}
