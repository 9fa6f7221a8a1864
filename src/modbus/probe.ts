/** What `fusebox probe` (cli/probe.ts) needs of the Modbus side: the modbus:// URL and a reading as an installer reads it. */
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { ModbusEndpoint } from './modbus-client.ts';

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
