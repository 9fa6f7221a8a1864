/** Human words for why a port got its limit (used by the CLI, logs and, later, the dashboard). */
import type { LimitedBy } from './allocation.ts';

/** One short phrase: "circuit row-a L2 full (schedule 'peak')", "paused: waiting for its turn on row-a L1". */
export function describeLimitedBy(why: LimitedBy): string {
  switch (why.kind) {
    case 'idle':
      return 'idle (no car)';
    case 'port-max':
      return "port's maximum";
    case 'demand-max':
      return "session's maximum";
    case 'car':
      return `car draws ${why.measuredA} A`;
    case 'below-minimum':
      return 'paused: maximum below minimum';
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

function sourceSuffix(source: string | undefined): string {
  return source && source !== 'static limit' ? ` (${source})` : '';
}
