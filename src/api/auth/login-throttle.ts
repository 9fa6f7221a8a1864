/**
 * Login rate limiting, on two keys: after `maxFailures` failed logins for one username from one IP within
 * `windowMs`, or `maxIpFailures` from one IP over any usernames (guessing spread over many names), further
 * attempts are refused until the oldest failure leaves the window.
 *
 * An attempt counts as a failure from the moment its password check starts (`attempt`), so logins sent
 * all at once cannot pass the check before any of them has failed; `succeed` takes it back. A success
 * clears the username's count but not the address's: one valid account must not reset it.
 */
export class LoginThrottle {
  private readonly byUser = new Map<string, number[]>();
  private readonly byIp = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly maxIpFailures = 20,
  ) {}

  /**
   * Whether an attempt may go ahead now. If so it is counted as a failure until `succeed` says otherwise;
   * if not, what refused it and the ms until the next attempt is allowed.
   */
  attempt(
    username: string,
    ip: string,
    nowMs: number,
  ): { ok: true } | { ok: false; by: 'user' | 'ip'; retryAfterMs: number } {
    const user = this.recent(this.byUser, userKey(username, ip), nowMs);
    const fromIp = this.recent(this.byIp, ip, nowMs);
    if (fromIp.length >= this.maxIpFailures)
      return { ok: false, by: 'ip', retryAfterMs: fromIp[0]! + this.windowMs - nowMs };
    if (user.length >= this.maxFailures)
      return { ok: false, by: 'user', retryAfterMs: user[0]! + this.windowMs - nowMs };
    this.put(this.byUser, userKey(username, ip), [...user, nowMs]);
    this.put(this.byIp, ip, [...fromIp, nowMs]);
    return { ok: true };
  }

  /** The attempt made at `nowMs` succeeded: clear the username's failures, take back the address's count. */
  succeed(username: string, ip: string, attemptMs: number): void {
    this.byUser.delete(userKey(username, ip));
    const times = this.byIp.get(ip);
    const i = times?.lastIndexOf(attemptMs) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
  }

  /** Sets a key as the newest (a Map keeps insertion order); bounds memory under a spray of keys. */
  private put(map: Map<string, number[]>, key: string, times: number[]): void {
    map.delete(key);
    map.set(key, times);
    if (map.size > 10_000) map.delete(map.keys().next().value!);
  }

  private recent(map: Map<string, number[]>, key: string, nowMs: number): number[] {
    return (map.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
  }
}

const userKey = (username: string, ip: string): string => `${username.toLowerCase()}\n${ip}`;
