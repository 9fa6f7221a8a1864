/**
 * Commands batteries over Modbus TCP (docs/control.md, "Batteries"; docs/meters.md, "Batteries"): the
 * control loop's BatteryCommander. One connection per battery (the host, port and unit id of its meter);
 * a write only when the command changes (and again every half `revertS`, so the battery's own watchdog does
 * not revert while Fusebox runs); one write in flight per battery, the newest command wins.
 *
 * - `sunspec`: SunSpec model 124 (basic storage controls), found by discovery. Charging at P: StorCtl_Mod = 3
 *   (both limits active), InWRte = P / WChaMax, OutWRte = −InWRte (a negative discharge limit makes it
 *   charge); discharging the other way round; 0 kW: both 0. InOutWRte_RvrtTms = `revertS`: the battery
 *   returns to its own behaviour that long after the last write, so a Fusebox that stops leaves it idle
 *   only for that long.
 * - `registers`: one holding register takes the power (scaled, signed as configured); `enable` is written
 *   once before the first command, `watchdog` with every command.
 */
import type { BatteryCommander, BatteryCommandStatus } from '../contracts/battery-commands.ts';
import type { ModbusEndpoint } from './modbus-client.ts';
import { ModbusTcpClient } from './modbus-client.ts';
import { discoverSunSpec } from './sunspec-discovery.ts';

export type BatteryControlSpec =
  | { readonly type: 'sunspec'; readonly revertS: number }
  | {
      readonly type: 'registers';
      readonly power: {
        readonly address: number;
        readonly type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
        readonly scale: number;
        readonly sign: 'charge-positive' | 'discharge-positive';
      };
      readonly enable?: { readonly address: number; readonly value: number } | undefined;
      readonly watchdog?: { readonly address: number; readonly seconds: number } | undefined;
    };

export interface ModbusBatteryConfig {
  readonly batteryId: string;
  readonly endpoint: ModbusEndpoint;
  readonly requestTimeoutMs: number;
  readonly control: BatteryControlSpec;
}

/** Model 124 offsets from its ID register (SunSpec model 124 point list, two header registers first). */
export const M124 = {
  WChaMax: 2,
  StorCtl_Mod: 5,
  OutWRte: 12,
  InWRte: 13,
  InOutWRte_RvrtTms: 15,
  WChaMax_SF: 18,
  InOutWRte_SF: 25,
} as const;

const s16 = (w: number): number => (w >= 0x8000 ? w - 0x10000 : w);
const u16 = (v: number): number => (Math.round(v) + 0x10000) & 0xffff;

class BatteryLink {
  private readonly client: ModbusTcpClient;
  private model124: { address: number; wChaMaxW: number; rteScale: number } | null = null;
  private enabled = false;
  private wanted: number | null = null;
  private busy = false;
  private lastKw: number | null = null;
  private lastAtMs = 0;
  private error: string | null = null;

  constructor(
    private readonly config: ModbusBatteryConfig,
    private readonly nowMs: () => number,
  ) {
    this.client = new ModbusTcpClient(config.endpoint, config.requestTimeoutMs);
  }

  status(): BatteryCommandStatus {
    return { lastCommandKw: this.lastKw, writeError: this.error };
  }

  set(kw: number): void {
    const refreshMs = this.config.control.type === 'sunspec' ? this.config.control.revertS * 500 : Infinity;
    const due = this.nowMs() - this.lastAtMs >= refreshMs;
    if (kw === this.lastKw && this.error === null && !due) return;
    this.wanted = kw;
    void this.flush();
  }

  close(): void {
    this.client.close();
  }

  private async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.wanted !== null) {
        const kw = this.wanted;
        this.wanted = null;
        try {
          if (!this.client.isOpen) await this.client.connect();
          await this.write(kw);
          this.lastKw = kw;
          this.lastAtMs = this.nowMs();
          this.error = null;
        } catch (err) {
          this.error = err instanceof Error ? err.message : String(err);
          this.client.close();
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async write(kw: number): Promise<void> {
    const c = this.config.control;
    if (c.type === 'sunspec') {
      const m = (this.model124 ??= await this.discover());
      const pct = Math.max(-100, Math.min(100, (Math.abs(kw) * 1000 * 100) / m.wChaMaxW));
      const inW = kw >= 0 ? pct : -pct;
      const raw = (p: number): number => u16(p / m.rteScale);
      // OutWRte, InWRte are adjacent: one write for both, then the revert time and the mode.
      await this.client.write(m.address + M124.OutWRte, [raw(-inW), raw(inW)]);
      await this.client.write(m.address + M124.InOutWRte_RvrtTms, [c.revertS]);
      await this.client.write(m.address + M124.StorCtl_Mod, [kw === 0 ? 0 : 3]);
      return;
    }
    if (!this.enabled && c.enable) await this.client.write(c.enable.address, [c.enable.value]);
    this.enabled = true;
    const signed = c.power.sign === 'charge-positive' ? kw : -kw;
    await this.client.write(c.power.address, encode(signed / c.power.scale, c.power.type));
    if (c.watchdog) await this.client.write(c.watchdog.address, [c.watchdog.seconds]);
  }

  private async discover(): Promise<{ address: number; wChaMaxW: number; rteScale: number }> {
    const device = await discoverSunSpec(this.client);
    const m = device.models.find((x) => x.id === 124);
    if (!m) throw new Error('the battery has no SunSpec model 124 (storage controls)');
    const regs = await this.client.read('holding', m.address, 26);
    const wChaMax = regs[M124.WChaMax]!;
    if (wChaMax === 0xffff || wChaMax === 0) throw new Error('model 124 WChaMax is not set');
    const sfW = s16(regs[M124.WChaMax_SF]!);
    const sfRte = regs[M124.InOutWRte_SF] === 0x8000 ? 0 : s16(regs[M124.InOutWRte_SF]!);
    return { address: m.address, wChaMaxW: wChaMax * 10 ** sfW, rteScale: 10 ** sfRte };
  }
}

/** Register words of a value (big-endian word order). */
function encode(v: number, type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32'): number[] {
  const b = Buffer.alloc(4);
  switch (type) {
    case 'int16':
    case 'uint16':
      return [u16(v)];
    case 'int32':
      b.writeInt32BE(Math.round(v));
      break;
    case 'uint32':
      b.writeUInt32BE(Math.max(0, Math.round(v)));
      break;
    case 'float32':
      b.writeFloatBE(v);
      break;
  }
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

export class ModbusBatteryCommander implements BatteryCommander {
  private readonly links = new Map<string, BatteryLink>();

  constructor(configs: readonly ModbusBatteryConfig[], nowMs: () => number) {
    for (const c of configs) this.links.set(c.batteryId, new BatteryLink(c, nowMs));
  }

  set(batteryId: string, kw: number): void {
    this.links.get(batteryId)?.set(kw);
  }

  status(batteryId: string): BatteryCommandStatus {
    return this.links.get(batteryId)?.status() ?? { lastCommandKw: null, writeError: 'not configured' };
  }

  close(): void {
    for (const l of this.links.values()) l.close();
  }
}
