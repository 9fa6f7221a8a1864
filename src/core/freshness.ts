/** How old a wall-clock stamp may be and still count (pure: time is an argument). */

/**
 * Whether a reading stamped `atMs` (wall clock) is fresh at `nowMs`: at most `maxAgeMs` old, and at most
 * `maxAheadMs` ahead. A stamp further ahead means a wall clock stepped back since it was taken (an NTP
 * step, docs/operations.md "Fault injection"): its age is unknown, so it is not fresh, or a reading that
 * stopped coming would look fresh until the wall clock caught up with it.
 */
export function isFresh(atMs: number, nowMs: number, maxAgeMs: number, maxAheadMs = maxAgeMs): boolean {
  const ageMs = nowMs - atMs;
  return ageMs <= maxAgeMs && ageMs >= -maxAheadMs;
}

/**
 * Whether a time set for later (`atMs`, wall clock, at most `withinMs` after it was set) has come at
 * `nowMs`: reached, or further ahead than it was ever set, which means the wall clock stepped back since
 * (without this, the step would delay it by its length).
 */
export function isDue(atMs: number, nowMs: number, withinMs: number): boolean {
  return nowMs >= atMs || atMs - nowMs > withinMs;
}
