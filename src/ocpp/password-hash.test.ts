import { describe, expect, it } from 'vitest';
import {
  hashStationPassword,
  isPasswordHash,
  PasswordHashFormatError,
  verifyStationPassword,
} from './password-hash.ts';

const cheap = { log2N: 10, r: 8, p: 1 };

describe('station password hashes', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashStationPassword('0123456789abcdef', cheap);
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$[^$]+\$[^$]+$/);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyStationPassword(Buffer.from('0123456789abcdef'), hash)).toBe(true);
    expect(await verifyStationPassword(Buffer.from('0123456789abcdeF'), hash)).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashStationPassword('pw', cheap)).not.toBe(await hashStationPassword('pw', cheap));
  });

  it('uses the default memory-hard cost', async () => {
    expect(await hashStationPassword('pw')).toMatch(/^scrypt\$14\$8\$1\$/);
  });

  it('rejects a malformed stored hash with a typed error', async () => {
    expect(isPasswordHash('plain-text-password')).toBe(false);
    await expect(verifyStationPassword(Buffer.from('x'), 'scrypt$99$8$1$a$b')).rejects.toBeInstanceOf(
      PasswordHashFormatError,
    );
  });
});
