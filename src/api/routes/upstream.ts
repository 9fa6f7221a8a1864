/** The relay to the operator's cloud central system, per station (docs/proxy.md). */
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import * as R from '../response-schemas.ts';

export function upstreamRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.get(
    '/api/v1/upstream',
    {
      schema: {
        tags: ['live'],
        summary: 'Cloud relay per station: state, outage, queue, last relay',
        response: { 200: R.upstream, ...R.errors(401) },
      },
    },
    () => {
      const nowMs = deps.clock.nowMs();
      return {
        relaying: deps.upstream !== undefined && (deps.upstream.relaying?.() ?? true),
        stations: (deps.upstream?.statuses() ?? []).map((s) => ({
          stationId: s.stationId,
          state: s.state,
          outageSince: s.outageSinceMs === undefined ? null : iso(s.outageSinceMs),
          queueDepth: s.queueDepth,
          oldestQueuedAgeS:
            s.oldestQueuedMs === undefined
              ? null
              : Math.max(0, Math.round((nowMs - s.oldestQueuedMs) / 100) / 10),
          lastRelayAt: s.lastRelayMs === undefined ? null : iso(s.lastRelayMs),
          failed: s.failed,
        })),
      };
    },
  );
}
