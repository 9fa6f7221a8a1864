/** The clean-up the proxy tests share (vitest only: not for the child processes' scripts). */
import { afterEach } from 'vitest';
import type { SimulatedStation } from '../../sim/devices/ocpp-station.ts';

/** A relay or a cloud a test opened. */
type Closable = { dispose(): Promise<unknown> } | { close(): Promise<unknown> };

/**
 * The clean-up the proxy tests share: after each test its stations are closed, then what `current` gives
 * (the relay, then the cloud), each once. Returns the array to put the test's stations in.
 */
export function closeAfterEach(current: () => readonly (Closable | undefined)[]): SimulatedStation[] {
  const stations: SimulatedStation[] = [];
  const closed = new WeakSet<object>();
  afterEach(async () => {
    await Promise.allSettled(stations.splice(0).map((st) => st.close()));
    for (const x of current()) {
      if (!x || closed.has(x)) continue;
      closed.add(x);
      await ('dispose' in x ? x.dispose() : x.close());
    }
  });
  return stations;
}
