/** A binary min-heap of (key, value) pairs on typed arrays: the allocator's event queue. */
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
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.keys[i] = this.keys[parent]!;
      this.values[i] = this.values[parent]!;
      this.aux[i] = this.aux[parent]!;
      i = parent;
    }
    this.keys[i] = key;
    this.values[i] = value;
    this.aux[i] = aux;
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
    const key = this.keys[last]!;
    const value = this.values[last]!;
    const aux = this.aux[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.values[i] = this.values[child]!;
      this.aux[i] = this.aux[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.values[i] = value;
    this.aux[i] = aux;
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
