/**
 * A binary min-heap of (key, value) pairs on typed arrays: the allocator's event queue. Among equal keys the
 * pop order follows from this exact algorithm and from every push, stale entries included; the allocator's
 * results depend on it (which of several constraints full at the same level is named), so a different
 * heap, or fewer pushes, would change them.
 */
import { grown } from './typed-array.ts';

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
      this.set(i, parentKey, values[parent]!, auxes[parent]!);
      i = parent;
    }
    this.set(i, key, value, aux);
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
      this.set(i, childKey, values[child]!, auxes[child]!);
      i = child;
    }
    this.set(i, key, value, aux);
  }

  clear(): void {
    this.n = 0;
  }

  /** Puts an entry at slot i (sift up and down move entries with it). */
  private set(i: number, key: number, value: number, aux: number): void {
    this.keys[i] = key;
    this.values[i] = value;
    this.aux[i] = aux;
  }

  private grow(): void {
    const size = this.keys.length * 2;
    this.keys = grown(this.keys, size);
    this.values = grown(this.values, size);
    this.aux = grown(this.aux, size);
  }
}
