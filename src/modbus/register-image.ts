/** The registers one poll read, addressable by table and address. */
import type { RegisterFunction } from './register-types.ts';

/** Register values by table and address; undefined for a register that was not read. */
export interface RegisterImage {
  get(fn: RegisterFunction, address: number): number | undefined;
}

/** A run of registers read in one request. */
export interface RegisterBlock {
  readonly function: RegisterFunction;
  readonly address: number;
  readonly values: readonly number[];
}

/** An image made of the blocks a poll read. */
export function imageOf(blocks: readonly RegisterBlock[]): RegisterImage {
  const tables: Record<RegisterFunction, Map<number, number>> = { holding: new Map(), input: new Map() };
  for (const b of blocks) b.values.forEach((v, i) => tables[b.function].set(b.address + i, v));
  return { get: (fn, address) => tables[fn].get(address) };
}
