import { describe, expect, it } from 'vitest';
import { RegisterCodecError, decodeRegisters, encodeRegisters } from './register-codec.ts';
import type { RegisterOrder, RegisterType } from './register-types.ts';

const ABCD: RegisterOrder = { wordOrder: 'big', byteOrder: 'big' };
const CDAB: RegisterOrder = { wordOrder: 'little', byteOrder: 'big' };
const BADC: RegisterOrder = { wordOrder: 'big', byteOrder: 'little' };
const DCBA: RegisterOrder = { wordOrder: 'little', byteOrder: 'little' };

describe('register codec', () => {
  // 230.5 as IEEE 754 float32 is 0x43668000.
  it.each([
    ['ABCD', ABCD, [0x4366, 0x8000]],
    ['CDAB', CDAB, [0x8000, 0x4366]],
    ['BADC', BADC, [0x6643, 0x0080]],
    ['DCBA', DCBA, [0x0080, 0x6643]],
  ] as const)('decodes and encodes an f32 in %s order', (_name, order, words) => {
    expect(decodeRegisters(words, 'f32', order)).toBe(230.5);
    expect(encodeRegisters(230.5, 'f32', order)).toEqual(words);
  });

  it.each<[RegisterType, number[], number]>([
    ['u16', [0xffff], 65535],
    ['s16', [0xffff], -1],
    ['s16', [0x8000], -32768],
    ['u32', [0x0001, 0x0000], 65536],
    ['s32', [0xfffe, 0x1dc0], -123456],
    ['u64', [0x0000, 0x0002, 0x4cb0, 0x16ea], 9876543210],
    ['s64', [0xffff, 0xffff, 0xffff, 0xfc18], -1000],
    ['f64', [0xc01d, 0x0000, 0x0000, 0x0000], -7.25],
  ])('decodes a %s from %j', (type, words, value) => {
    expect(decodeRegisters(words, type, ABCD)).toBe(value);
    expect(encodeRegisters(value, type, ABCD)).toEqual(words);
  });

  it('rejects a wrong register count and values that do not fit, with the offending value', () => {
    expect(() => decodeRegisters([1], 'u32', ABCD)).toThrow(RegisterCodecError);
    expect(() => decodeRegisters([70000], 'u16', ABCD)).toThrow(/70000/);
    expect(() => encodeRegisters(-1, 'u16', ABCD)).toThrow(/-1 does not fit a u16/);
  });
});
