/** An event as the API shows it, alike in GET /api/v1/events and the live stream's `event` messages. */
import { iso } from '../api-context.ts';
import type { EventItem } from '../../contracts/api-store.ts';

/** The wire form of a stored event (time as ISO text). */
export function eventView(e: EventItem) {
  return {
    id: e.id,
    at: iso(e.atMs),
    level: e.level,
    kind: e.kind,
    stationId: e.stationId,
    portId: e.portId,
    message: e.message,
    data: e.data,
  };
}
