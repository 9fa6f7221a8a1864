/**
 * A random tree of `n` circuits for property tests: circuit 0 is the root (parent -1), circuit i > 0 hangs
 * below one of circuits 0..i-1. `fields(i)` gives the generators of the rest of circuit i's record.
 */
import fc from 'fast-check';

type Generators<T> = { [K in keyof T]: fc.Arbitrary<T[K]> };

export function circuitTreeArb<T extends object>(
  n: number,
  fields: (i: number) => Generators<T>,
): fc.Arbitrary<(T & { parent: number })[]> {
  return fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        parent: fc.integer({ min: 0, max: Math.max(0, i - 1) }).map((p) => (i === 0 ? -1 : p)),
        ...fields(i),
        // The spread of a generic record is not inferred as Generators<T & { parent }>, which it is.
      } as Generators<T & { parent: number }>),
    ),
  );
}
