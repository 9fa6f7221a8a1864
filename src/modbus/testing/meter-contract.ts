/**
 * The shared contract every meter driver source passes (docs/meters.md): served by a simulated device with
 * known values, the generic driver reads them back with the sign convention and units of MeterReading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceModel } from '../../sim/devices/modbus-meter-server.ts';
import { SimulatedMeters } from '../../sim/devices/modbus-meter-server.ts';
import type { SimMeterValues } from '../../sim/devices/modbus-meter-values.ts';
import { fromPhases, pvValues } from '../../sim/devices/modbus-meter-values.ts';
import type { MapSource } from '../meter-driver.ts';
import { MeterDriver } from '../meter-driver.ts';
import { ModbusTcpClient } from '../modbus-client.ts';

export interface ContractCase {
  readonly name: string;
  readonly model: SimDeviceModel;
  readonly source: MapSource;
  /** What the device measures: 'load' (import and export), 'pv' (production) or 'battery'. */
  readonly kind: 'load' | 'single-phase' | 'pv' | 'battery';
  /** Absolute tolerance per quantity, for integer registers with coarse weights. */
  readonly tolerance?: number | undefined;
  /** Quantities the device does not have. */
  readonly lacks?:
    readonly ('voltageV' | 'powerPhaseKw' | 'energyImportKwh' | 'currentA' | 'powerKw')[] | undefined;
}

const importing: SimMeterValues = {
  ...fromPhases([31.25, 12.5, 7.75], [231.5, 229.8, 230.2], 0.98),
  energyImportKwh: 123456.7,
  energyExportKwh: 2345.6,
};
const exporting: SimMeterValues = {
  ...fromPhases([-20, -18.5, 3], [232, 233, 231], 1),
  energyImportKwh: 123460,
  energyExportKwh: 2350,
};
const producing: SimMeterValues = { ...pvValues(9.6, 230), energyImportKwh: 0, energyExportKwh: 4321.5 };
const battery: SimMeterValues = {
  ...fromPhases([0, 0, 0]),
  powerKw: 3.2,
  socPct: 57,
  energyImportKwh: 0,
  energyExportKwh: 0,
};

function near(actual: number | null | undefined, expected: number, tol: number, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(actual, what).toBeDefined();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tol,
  );
}

/** Registers the contract for one case. */
export function meterContract(c: ContractCase): void {
  describe(`meter contract: ${c.name}`, () => {
    let sim: SimulatedMeters;
    let client: ModbusTcpClient;
    const tol = c.tolerance ?? 0.01;
    const lacks = new Set(c.lacks ?? []);

    beforeAll(async () => {
      sim = await SimulatedMeters.start({ devices: [{ unitId: 7, model: c.model }] });
      client = new ModbusTcpClient({ host: '127.0.0.1', port: sim.port, unitId: 7 }, 5000);
      await client.connect();
    });
    afterAll(async () => {
      client.close();
      await sim.close();
    });

    const read = async (values: SimMeterValues) => {
      sim.set(7, values);
      return new MeterDriver('m1', c.source).read(client, () => 1_700_000_000_000);
    };

    if (c.kind === 'load') {
      it('reads currents, voltages, powers and energies, import positive', async () => {
        const r = await read(importing);
        expect(r.meterId).toBe('m1');
        expect(r.atMs).toBe(1_700_000_000_000);
        expect(r.rejected).toEqual([]);
        for (let i = 0; i < 3; i++) {
          near(r.currentA[i], importing.currentA[i]!, tol, `currentA[${i}]`);
          if (!lacks.has('voltageV')) near(r.voltageV[i], importing.voltageV[i]!, tol * 10, `voltageV[${i}]`);
          if (!lacks.has('powerPhaseKw'))
            near(r.powerPhaseKw[i], importing.powerPhaseKw[i]!, tol, `powerPhaseKw[${i}]`);
        }
        near(r.powerKw, importing.powerKw, tol * 3, 'powerKw');
        near(r.energyImportKwh, importing.energyImportKwh, tol * 100, 'energyImportKwh');
        near(r.energyExportKwh, importing.energyExportKwh, tol * 100, 'energyExportKwh');
      });

      it('gives export a negative sign, on the total and on each exporting phase', async () => {
        const r = await read(exporting);
        expect(r.powerKw).toBeLessThan(0);
        near(r.powerKw, exporting.powerKw, tol * 3, 'powerKw');
        expect(r.currentA[0]).toBeLessThan(0);
        expect(r.currentA[1]).toBeLessThan(0);
        expect(r.currentA[2]).toBeGreaterThan(0);
        near(r.currentA[0], -20, tol, 'currentA[0]');
      });
    }

    if (c.kind === 'single-phase') {
      it('reads L1 and leaves the phases it does not have empty', async () => {
        const r = await read({ ...importing, ...fromPhases([31.25, 0, 0], [231.5, 230, 230]) });
        near(r.currentA[0], 31.25, tol, 'currentA[0]');
        near(r.voltageV[0], 231.5, tol * 10, 'voltageV[0]');
        near(r.powerKw, (31.25 * 231.5) / 1000, tol * 3, 'powerKw');
        expect([r.currentA[1], r.currentA[2], r.powerPhaseKw[1], r.voltageV[2]]).toEqual([
          null,
          null,
          null,
          null,
        ]);
        expect(r.rejected).toEqual([]);
      });
    }

    if (c.kind === 'pv') {
      it('reads production positive and the power it feeds in as negative', async () => {
        const r = await read(producing);
        near(r.productionKw, 9.6, tol * 3, 'productionKw');
        near(r.powerKw, -9.6, tol * 3, 'powerKw');
        for (let i = 0; i < 3; i++) near(r.currentA[i], producing.currentA[i]!, tol, `currentA[${i}]`);
        near(r.energyExportKwh, 4321.5, tol * 100, 'energyExportKwh');
      });
    }

    if (c.kind === 'battery') {
      it('reads state of charge and charging power (positive while charging)', async () => {
        const r = await read(battery);
        near(r.socPct, 57, 0.01, 'socPct');
        if (!lacks.has('powerKw')) near(r.powerKw, 3.2, tol * 3, 'powerKw');
      });
    }

    it('reads the same values twice (no state leaks between reads)', async () => {
      const values = c.kind === 'pv' ? producing : c.kind === 'battery' ? battery : importing;
      const a = await read(values);
      const b = await read(values);
      expect(b).toEqual(a);
    });
  });
}
