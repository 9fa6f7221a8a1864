/** `fusebox probe modbus://host:port/unit --preset X`: read a device once and print what Fusebox understood. */
import { parseArgs } from 'node:util';
import { probeUsage } from '../cli-usage.ts';
import { MeterDriver, UnknownPresetError, presetSource } from './meter-driver.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import { ModbusTcpClient, endpointText } from './modbus-client.ts';
import type { ModbusEndpoint } from './modbus-client.ts';
import { PRESETS, PRESET_NAMES } from './presets/index.ts';
import type { MeterRole } from './sunspec-discovery.ts';

/** A probe target that is not modbus://host[:port][/unit]. */
export class ProbeUrlError extends Error {
  constructor(readonly url: string) {
    super(`'${url}' is not modbus://host[:port][/unit] (e.g. modbus://192.168.1.20:502/1)`);
    this.name = 'ProbeUrlError';
  }
}

/** Parses modbus://host[:port][/unit]. */
export function parseModbusUrl(url: string): ModbusEndpoint {
  const m = /^modbus:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?(?:\/(\d+))?\/?$/.exec(url);
  if (!m) throw new ProbeUrlError(url);
  const port = m[2] === undefined ? 502 : Number(m[2]);
  const unitId = m[3] === undefined ? 1 : Number(m[3]);
  if (port < 1 || port > 65535 || unitId > 255) throw new ProbeUrlError(url);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port, unitId };
}

const fmt = (v: number | null | undefined, unit: string, digits = 2): string =>
  v === null || v === undefined ? '—' : `${v.toFixed(digits)} ${unit}`;
const fmt3 = (vs: readonly (number | null)[], unit: string, digits = 2): string =>
  vs.map((v, i) => `L${i + 1} ${fmt(v, unit, digits)}`).join('   ');

/** The reading as an installer reads it. */
export function describeReading(r: MeterReading): string[] {
  const lines = [
    `current     ${fmt3(r.currentA, 'A')}`,
    `voltage     ${fmt3(r.voltageV, 'V', 1)}`,
    `power       ${fmt(r.powerKw, 'kW', 3)}   (${fmt3(r.powerPhaseKw, 'kW', 3)})`,
    `energy      import ${fmt(r.energyImportKwh, 'kWh', 1)}   export ${fmt(r.energyExportKwh, 'kWh', 1)}`,
  ];
  if (r.productionKw !== undefined) lines.push(`production  ${fmt(r.productionKw, 'kW', 3)}`);
  if (r.socPct !== undefined) lines.push(`charge      ${fmt(r.socPct, '%', 1)}`);
  if (r.powerKw !== null) {
    lines.push(
      `direction   ${r.powerKw > 0 ? 'importing / consuming' : r.powerKw < 0 ? 'exporting / producing' : 'no flow'}`,
    );
  }
  for (const x of r.rejected)
    lines.push(`rejected    ${x.quantity}: ${x.reason}${x.raw === undefined ? '' : ` (raw ${x.raw})`}`);
  return lines;
}

/** Runs the probe command; returns the exit code. */
export async function runProbe(args: readonly string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      role: { type: 'string', default: 'load' },
      timeout: { type: 'string', default: '3000' },
    },
  });
  if (positionals.length !== 1 || values.preset === undefined) {
    out(probeUsage(PRESET_NAMES));
    return 2;
  }
  const role = values.role as MeterRole;
  if (!['load', 'pv', 'battery'].includes(role)) {
    out(`fusebox probe: '${role}' is not a role: load, pv or battery`);
    return 2;
  }
  const timeoutMs = Number(values.timeout);
  let endpoint: ModbusEndpoint;
  let driver: MeterDriver;
  try {
    endpoint = parseModbusUrl(positionals[0]!);
    driver = new MeterDriver('probe', presetSource(values.preset, role));
  } catch (err) {
    if (err instanceof ProbeUrlError || err instanceof UnknownPresetError) {
      out(`fusebox probe: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const preset = PRESETS.get(values.preset)!;
  out(`device      ${endpointText(endpoint)}`);
  out(`preset      ${preset.name}: ${preset.title} (confidence ${preset.confidence})`);
  const client = new ModbusTcpClient(
    endpoint,
    Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 3000,
  );
  try {
    await client.connect();
    const started = performance.now();
    const reading = await driver.read(client, () => Date.now());
    const ms = performance.now() - started;
    const ss = driver.sunspecDevice;
    if (ss) {
      const id = ss.identity;
      if (id)
        out(`sunspec     ${id.manufacturer} ${id.model} (version ${id.version}, serial ${id.serialNumber})`);
      out(
        `models      at ${ss.base}: ${ss.models.map((m) => `${m.id}${m.layout ? ` (${m.layout.title})` : ''}`).join(', ')}`,
      );
    }
    out(
      `read        ${driver.readPlan.length} request(s) in ${ms.toFixed(1)} ms at ${new Date(reading.atMs).toISOString()}`,
    );
    for (const line of describeReading(reading)) out(line);
    return 0;
  } catch (err) {
    out(`fusebox probe: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    client.close();
  }
}
