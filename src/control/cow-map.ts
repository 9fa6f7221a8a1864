/**
 * A map whose copy costs what changed, not its size: the control state (plan-state.ts) is immutable, and each
 * run works on a copy of its per-port structures (limit history, car observations), 2,000 ports at a time.
 * A copy shares a `base` that nobody changes and copies only the `delta` of changes made since it; once the
 * delta grows past an eighth of the base, a copy folds it in (one full copy every so many runs).
 */
const GONE: unique symbol = Symbol('deleted');

export class CowMap<K, V> {
  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly delta: Map<K, V | typeof GONE>,
  ) {}

  static empty<K, V>(): CowMap<K, V> {
    return new CowMap<K, V>(new Map(), new Map());
  }

  /** A copy to change, this one left as it is. */
  clone(): CowMap<K, V> {
    if (this.delta.size > 32 && this.delta.size > this.base.size / 8)
      return new CowMap<K, V>(new Map(this.entries()), new Map());
    return new CowMap<K, V>(this.base, new Map(this.delta));
  }

  get(key: K): V | undefined {
    const d = this.delta.get(key);
    if (d !== undefined) return d === GONE ? undefined : d;
    return this.base.get(key);
  }

  has(key: K): boolean {
    const d = this.delta.get(key);
    if (d !== undefined) return d !== GONE;
    return this.base.has(key);
  }

  set(key: K, value: V): void {
    this.delta.set(key, value);
  }

  delete(key: K): void {
    if (this.base.has(key)) this.delta.set(key, GONE);
    else this.delta.delete(key);
  }

  /** Calls `fn` for every entry; `fn` must not change this map (collect, then change). */
  forEach(fn: (value: V, key: K) => void): void {
    // Map.forEach, not for-of: no [key, value] array per entry (this runs over 2,000 ports per control run).
    const delta = this.delta;
    this.base.forEach((v, k) => {
      if (!delta.has(k)) fn(v, k);
    });
    delta.forEach((v, k) => {
      if (v !== GONE) fn(v, k);
    });
  }

  private entries(): [K, V][] {
    const out: [K, V][] = [];
    this.forEach((v, k) => out.push([k, v]));
    return out;
  }
}
