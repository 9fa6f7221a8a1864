/**
 * Login rate limiting: after `maxFailures` failed logins for one username from one IP within `windowMs`,
 * further attempts are refused until the oldest failure leaves the window. A success clears the count.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Ms until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfterMs(username: string, ip: string, nowMs: number): number {
    const times = this.recent(`${username.toLowerCase()}\n${ip}`, nowMs);
    return times.length < this.maxFailures ? 0 : times[0]! + this.windowMs - nowMs;
  }

  fail(username: string, ip: string, nowMs: number): void {
    const key = `${username.toLowerCase()}\n${ip}`;
    this.failures.set(key, [...this.recent(key, nowMs), nowMs]);
    // Bound memory under a spray of usernames: forget the oldest keys.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(username: string, ip: string): void {
    this.failures.delete(`${username.toLowerCase()}\n${ip}`);
  }

  private recent(key: string, nowMs: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
  }
}
