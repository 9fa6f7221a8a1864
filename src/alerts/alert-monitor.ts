/**
 * Alerts, derived in one place from what Fusebox already observes: the control loop's snapshots (stale
 * meters, circuits holding back charging, the EMS watchdog), the stations connected, and the dispatcher's
 * answered setpoints. Each alert fires once its condition has held for its delay and resolves when the
 * condition ends; every change goes to one listener (webhooks, logs). docs/integrations.md, "Webhook alerts".
 */
import type { DispatchRecord } from '../control/dispatcher.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';

export type AlertName =
  'station-offline' | 'meter-stale' | 'limit-hit' | 'setpoint-rejected' | 'ems-watchdog-expired';

export const ALERT_NAMES: readonly AlertName[] = [
  'station-offline',
  'meter-stale',
  'limit-hit',
  'setpoint-rejected',
  'ems-watchdog-expired',
];

export interface Alert {
  readonly name: AlertName;
  /** What it is about: a station, meter, circuit or port id; `ems` for the EMS. */
  readonly subject: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  /** When the condition began (it fires after its delay). */
  readonly sinceMs: number;
}

export interface AlertChange {
  readonly status: 'firing' | 'resolved';
  readonly alert: Alert;
  readonly atMs: number;
}

/** A condition that holds now, and whether it is firing yet. */
export interface AlertCondition extends Alert {
  readonly firing: boolean;
}

export interface AlertSettings {
  readonly stationOfflineAfterMs: number;
  readonly meterStaleAfterMs: number;
  readonly limitHitAfterMs: number;
}

/** What Fusebox observes at one instant. */
export interface AlertObservation {
  readonly atMs: number;
  /** The stations of the site file. */
  readonly stationIds: readonly string[];
  readonly connectedStationIds: readonly string[];
  /** Ports with a session (a transaction) now. */
  readonly portsInSession: readonly string[];
  readonly snapshot: ControlSnapshot | null;
}

interface Condition {
  readonly name: AlertName;
  readonly subject: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly afterMs: number;
  /** When it began, when the source knows better than the first observation. */
  readonly sinceMs?: number;
}

interface Rejection {
  readonly sinceMs: number;
  readonly currentA: number;
}

const keyOf = (name: AlertName, subject: string): string => `${name}/${subject}`;

export class AlertMonitor {
  private readonly since = new Map<string, number>();
  private readonly firing = new Map<string, Alert>();
  private readonly current = new Map<string, AlertCondition>();
  private readonly rejections = new Map<string, Rejection>();
  private last: AlertObservation | null = null;

  constructor(
    private readonly settings: AlertSettings,
    private readonly stationOfPort: (portId: string) => string | undefined,
    private readonly onChange: (change: AlertChange) => void,
  ) {}

  /** Re-derives every alert from an observation; fires and resolves what changed. */
  observe(o: AlertObservation): void {
    this.last = o;
    const conditions: Condition[] = [];
    // A rejection ends with the session (seen after the rejection): no session, no limit to take.
    const inSession = new Set(o.portsInSession);
    for (const [portId, r] of this.rejections)
      if (o.atMs > r.sinceMs && !inSession.has(portId)) this.rejections.delete(portId);
    const connected = new Set(o.connectedStationIds);
    for (const id of o.stationIds)
      if (!connected.has(id))
        conditions.push({
          name: 'station-offline',
          subject: id,
          labels: { station: id },
          summary: `station ${id} is not connected`,
          afterMs: this.settings.stationOfflineAfterMs,
        });
    const s = o.snapshot;
    if (s) {
      for (const [id, m] of s.meters)
        if (m.stale)
          conditions.push({
            name: 'meter-stale',
            subject: id,
            labels: { meter: id },
            summary: `meter ${id} gives no fresh readings: its circuit counts its worst-case non-EV load`,
            afterMs: this.settings.meterStaleAfterMs,
          });
      const held = new Map<string, { ports: number; source: string | undefined }>();
      for (const a of s.allocation) {
        const by = a.limitedBy;
        if (by.kind !== 'circuit' && by.kind !== 'paused') continue;
        const h = held.get(by.circuitId);
        held.set(by.circuitId, {
          ports: (h?.ports ?? 0) + 1,
          source: h?.source ?? by.source,
        });
      }
      const minutes = Math.round((this.settings.limitHitAfterMs / 60_000) * 10) / 10;
      for (const [id, h] of held)
        conditions.push({
          name: 'limit-hit',
          subject: id,
          labels: { circuit: id },
          summary: `circuit ${id} has held back charging for more than ${minutes} min (${h.ports} port${h.ports === 1 ? '' : 's'} limited${h.source ? `, limit set by ${h.source}` : ''})`,
          afterMs: this.settings.limitHitAfterMs,
        });
      if (s.ems?.watchdogExpired)
        conditions.push({
          name: 'ems-watchdog-expired',
          subject: 'ems',
          labels: {},
          summary: 'the EMS did not renew its command within ems.watchdogMs: its fallback is in force',
          afterMs: 0,
        });
    }
    for (const [portId, r] of this.rejections) {
      const station = this.stationOfPort(portId);
      conditions.push({
        name: 'setpoint-rejected',
        subject: portId,
        labels: station === undefined ? { port: portId } : { port: portId, station },
        summary: `port ${portId} rejected the limit ${r.currentA} A: it counts at its previous limit`,
        afterMs: 0,
        sinceMs: r.sinceMs,
      });
    }
    this.reconcile(conditions, o.atMs);
  }

  /** An answered setpoint: a rejection holds until the port accepts one, or its session ends. */
  onSetpoint(r: DispatchRecord): void {
    if (r.result === 'rejected') {
      if (this.rejections.has(r.portId)) return;
      this.rejections.set(r.portId, { sinceMs: r.answeredAtMs, currentA: r.currentA });
    } else if (r.result === 'accepted') {
      if (!this.rejections.delete(r.portId)) return;
    } else return;
    if (this.last) this.observe({ ...this.last, atMs: Math.max(this.last.atMs, r.answeredAtMs) });
  }

  /** The alerts firing now. */
  active(): readonly Alert[] {
    return [...this.firing.values()];
  }

  /** Every condition that holds now, firing or still within its delay. */
  conditions(): readonly AlertCondition[] {
    return [...this.current.values()];
  }

  private reconcile(conditions: readonly Condition[], atMs: number): void {
    const seen = new Set<string>();
    this.current.clear();
    for (const c of conditions) {
      const key = keyOf(c.name, c.subject);
      seen.add(key);
      const since = this.since.get(key) ?? c.sinceMs ?? atMs;
      this.since.set(key, since);
      const alert: Alert = {
        name: c.name,
        subject: c.subject,
        labels: c.labels,
        summary: c.summary,
        sinceMs: since,
      };
      const firing = this.firing.has(key) || atMs - since >= c.afterMs;
      this.current.set(key, { ...alert, firing });
      if (firing && !this.firing.has(key)) {
        this.firing.set(key, alert);
        this.onChange({ status: 'firing', alert, atMs });
      }
    }
    for (const key of [...this.since.keys()]) {
      if (seen.has(key)) continue;
      this.since.delete(key);
      const alert = this.firing.get(key);
      if (alert) {
        this.firing.delete(key);
        this.onChange({ status: 'resolved', alert, atMs });
      }
    }
  }
}
