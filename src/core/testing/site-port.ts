/** The port the tests build their sites from. */
import type { SitePort } from '../site.ts';

/**
 * A three-phase 32 A AC port (6 A minimum, 1 A steps, priority 0): connector 1 of station `s`, id `p`, on
 * circuit `c`; `o` on top.
 */
export const testSitePort = (o: Partial<SitePort> = {}): SitePort => ({
  id: 'p',
  stationId: 's',
  connectorId: 1,
  circuitId: 'c',
  wiring: 'L1L2L3',
  currentType: 'AC',
  minCurrentA: 6,
  maxCurrentA: 32,
  stepA: 1,
  priority: 0,
  ...o,
});
