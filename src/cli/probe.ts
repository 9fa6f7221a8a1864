/** `fusebox probe modbus://host:port/unit --preset X`: read a device once and print what Fusebox understood. */
import { parseArgs } from 'node:util';
import { probeUsage } from './usage.ts';
import { MeterDriver, UnknownPresetError, presetSource } from '../modbus/meter-driver.ts';
import { ModbusTcpClient, endpointText } from '../modbus/modbus-client.ts';
import type { ModbusEndpoint } from '../modbus/modbus-client.ts';
import { PRESETS, PRESET_NAMES } from '../modbus/presets/index.ts';
import { ProbeUrlError, describeReading, parseModbusUrl } from '../modbus/probe.ts';
import type { MeterRole } from '../modbus/sunspec-discovery.ts';

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
