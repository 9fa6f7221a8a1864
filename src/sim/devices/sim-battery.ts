/**
 * A simulated battery in the site world (site-world.ts): it takes commands as the control loop's
 * BatteryCommander, follows them after `responseMs` (ramping at once), stops at 0 % and 100 % state of charge,
 * integrates its state of charge, and can fall silent (it stops and its meter stops answering) to test lost
 * contact. Power is charging positive, as its meter reads.
 */
import type { BatteryCommander, BatteryCommandStatus } from '../../contracts/battery-commands.ts';

export interface SimBatterySpec {
  readonly batteryId: string;
  readonly capacityKwh: number;
  readonly maxKw: number;
  readonly socPct: number;
  /** How long after a command it runs at it (default 1000 ms). */
  readonly responseMs?: number | undefined;
}

export class SimBattery {
  socPct: number;
  /** Power it runs at now, kW. */
  actualKw = 0;
  /** It answers neither writes nor reads, and stops (lost contact). */
  silent = false;
  private commandKw = 0;
  private commandAtMs = 0;
  private lastWriteKw: number | null = null;
  private writeError: string | null = null;
  writes = 0;

  constructor(readonly spec: SimBatterySpec) {
    this.socPct = spec.socPct;
  }

  command(kw: number, nowMs: number): void {
    if (this.silent) {
      this.writeError = 'no answer';
      return;
    }
    this.writes++;
    this.commandKw = Math.max(-this.spec.maxKw, Math.min(this.spec.maxKw, kw));
    this.commandAtMs = nowMs;
    this.lastWriteKw = kw;
    this.writeError = null;
  }

  status(): BatteryCommandStatus {
    return { lastCommandKw: this.lastWriteKw, writeError: this.writeError };
  }

  /** Advances by dtMs at nowMs: follows its command, integrates its state of charge. */
  step(nowMs: number, dtMs: number): void {
    let kw = this.silent
      ? 0
      : nowMs - this.commandAtMs >= (this.spec.responseMs ?? 1000)
        ? this.commandKw
        : this.actualKw;
    if (kw < 0 && this.socPct <= 0) kw = 0;
    if (kw > 0 && this.socPct >= 100) kw = 0;
    this.actualKw = kw;
    this.socPct = Math.max(
      0,
      Math.min(100, this.socPct + (kw * dtMs * 100) / 3_600_000 / this.spec.capacityKwh),
    );
  }
}

/** The world's batteries as the control loop's commander (writes only on change). */
export class SimBatteryCommander implements BatteryCommander {
  constructor(
    private readonly batteries: ReadonlyMap<string, SimBattery>,
    private readonly nowMs: () => number,
  ) {}

  set(batteryId: string, kw: number): void {
    const b = this.batteries.get(batteryId);
    if (!b) return;
    const s = b.status();
    if (s.lastCommandKw === kw && s.writeError === null) return;
    b.command(kw, this.nowMs());
  }

  status(batteryId: string): BatteryCommandStatus {
    return this.batteries.get(batteryId)?.status() ?? { lastCommandKw: null, writeError: 'no such battery' };
  }
}
