/** A small site and snapshot for EMS server tests. */
import { emsServerConfigSchema } from '../ems-config-schema.ts';
import type { EmsServerConfigInput } from '../ems-config-schema.ts';
import { buildEmsLayout } from '../ems-layout.ts';
import type { EmsServerOptions } from '../ems-server.ts';
import type { EmsSnapshot } from '../ems-snapshot.ts';

export const layout = buildEmsLayout({
  circuits: [
    { id: 'grid', limitA: 250 },
    { id: 'carport', limitA: 80 },
  ],
  ports: [{ id: 'bay-1/1' }, { id: 'bay-1/2' }, { id: 'visitor/1' }],
  siteLimitA: 250,
  siteLimitKw: 160,
});

export const snapshot: EmsSnapshot = {
  sitePowerKw: 98.76,
  siteCurrentA: [140.5, 131.25, -2.5],
  evPowerKw: 44,
  headroomA: 99.5,
  headroomKw: 61.24,
  activeSessions: 2,
  pausedSessions: 1,
  alarms: { meterStale: true },
  circuits: new Map([
    ['grid', { loadA: [140.5, 131.25, -2.5], limitA: 240, powerKw: 98.76 }],
    ['carport', { loadA: [64, 64, 0], limitA: 75, powerKw: 29.44 }],
  ]),
  ports: new Map([
    [
      'bay-1/1',
      { state: 'charging', phases: 3, currentA: 16, limitA: 16, powerKw: 11.04, sessionEnergyKwh: 12.34 },
    ],
    ['bay-1/2', { state: 'paused', phases: 3, currentA: 0, limitA: 0, powerKw: 0, sessionEnergyKwh: 0.5 }],
  ]),
};

export function emsOptions(config: EmsServerConfigInput = {}): EmsServerOptions {
  return {
    config: { ...emsServerConfigSchema.parse({ host: '127.0.0.1', ...config }), port: 0 },
    layout,
    snapshot: () => snapshot,
  };
}
