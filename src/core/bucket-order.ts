/**
 * Stable ordering of ids by a numeric key in O(n + d log d) for d distinct keys. The allocator's keys
 * (filling levels lo/w and hi/w, rounding losses) take few distinct values, since currents come in steps,
 * so this is several times faster than a comparator sort, which calls back into JS at every comparison.
 */
export class BucketOrder {
  /** Open-addressing hash table: slot → 1 + index of the distinct key, 0 = empty. */
  private slots = new Int32Array(16);
  private distinct = new Float64Array(8);
  private sorted = new Float64Array(8);
  private rankOfDistinct = new Int32Array(8);
  /** Per position of the input, the index of its distinct key. */
  private distinctAt = new Int32Array(8);
  private next = new Int32Array(9);
  /** Float bits for hashing. */
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);

  /**
   * Writes ids[from..to) into out[from..to) ordered by keys[id] ascending; equal keys keep their order in
   * `ids`. -0 counts as 0, as in a subtraction comparator; NaN keys (which the allocator never produces on
   * inputs it can finish) come first.
   */
  order(keys: Float64Array, ids: Int32Array, from: number, to: number, out: Int32Array): void {
    const count = to - from;
    if (count <= 0) return;
    this.reserve(count);
    const d = this.collectDistinct(keys, ids, from, to);
    this.rankDistinct(d);
    // Counting sort by rank: stable, so ties keep their input order.
    const next = this.next;
    next.fill(0, 0, d + 1);
    const rank = this.rankOfDistinct;
    const distinctAt = this.distinctAt;
    for (let p = 0; p < count; p++) next[rank[distinctAt[p]!]! + 1]!++;
    for (let r = 0; r < d; r++) next[r + 1] = next[r + 1]! + next[r]!;
    for (let p = 0; p < count; p++) out[from + next[rank[distinctAt[p]!]!]!++] = ids[from + p]!;
  }

  /** Fills distinct[0..d) with the distinct keys and distinctAt with each position's; returns d. */
  private collectDistinct(keys: Float64Array, ids: Int32Array, from: number, to: number): number {
    // At most half full, so that probes stay short; only that part of the table is cleared.
    let size = 16;
    while (size < 2 * (to - from)) size *= 2;
    const mask = size - 1;
    const slots = this.slots;
    const distinct = this.distinct;
    slots.fill(0, 0, size);
    let d = 0;
    for (let p = from; p < to; p++) {
      const key = keys[ids[p]!]! + 0; // + 0 turns -0 into 0
      let h = this.hash(key) & mask;
      for (;;) {
        const s = slots[h]!;
        if (s === 0) {
          distinct[d] = key;
          slots[h] = ++d;
          this.distinctAt[p - from] = d - 1;
          break;
        }
        if (distinct[s - 1] === key) {
          this.distinctAt[p - from] = s - 1;
          break;
        }
        h = (h + 1) & mask;
      }
    }
    return d;
  }

  /** rankOfDistinct[j] = position of distinct[j] among the sorted distinct keys. */
  private rankDistinct(d: number): void {
    const sorted = this.sorted.subarray(0, d);
    sorted.set(this.distinct.subarray(0, d));
    sorted.sort(); // native numeric sort of the few distinct keys
    for (let j = 0; j < d; j++) {
      const key = this.distinct[j]!;
      let lo = 0;
      let hi = d;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      this.rankOfDistinct[j] = lo;
    }
  }

  private hash(key: number): number {
    this.bits[0] = key;
    let h = Math.imul(this.words[0]! ^ Math.imul(this.words[1]!, 0x27d4eb2d), 0x9e3779b1);
    h ^= h >>> 15;
    return h;
  }

  private reserve(count: number): void {
    if (this.distinct.length < count) {
      const size = Math.max(count, this.distinct.length * 2);
      this.distinct = new Float64Array(size);
      this.sorted = new Float64Array(size);
      this.rankOfDistinct = new Int32Array(size);
      this.distinctAt = new Int32Array(size);
      this.next = new Int32Array(size + 1);
    }
    let slots = this.slots.length;
    while (slots < 2 * count) slots *= 2;
    if (slots !== this.slots.length) this.slots = new Int32Array(slots);
  }
}
