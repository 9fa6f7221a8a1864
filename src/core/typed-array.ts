/** Typed-array buffers of the allocator's scratch space. */

/** A typed array of `size` elements that starts with `a`'s (growing a buffer; `size` ≥ a.length). */
export function grown<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const out = new (a.constructor as new (length: number) => T)(size);
  out.set(a);
  return out;
}
