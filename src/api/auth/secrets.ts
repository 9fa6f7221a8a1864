/** Random secrets (session ids, API tokens) and the hash under which they are stored. */
import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url, with an optional prefix (API tokens: `fbx_`). */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** SHA-256 hex: secrets have 256 bits of entropy, so a fast hash is enough (unlike passwords). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
