/** What the control loop's shell (control-loop.ts) logs after a run, and its one asynchronous command. */
import type { Logger } from 'pino';
import { describeLimitedBy } from '../core/explain.ts';
import type { StationGateway } from '../contracts/station-gateway.ts';
import type { ControlSnapshot } from './control-snapshot.ts';
import type { RestrictCommand } from './plan-run.ts';
import type { SetpointNews } from './plan-state.ts';
import type { UnknownReason } from './restart-guard.ts';

/**
 * Logs the ports not confirmed since the start: at first (info), as they change (debug), none left (info).
 * `logged`: the count logged last (-1 before any); returns the count now.
 */
export function logUnknown(
  logger: Logger,
  unknown: ReadonlyMap<string, UnknownReason>,
  logged: number,
  graceEndsAtMs: number | undefined,
): number {
  if (unknown.size === logged) return logged;
  if (unknown.size > 0) {
    logger[logged <= 0 ? 'info' : 'debug'](
      { ports: unknown.size, graceEndsAt: new Date(graceEndsAtMs ?? 0).toISOString() },
      'ports not confirmed since the start count at the most they may draw',
    );
  } else if (logged > 0) {
    logger.info('every port confirmed since the start (or the grace period is over)');
  }
  return unknown.size;
}

/** Logs ports whose limit or reason changed materially (> 2 dead bands, or paused/running). */
export function logChanges(
  logger: Logger,
  deadBandA: number,
  prev: ControlSnapshot | null,
  next: ControlSnapshot,
): void {
  const was = prev?.allocation ?? [];
  // Runs list the ports in the same order (the site's) unless the site changed: the same index first, and a
  // map only then (a map of every port per run was a large share of a run's garbage at 2,000 ports).
  let byId: Map<string, (typeof was)[number]> | undefined;
  for (let i = 0; i < next.allocation.length; i++) {
    const a = next.allocation[i]!;
    const same = was[i];
    const b =
      same?.portId === a.portId ? same : (byId ??= new Map(was.map((x) => [x.portId, x]))).get(a.portId);
    const material =
      !b || (b.currentA === 0) !== (a.currentA === 0) || Math.abs(b.currentA - a.currentA) >= 2 * deadBandA;
    if (material && (a.currentA > 0 || (b && b.currentA > 0))) {
      // Pausing and resuming are worth an operator's attention; level changes are routine under DLM.
      const pauseOrResume = !b || (b.currentA === 0) !== (a.currentA === 0);
      const level = pauseOrResume ? 'info' : 'debug';
      // Not even the record of a change at a level not logged (dozens of changes per run at 2,000 ports).
      if (!logger.isLevelEnabled(level)) continue;
      logger[level](
        { portId: a.portId, currentA: a.currentA, why: describeLimitedBy(a.limitedBy) },
        'allocation changed',
      );
    }
  }
}

/** Takes an uncontrolled port out of use (ocpp.uncontrolledPortAction); `answered` gets the outcome. */
export function restrictPort(
  g: StationGateway,
  logger: Logger,
  { portId, circuitId, entry }: RestrictCommand,
  answered: (answer: string) => void,
): void {
  const { action } = entry;
  logger.warn(
    { portId, action, circuitId },
    'uncontrolled port cannot be made room for: taking it out of use (ocpp.uncontrolledPortAction)',
  );
  g.restrictPort!(portId, action)
    .then(answered)
    .catch((err: unknown) => {
      answered(`failed: ${(err as Error).message}`);
      logger.error({ err, portId, action }, 'could not take an uncontrolled port out of use');
    });
}

/** A port's station refused a profile (it is uncontrolled now), or took one again (controlled again). */
export function logSetpointNews(logger: Logger, portId: string, news: NonNullable<SetpointNews>): void {
  if (news.kind === 'controlled-again') {
    logger.info({ portId }, 'port under control again: its station accepted a profile');
    return;
  }
  logger[news.first ? 'warn' : 'debug'](
    { portId, reason: news.reason, detail: news.detail, retryAt: new Date(news.retryAtMs).toISOString() },
    'port uncontrolled: its station refused a profile; it counts at what it can draw',
  );
}
