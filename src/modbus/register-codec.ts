/** Decoding and encoding of typed values to and from 16-bit Modbus registers, in any word and byte order. */
import type { RegisterOrder, RegisterType } from './register-types.ts';
import { wordCount } from './register-types.ts';

/** The registers do not hold a value of the declared type (wrong count, a word outside 0..65535). */
export class RegisterCodecError extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
    this.name = 'RegisterCodecError';
  }
}

/** Bytes of the value, most significant first, from registers as they came off the wire. */
function toBigEndianBytes(words: readonly number[], order: RegisterOrder): Buffer {
  const ordered = order.wordOrder === 'big' ? words : [...words].reverse();
  const buf = Buffer.alloc(ordered.length * 2);
  ordered.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > 0xffff)
      throw new RegisterCodecError(`register word ${w} is not 0..65535`, w);
    const word = order.byteOrder === 'big' ? w : ((w & 0xff) << 8) | (w >> 8);
    buf.writeUInt16BE(word, i * 2);
  });
  return buf;
}

/** Registers as they go on the wire, from the value's bytes, most significant first. */
function fromBigEndianBytes(buf: Buffer, order: RegisterOrder): number[] {
  const words: number[] = [];
  for (let i = 0; i < buf.length; i += 2) {
    const w = buf.readUInt16BE(i);
    words.push(order.byteOrder === 'big' ? w : ((w & 0xff) << 8) | (w >> 8));
  }
  return order.wordOrder === 'big' ? words : words.reverse();
}

/** The raw value of `type` held by `words` (no scaling). 64-bit integers beyond 2^53 lose precision. */
export function decodeRegisters(words: readonly number[], type: RegisterType, order: RegisterOrder): number {
  const n = wordCount(type);
  if (words.length !== n) {
    throw new RegisterCodecError(`a ${type} takes ${n} register(s), got ${words.length}`, words);
  }
  const buf = toBigEndianBytes(words, order);
  switch (type) {
    case 'u16':
      return buf.readUInt16BE(0);
    case 's16':
      return buf.readInt16BE(0);
    case 'u32':
      return buf.readUInt32BE(0);
    case 's32':
      return buf.readInt32BE(0);
    case 'f32':
      return buf.readFloatBE(0);
    case 'u64':
      return Number(buf.readBigUInt64BE(0));
    case 's64':
      return Number(buf.readBigInt64BE(0));
    case 'f64':
      return buf.readDoubleBE(0);
  }
}

/** The registers that hold `value` as `type`; integers are rounded and must fit the type. */
export function encodeRegisters(value: number, type: RegisterType, order: RegisterOrder): number[] {
  const buf = Buffer.alloc(wordCount(type) * 2);
  const int = Math.round(value);
  const fits = (min: number, max: number): void => {
    if (!(int >= min && int <= max)) throw new RegisterCodecError(`${value} does not fit a ${type}`, value);
  };
  switch (type) {
    case 'u16':
      fits(0, 0xffff);
      buf.writeUInt16BE(int);
      break;
    case 's16':
      fits(-0x8000, 0x7fff);
      buf.writeInt16BE(int);
      break;
    case 'u32':
      fits(0, 0xffffffff);
      buf.writeUInt32BE(int);
      break;
    case 's32':
      fits(-0x80000000, 0x7fffffff);
      buf.writeInt32BE(int);
      break;
    case 'f32':
      buf.writeFloatBE(value);
      break;
    case 'u64':
      fits(0, Number.MAX_SAFE_INTEGER);
      buf.writeBigUInt64BE(BigInt(int));
      break;
    case 's64':
      fits(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      buf.writeBigInt64BE(BigInt(int));
      break;
    case 'f64':
      buf.writeDoubleBE(value);
      break;
  }
  return fromBigEndianBytes(buf, order);
}
