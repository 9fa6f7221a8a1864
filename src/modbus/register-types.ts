/** Register value types and word/byte orders of a Modbus data point (docs/meters.md: device models as data). */

/** Value types a register map can declare; the number says how many bits, u/s/f unsigned, signed, IEEE float. */
export const REGISTER_TYPES = ['u16', 's16', 'u32', 's32', 'f32', 'u64', 's64', 'f64'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/** Order of the 16-bit words of a multi-word value: `big` = most significant word first (Modbus default). */
export type WordOrder = 'big' | 'little';
/** Order of the two bytes inside each 16-bit word: `big` = high byte first (Modbus default). */
export type ByteOrder = 'big' | 'little';

export interface RegisterOrder {
  readonly wordOrder: WordOrder;
  readonly byteOrder: ByteOrder;
}

/** The Modbus default: big-endian words, big-endian bytes ("ABCD"). */
export const BIG_ENDIAN: RegisterOrder = { wordOrder: 'big', byteOrder: 'big' };

/** Which table a point is read from: holding registers (FC3) or input registers (FC4). */
export type RegisterFunction = 'holding' | 'input';

/** Number of 16-bit registers a value of the type occupies. */
export function wordCount(type: RegisterType): 1 | 2 | 4 {
  if (type === 'u16' || type === 's16') return 1;
  if (type === 'u64' || type === 's64' || type === 'f64') return 4;
  return 2;
}
