/**
 * Station passwords (security profiles 1 and 2) stored as scrypt hashes, never in clear. The format carries
 * its cost parameters so they can be raised later without invalidating stored hashes:
 * `scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ScryptCost {
  /** log2 of the CPU/memory cost N. */
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/** 16 MiB and ~30 ms per check on a small box: slow for brute force, fast enough for a reconnect storm. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { log2N: 14, r: 8, p: 1 };

/** A stored password hash that cannot be read. */
export class PasswordHashFormatError extends Error {
  constructor(readonly value: string) {
    super(
      `not a Fusebox password hash (expected scrypt$<log2N>$<r>$<p>$<salt>$<hash>): '${value.slice(0, 20)}…'`,
    );
    this.name = 'PasswordHashFormatError';
  }
}

function derive(password: Buffer, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hash a station password for the configuration (what `fusebox hash-password` prints). */
export async function hashStationPassword(
  password: string | Buffer,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(pw, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(stored: string): ParsedHash {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PasswordHashFormatError(stored);
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  const ok = [log2N, r, p].every((n) => Number.isInteger(n) && n > 0) && log2N <= 20 && key.length > 0;
  if (!ok) throw new PasswordHashFormatError(stored);
  return { cost: { log2N, r, p }, salt, key };
}

/** True when the hash is well formed (config validation). */
export function isPasswordHash(stored: string): boolean {
  try {
    parseHash(stored);
    return true;
  } catch {
    return false;
  }
}

/** Check a presented password against a stored hash in constant time. */
export async function verifyStationPassword(password: Buffer, stored: string): Promise<boolean> {
  const { cost, salt, key } = parseHash(stored);
  const derived = await derive(password, salt, cost);
  return derived.length === key.length && timingSafeEqual(derived, key);
}
