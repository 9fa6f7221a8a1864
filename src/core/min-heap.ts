/**
 * A binary min-heap of (key, value) pairs on typed arrays: the allocator's event queue. Among equal keys the
 * pop order follows from this exact algorithm and from every push, stale entries included; the allocator's
 * results depend on it (which of several constraints full at the same level is named), so a different
 * heap, or fewer pushes, would change them.
 */
export class MinHeap {
  private keys: Float64Array;
  private values: Int32Array;
  private aux: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity);
    this.aux = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Adds `value` (with an `aux` tag, e.g. a version) under `key`. */
  push(key: number, value: number, aux: number): void {
    if (this.n === this.keys.length) this.grow();
    const { keys, values, aux: auxes } = this;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentKey = keys[parent]!;
      if (parentKey <= key) break;
      keys[i] = parentKey;
      values[i] = values[parent]!;
      auxes[i] = auxes[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
    auxes[i] = aux;
  }

  peekKey(): number {
    return this.n > 0 ? this.keys[0]! : Infinity;
  }

  peekValue(): number {
    return this.values[0]!;
  }

  peekAux(): number {
    return this.aux[0]!;
  }

  pop(): void {
    const last = --this.n;
    if (last <= 0) return;
    const { keys, values, aux: auxes } = this;
    const key = keys[last]!;
    const value = values[last]!;
    const aux = auxes[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      let childKey = keys[child]!;
      if (child + 1 < last && keys[child + 1]! < childKey) childKey = keys[++child]!;
      if (childKey >= key) break;
      keys[i] = childKey;
      values[i] = values[child]!;
      auxes[i] = auxes[child]!;
      i = child;
    }
    keys[i] = key;
    values[i] = value;
    auxes[i] = aux;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const size = this.keys.length * 2;
    const keys = new Float64Array(size);
    const values = new Int32Array(size);
    const aux = new Int32Array(size);
    keys.set(this.keys);
    values.set(this.values);
    aux.set(this.aux);
    this.keys = keys;
    this.values = values;
    this.aux = aux;
  }
}
