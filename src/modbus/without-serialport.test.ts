/**
 * Modbus TCP needs no serial port support: package.json's `overrides` replace modbus-serial's optional
 * `serialport` (native bindings, an install script) with an empty package. `fusebox probe` reads a real
 * Modbus TCP meter (the simulator, over a socket) in a process where `serialport` cannot be resolved.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SimulatedMeters } from '../sim/devices/modbus-meter-server.ts';
import { fromPhases } from '../sim/devices/modbus-meter-values.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fusebox-no-serialport-'));
let sim: SimulatedMeters;
beforeAll(async () => {
  sim = await SimulatedMeters.start({
    devices: [
      {
        unitId: 1,
        model: { preset: 'sdm630' },
        values: { ...fromPhases([10, 11, -2]), energyImportKwh: 1, energyExportKwh: 0 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

it('fusebox probe reads a Modbus TCP meter with serialport unresolvable', async () => {
  const refused = join(dir, 'refused.txt');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = execFile(
        process.execPath,
        [
          '--import',
          join(ROOT, 'src/modbus/testing/no-serialport.js'),
          join(ROOT, 'bin/fusebox.js'),
          'probe',
          `modbus://127.0.0.1:${sim.port}/1`,
          '--preset',
          'sdm630',
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, FUSEBOX_FROM_SOURCE: '1', NO_SERIALPORT_FILE: refused },
        },
        (err, out, errOut) => {
          if (err && typeof err.code !== 'number') reject(new Error(err.message));
          else resolve({ code: child.exitCode, stdout: out, stderr: errOut });
        },
      );
    },
  );
  expect(code, stdout + stderr).toBe(0);
  expect(stdout).toContain('L1 10.00 A   L2 11.00 A   L3 -2.00 A');
  // modbus-serial did ask for serialport (its serial ports), and went on without it.
  expect(existsSync(refused)).toBe(true);
  expect(readFileSync(refused, 'utf8')).toMatch(/^serialport$/m);
});
