/**
 * Rate-limited log of refused and closed Modbus clients: the first one of a quiet period is logged at once,
 * the rest are counted and logged as one summary line per interval, so a flood of connections cannot flood
 * the log (one line per refusal before: 1,971 lines from one client).
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';

/** Addresses named in a summary line; the count covers the rest. */
const ADDRESSES_SHOWN = 5;

export class RefusalLog {
  private timer: unknown = null;
  private sinceMs = 0;
  private suppressed = 0;
  private readonly reasons = new Map<string, number>();
  private readonly addresses = new Set<string>();

  constructor(
    private readonly logger: Logger | undefined,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** A client was refused or closed for `reason` (e.g. 'not on the allow-list'). */
  note(reason: string, remote: string, detail: Record<string, unknown> = {}): void {
    if (this.timer === null) {
      this.logger?.warn({ remote, ...detail }, `modbus client ${reason}`);
      this.sinceMs = this.clock.nowMs();
      this.timer = this.clock.setTimeout(() => this.flush(), this.intervalMs);
      return;
    }
    this.suppressed++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    if (this.addresses.size < ADDRESSES_SHOWN) this.addresses.add(remote);
  }

  /** Logs the summary of what was counted (if anything) and stops the timer. */
  close(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.summarise();
  }

  private flush(): void {
    this.timer = null;
    // Something was counted: keep summarising per interval; a quiet interval re-arms the immediate line.
    if (this.summarise()) this.timer = this.clock.setTimeout(() => this.flush(), this.intervalMs);
  }

  private summarise(): boolean {
    if (this.suppressed === 0) return false;
    const now = this.clock.nowMs();
    const seconds = Math.max(1, Math.round((now - this.sinceMs) / 1000));
    this.logger?.warn(
      {
        count: this.suppressed,
        reasons: Object.fromEntries(this.reasons),
        addresses: [...this.addresses],
      },
      `modbus clients refused or closed: ${this.suppressed} more in the last ${seconds} s`,
    );
    this.sinceMs = now;
    this.suppressed = 0;
    this.reasons.clear();
    this.addresses.clear();
    return true;
  }
}
