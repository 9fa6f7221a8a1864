/** The EMS server with independent clients: pymodbus for reads, writes and exception codes; mbpoll as installers use it. */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { EmsServer } from './ems-server.ts';
import { emsOptions } from './testing/ems-fixture.ts';
import { mbpoll, pyClient, requirePeers } from './testing/python-peers.ts';

const s32 = (hi: number, lo: number): number => ((hi << 16) | lo) >> 0;

describe('EMS server with pymodbus and mbpoll as the EMS', () => {
  let ems: EmsServer | undefined;
  afterEach(async () => {
    await ems?.close();
    ems = undefined;
  });

  it('serves identity, site, circuit and port values', async () => {
    await requirePeers();
    ems = await EmsServer.start(emsOptions());
    const [identity, site, circuit1, port0, port2, input] = await pyClient(ems.port, 1, [
      { op: 'read', address: 0, count: 10 },
      { op: 'read', address: 100, count: 19 },
      { op: 'read', address: 1010, count: 10 },
      { op: 'read', address: 3000, count: 10 },
      { op: 'read', address: 3020, count: 10 },
      { op: 'read', table: 'input', address: 0, count: 3 },
    ]);
    expect(identity).toMatchObject({
      registers: [0x4642, 1, 0, 2, 3, 1000, 10, 3000, 10, expect.any(Number) as number],
    });
    const s = (site as { registers: number[] }).registers;
    expect(s32(s[3]!, s[4]!)).toBe(9876);
    expect(s32(s[5]!, s[6]!)).toBe(14050);
    expect(s32(s[9]!, s[10]!)).toBe(-250);
    expect(s[2]).toBe(1); // alarm: meter stale
    expect([s[17], s[18]]).toEqual([2, 1]);
    const c = (circuit1 as { registers: number[] }).registers;
    expect([s32(c[0]!, c[1]!), s32(c[6]!, c[7]!), s32(c[8]!, c[9]!)]).toEqual([6400, 7500, 2944]);
    const p = (port0 as { registers: number[] }).registers;
    expect([p[0], p[1], s32(p[2]!, p[3]!), s32(p[8]!, p[9]!)]).toEqual([3, 3, 1600, 1234]);
    // A port the snapshot does not list: state unknown, values "not available".
    const q = (port2 as { registers: number[] }).registers;
    expect([q[0], q[2], q[3]]).toEqual([0, 0x8000, 0]);
    expect(input).toEqual({ registers: [0x4642, 1, 0] });
  });

  it('takes valid commands, refuses bad ones with the right exception and changes nothing', async () => {
    await requirePeers();
    ems = await EmsServer.start(emsOptions());
    const seen: EmsCommands[] = [];
    ems.on('commands', (c) => seen.push(c));
    const results = await pyClient(ems.port, 1, [
      { op: 'write', address: 502, values: [2000] }, // site 200.0 A
      { op: 'write', address: 600, values: [1500, 600], multiple: true }, // grid 150 A, carport 60 A
      { op: 'write', address: 502, values: [2600] }, // 260 A > 250 A configured: 03
      { op: 'write', address: 601, values: [801] }, // carport 80.1 A > 80 A: 03
      { op: 'write', address: 500, values: [2] }, // enable must be 0/1: 03
      { op: 'write', address: 100, values: [1] }, // read-only: 02
      { op: 'write', address: 504, values: [5] }, // read-only watchdog: 02
      { op: 'write', address: 9000, values: [1] }, // unknown: 02
      { op: 'write', address: 502, values: [1000, 99], multiple: true }, // 503 = 9.9 kW fine, all or nothing ok
      { op: 'write', address: 501, values: [1, 1, 5], multiple: true }, // spans read-only 504? no: 501..503 ok
      { op: 'write', address: 503, values: [100, 7], multiple: true }, // 504 read-only: 02, 503 unchanged
      { op: 'read', address: 500, count: 5 },
      { op: 'read', address: 600, count: 3 }, // 602 does not exist (2 circuits): 02
      { op: 'read', address: 600, count: 2 },
    ]);
    expect(results.slice(0, 2)).toEqual([{ ok: true }, { ok: true }]);
    expect(results.slice(2, 8)).toEqual([
      { exception: 3 },
      { exception: 3 },
      { exception: 3 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
    ]);
    expect(results[8]).toEqual({ ok: true });
    expect(results[9]).toEqual({ ok: true });
    expect(results[10]).toEqual({ exception: 2 });
    expect(results[11]).toEqual({ registers: [1, 0, 1, 5, 60] });
    expect(results[12]).toEqual({ exception: 2 });
    expect(results[13]).toEqual({ registers: [1500, 600] });
    const last = ems.commands();
    expect(last).toMatchObject({ enabled: true, siteLimitA: 0.1, siteLimitKw: 0.5, watchdogExpired: false });
    expect([...last.circuitLimitA]).toEqual([
      ['grid', 150],
      ['carport', 60],
    ]);
    expect(seen.at(-1)).toEqual(last);
  });

  it('reverts a command the EMS stops refreshing to the fallback', async () => {
    await requirePeers();
    const watchdogMs = 4000;
    ems = await EmsServer.start(
      emsOptions({ watchdogMs, fallback: { chargingEnabled: true, siteLimitA: 100 } }),
    );
    const server = ems;
    expect(server.commands()).toMatchObject({ siteLimitA: 100, enabled: true, watchdogExpired: false });
    // Judged on the events the server emits, never on the state read some time later: on a loaded machine the
    // watchdog may run out before a later check runs, or the computed state may show the revert before the
    // watchdog's timer has emitted it.
    const seen: EmsCommands[] = [];
    const reverted = new Promise<number>((resolve) =>
      server.on('commands', (c) => {
        seen.push(c);
        if (c.watchdogExpired) resolve(Date.now());
      }),
    );
    const beforeWrite = Date.now();
    // One write of 500..502: charging off, keepalive, site 180.0 A (both commands written at the same instant).
    expect(
      await pyClient(server.port, 1, [{ op: 'write', address: 500, values: [0, 1, 1800], multiple: true }]),
    ).toEqual([{ ok: true }]);
    expect(seen[0]).toMatchObject({ siteLimitA: 180, enabled: false, watchdogExpired: false });
    const revertedAt = await Promise.race([
      reverted,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the watchdog did not revert within 60 s')), 60_000),
      ),
    ]);
    // Not before the watchdog time (less 100 ms of timer rounding), and then to the fallback in one step.
    expect(revertedAt - beforeWrite).toBeGreaterThanOrEqual(watchdogMs - 100);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ siteLimitA: 100, enabled: true, watchdogExpired: true });
    const [status] = await pyClient(server.port, 1, [{ op: 'read', address: 101, count: 1 }]);
    expect((status as { registers: number[] }).registers[0]! & 0b1000).toBe(0b1000);
  });

  it('mbpoll reads (0- and 1-based numbering) and writes a limit', async () => {
    await requirePeers();
    ems = await EmsServer.start(emsOptions());
    const base = ['-m', 'tcp', '-a', '1', '-t', '4', '-0', '-1', '-p', String(ems.port)];
    const read = await mbpoll([...base, '-r', '0', '-c', '3', '127.0.0.1']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toMatch(/\[0\]:\s+17986/);
    expect(read.stdout).toMatch(/\[2\]:\s+0/);
    const oneBased = await mbpoll([
      '-m',
      'tcp',
      '-a',
      '1',
      '-t',
      '4',
      '-1',
      '-p',
      String(ems.port),
      '-r',
      '1',
      '-c',
      '1',
      '127.0.0.1',
    ]);
    expect(oneBased.stdout).toMatch(/\[1\]:\s+17986/);
    const write = await mbpoll([...base, '-r', '502', '127.0.0.1', '1234']);
    expect(write.code, write.stdout + write.stderr).toBe(0);
    expect(ems.commands().siteLimitA).toBe(123.4);
    const refused = await mbpoll([...base, '-r', '502', '127.0.0.1', '9999']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/Illegal data value/i);
  });

  it('refuses writes when they are disabled, and clients not on the allow-list', async () => {
    await requirePeers();
    ems = await EmsServer.start(emsOptions({ writes: false }));
    expect(await pyClient(ems.port, 1, [{ op: 'write', address: 502, values: [10] }])).toEqual([
      { exception: 1 },
    ]);
    await ems.close();
    ems = await EmsServer.start(emsOptions({ allow: ['10.1.2.0/24'] }));
    const refused = await pyClient(ems.port, 1, [{ op: 'read', address: 0, count: 1 }]).catch(
      (e: unknown) => [{ error: String(e) }],
    );
    expect(refused[0]).toHaveProperty('error');
    await ems.close();
    ems = await EmsServer.start(emsOptions({ allow: ['10.1.2.0/24', '127.0.0.0/8'] }));
    expect(await pyClient(ems.port, 1, [{ op: 'read', address: 0, count: 1 }])).toEqual([
      { registers: [0x4642] },
    ]);
  });
});
