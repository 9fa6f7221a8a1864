/** Human words for why a port got its limit (used by the CLI, logs, the API and the dashboard). */
import type { LimitedBy, UncontrolledReason } from './allocation.ts';

/** Deadline mode's view of a session, for the reason line: when it leaves (already in words) and its need. */
export interface Urgency {
  /** The departure as the reader's clock shows it, e.g. "10:30" or "27 Nov 10:30". */
  readonly leaves: string;
  readonly energyRemainingKwh: number;
}

/**
 * One short phrase: "circuit row-a L2 full (schedule 'peak')", "paused: waiting for its turn on row-a L1";
 * with `urgency` (deadline mode) followed by it: "…; least laxity first: leaves 10:30, needs 8.0 kWh".
 */
export function describeLimitedBy(why: LimitedBy, urgency?: Urgency): string {
  const base = describeBinding(why);
  return urgency === undefined ? base : `${base}; ${describeUrgency(urgency)}`;
}

/** "least laxity first: leaves 10:30, needs 8.0 kWh", or "has its energy, leaves 10:30" once it had it. */
export function describeUrgency(u: Urgency): string {
  const kwh = u.energyRemainingKwh;
  // Below 0.05 kWh a need rounds to 0.0: say it is met rather than "needs 0.0 kWh".
  if (!(kwh >= 0.05)) return `has its energy, leaves ${u.leaves}`;
  return `least laxity first: leaves ${u.leaves}, needs ${kwh < 10 ? kwh.toFixed(1) : Math.round(kwh)} kWh`;
}

function describeBinding(why: LimitedBy): string {
  switch (why.kind) {
    case 'idle':
      return 'idle (no car)';
    case 'port-max':
      return "port's maximum";
    case 'demand-max':
      return "session's maximum";
    case 'cloud-profile':
      return 'cloud profile';
    case 'plan':
      return `plan: ${why.targetA} A this slot`;
    case 'car':
      return `car draws ${why.measuredA} A`;
    case 'below-minimum':
      return 'paused: maximum below minimum';
    case 'uncontrolled':
      return `uncontrolled: ${describeUncontrolled(why.reason)}; counted at ${why.countedA} A`;
    case 'circuit':
      return `circuit ${why.circuitId} ${why.dimension} full${sourceSuffix(why.source)}`;
    case 'paused':
      if (why.waitingBehind !== undefined)
        return `paused: waiting behind ${why.waitingBehind} on ${why.circuitId} ${why.dimension}`;
      return why.rotation
        ? `paused: waiting for its turn on ${why.circuitId} ${why.dimension}${sourceSuffix(why.source)}`
        : `paused: no room at minimum on ${why.circuitId} ${why.dimension}${sourceSuffix(why.source)}`;
  }
}

/** "station rejects its charging profiles", … (the API's and the dashboard's words for the reason). */
export function describeUncontrolled(reason: UncontrolledReason): string {
  switch (reason) {
    case 'rejected':
      return 'station rejects its charging profiles';
    case 'not-implemented':
      return 'station does not implement charging profiles';
    case 'timeout':
      return 'station does not answer its charging profiles';
    case 'no-smart-charging':
      return 'station has no smart charging';
  }
}

function sourceSuffix(source: string | undefined): string {
  return source && source !== 'static limit' ? ` (${source})` : '';
}
