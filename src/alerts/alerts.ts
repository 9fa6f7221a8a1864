/**
 * Alerts for a running Fusebox: the monitor fed by the control loop, the OCPP server and the dispatcher; its
 * changes logged and POSTed to every webhook of `alerts.webhooks`; Prometheus metrics of them.
 */
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { AlertsSection } from '../config/alerts-section.ts';
import { alertsSectionSchema } from '../config/alerts-section.ts';
import type { ControlLoop } from '../control/control-loop.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { Alert, AlertChange } from './alert-monitor.ts';
import { AlertMonitor } from './alert-monitor.ts';
import { WebhookSender } from './webhook.ts';

/** How often at most the alert conditions are looked at (after a control run). */
export const OBSERVE_EVERY_MS = 1000;

/** The JSON body of every webhook POST (docs/integrations.md, "Webhook alerts"). */
export interface AlertPayload {
  readonly version: 1;
  readonly source: 'fusebox';
  readonly site: string;
  readonly status: 'firing' | 'resolved';
  readonly alert: Alert['name'];
  readonly subject: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly startsAt: string;
  readonly endsAt: string | null;
}

export function alertPayload(site: string, change: AlertChange): AlertPayload {
  const { alert } = change;
  return {
    version: 1,
    source: 'fusebox',
    site,
    status: change.status,
    alert: alert.name,
    subject: alert.subject,
    labels: alert.labels,
    summary: alert.summary,
    startsAt: new Date(alert.sinceMs).toISOString(),
    endsAt: change.status === 'resolved' ? new Date(change.atMs).toISOString() : null,
  };
}

export interface AlertsDeps {
  readonly siteName: string;
  /** Absent: the defaults (no webhook). */
  readonly config: AlertsSection | undefined;
  readonly stationIds: readonly string[];
  readonly stationOfPort: (portId: string) => string | undefined;
  readonly connectedStationIds: () => readonly string[];
  readonly portsInSession: () => readonly string[];
  readonly control: ControlLoop;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Webhook retry delays (tests); default 1 s doubling to 60 s. */
  readonly retryFirstMs?: number | undefined;
}

export interface Alerts {
  readonly monitor: AlertMonitor;
  stop(): void;
}

/** Starts watching: call before the control loop's first run. */
export function startAlerts(deps: AlertsDeps): Alerts {
  const config = deps.config ?? alertsSectionSchema.parse({});
  const { logger, clock } = deps;
  const failures = new Counter({
    name: 'fusebox_alert_webhook_failures_total',
    help: 'Alert webhook POSTs abandoned after their last retry, refused (4xx) or dropped from a full queue',
    registers: [deps.registry],
  });
  const senders = config.webhooks.map(
    (w) =>
      new WebhookSender(
        {
          url: w.url,
          secretHeader: w.secret === undefined ? undefined : { name: w.secretHeader, value: w.secret },
          timeoutMs: w.timeoutMs,
          retries: w.retries,
        },
        { clock, logger, retryFirstMs: deps.retryFirstMs, onFailure: () => failures.inc() },
      ),
  );
  const rejected = new Counter({
    name: 'fusebox_setpoints_rejected_total',
    help: 'Charging limits a station rejected, per port',
    labelNames: ['port'],
    registers: [deps.registry],
  });
  const monitor = new AlertMonitor(
    {
      stationOfflineAfterMs: config.stationOfflineAfterS * 1000,
      meterStaleAfterMs: config.meterStaleAfterS * 1000,
      limitHitAfterMs: config.limitHitAfterMin * 60_000,
    },
    deps.stationOfPort,
    (change) => {
      const { alert } = change;
      const fields = { alert: alert.name, subject: alert.subject, ...alert.labels };
      if (change.status === 'firing') logger.warn(fields, `alert: ${alert.summary}`);
      else logger.info(fields, `alert resolved: ${alert.summary}`);
      const payload = alertPayload(deps.siteName, change);
      for (const s of senders) s.send(payload);
    },
  );
  const monitorOf = (): AlertMonitor => monitor;
  new Gauge({
    name: 'fusebox_alert_firing',
    help: 'Alerts firing now (1), by alert and subject (station, meter, circuit, port or ems)',
    labelNames: ['alert', 'subject'],
    registers: [deps.registry],
    collect() {
      this.reset();
      for (const a of monitorOf().active()) this.set({ alert: a.name, subject: a.subject }, 1);
    },
  });
  new Gauge({
    name: 'fusebox_alert_condition_seconds',
    help: 'How long each alert condition has held, firing or not yet (station offline, meter stale, circuit holding back charging, setpoint rejected, EMS watchdog expired)',
    labelNames: ['alert', 'subject'],
    registers: [deps.registry],
    collect() {
      this.reset();
      const now = clock.nowMs();
      for (const c of monitorOf().conditions())
        this.set({ alert: c.name, subject: c.subject }, Math.max(0, (now - c.sinceMs) / 1000));
    },
  });

  // A fault here must never reach the control loop that calls it.
  const guarded =
    <T>(fn: (v: T) => void) =>
    (v: T): void => {
      try {
        fn(v);
      } catch (err) {
        logger.error({ err }, 'alerts: could not evaluate');
      }
    };
  const look = guarded((snapshot: ControlSnapshot) =>
    monitor.observe({
      atMs: snapshot.atMs,
      stationIds: deps.stationIds,
      connectedStationIds: deps.connectedStationIds(),
      portsInSession: deps.portsInSession(),
      snapshot,
    }),
  );
  const looks = everyFewRuns(clock, look);
  deps.control.onRun(looks.onRun);
  deps.control.dispatcher.onRecord(
    guarded((r) => {
      if (r.result === 'rejected') rejected.inc({ port: r.portId });
      monitor.onSetpoint(r);
    }),
  );
  return {
    monitor,
    stop: () => {
      looks.stop();
      for (const s of senders) s.stop();
    },
  };
}

/**
 * Alerts wait seconds to minutes before they fire: a look every OBSERVE_EVERY_MS is enough, and the last
 * run's snapshot is always looked at (later, when runs come faster). A look per run listed every station and
 * port a dozen times a second at 2,000 ports.
 */
export function everyFewRuns(
  clock: Clock,
  look: (snapshot: ControlSnapshot) => void,
): { onRun: (snapshot: ControlSnapshot) => void; stop: () => void } {
  let lookedAtMs = -Infinity;
  let latest: ControlSnapshot | null = null;
  let timer: unknown = null;
  const lookNow = (snapshot: ControlSnapshot): void => {
    lookedAtMs = clock.nowMs();
    look(snapshot);
  };
  return {
    onRun: (snapshot) => {
      const sinceMs = clock.nowMs() - lookedAtMs;
      // Due, or the wall clock stepped back past the last look: now, and a later look pending for an older
      // run is dropped (it would put an older snapshot over this one).
      if (sinceMs >= OBSERVE_EVERY_MS || sinceMs < 0) {
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        latest = null;
        lookNow(snapshot);
        return;
      }
      latest = snapshot;
      timer ??= clock.setTimeout(() => {
        timer = null;
        const s = latest;
        latest = null;
        if (s) lookNow(s);
      }, OBSERVE_EVERY_MS - sinceMs);
    },
    stop: () => {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
