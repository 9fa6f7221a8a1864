import { describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { HarnessOptions } from './testing/ocpp-harness.ts';
import { eventually, rawFrame } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

async function setUp(
  version: OcppVersion,
  options: HarnessOptions = {},
  boot = true,
): Promise<SimulatedStation> {
  return ocpp.cp1(
    version,
    { circuitLimitA: 40, ...options, settings: { acceptUnknownIdTags: true, ...options.settings } },
    {},
    boot,
  );
}

const raw = rawFrame;

const eventsOf = (kind: string): { message: string }[] =>
  ocpp.h.store.db.prepare('SELECT message FROM events WHERE kind = ?').all(kind) as { message: string }[];

describe.each<OcppVersion>(['1.6', '2.0.1'])('OCPP %s robustness', (version) => {
  it('answers a malformed frame with RpcFrameworkError and keeps the connection', async () => {
    const st = await setUp(version);
    const answer = await raw(st, '{not json', '-1');
    expect(answer.slice(0, 3)).toEqual([4, '-1', 'RpcFrameworkError']);
    const answer2 = await raw(st, '[2, 17, "Heartbeat", {}]', '-1');
    expect(answer2[2]).toBe('RpcFrameworkError');
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('answers wrong types, unknown and unsupported actions with the prescribed CALLERROR', async () => {
    const st = await setUp(version);
    const status =
      version === '1.6'
        ? { connectorId: 'one', errorCode: 'NoError', status: 'Available' }
        : {
            timestamp: new Date().toISOString(),
            connectorStatus: 'Available',
            evseId: 'one',
            connectorId: 1,
          };
    const typeError = await raw(st, JSON.stringify([2, 'm1', 'StatusNotification', status]), 'm1');
    expect(typeError.slice(0, 3)).toEqual([4, 'm1', 'TypeConstraintViolation']);
    const extra = await raw(st, JSON.stringify([2, 'm2', 'Heartbeat', { surprise: true }]), 'm2');
    expect(extra.slice(0, 3)).toEqual([4, 'm2', 'PropertyConstraintViolation']);
    const unknown = await raw(st, JSON.stringify([2, 'm3', 'MakeCoffee', {}]), 'm3');
    expect(unknown.slice(0, 3)).toEqual([4, 'm3', 'NotImplemented']);
    const sign = version === '1.6' ? { csr: 'x' } : { csr: 'x' };
    const unsupported = await raw(st, JSON.stringify([2, 'm4', 'SignCertificate', sign]), 'm4');
    expect(unsupported.slice(0, 3)).toEqual([4, 'm4', 'NotSupported']);
    expect(await st.call('DataTransfer', { vendorId: 'com.example', messageId: 'hello', data: 'x' })).toEqual(
      {
        status: 'UnknownVendorId',
      },
    );
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('closes a connection that sends a frame above the size limit with 1009, and nothing else', async () => {
    const st = await setUp(version, { settings: { maxFrameBytes: 64 * 1024 } });
    const other = ocpp.station({ stationId: 'CP2', version });
    const closed = new Promise<{ code: number }>((resolve) => st.once('disconnected', resolve));
    st.sendRaw(JSON.stringify([2, 'big', 'DataTransfer', { vendorId: 'x', data: 'x'.repeat(200_000) }]));
    expect((await closed).code).toBe(1009);
    // The server is still up: the station reconnects and is served.
    await st.connect({ boot: false });
    expect(await st.heartbeat()).toBeGreaterThan(0);
    await expect(other.connect()).rejects.toThrow(); // CP2 is not configured: refused, server unharmed
  });

  it('refuses messages before an accepted BootNotification with SecurityError', async () => {
    const st = await setUp(version, {}, false);
    await expect(st.heartbeat()).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    expect((await st.boot()).status).toBe('Accepted');
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('asks a configured station that never boots (its old store was lost) for a BootNotification', async () => {
    // The server's 2 s wait runs on a virtual clock, moved on here instead of waited for.
    const clock = new VirtualClock(Date.now());
    const st = await setUp(version, { clock }, false);
    await expect(st.heartbeat()).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    expect(st.received.some((c) => c.action === 'TriggerMessage')).toBe(false);
    await eventually(async () => {
      await clock.advanceBy(500);
      return st.bootStatus === 'Accepted';
    }, 'a triggered boot');
    expect(st.received.some((c) => c.action === 'TriggerMessage')).toBe(true);
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('handles a duplicate message id without a second session', async () => {
    const st = await setUp(version);
    await st.plugIn(1);
    const ts = new Date().toISOString();
    const frame =
      version === '1.6'
        ? [2, 'dup-1', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 100, timestamp: ts }]
        : [
            2,
            'dup-1',
            'TransactionEvent',
            {
              eventType: 'Started',
              timestamp: ts,
              triggerReason: 'Authorized',
              seqNo: 0,
              transactionInfo: { transactionId: 'tx-dup' },
              evse: { id: 1, connectorId: 1 },
              idToken: { idToken: 'T', type: 'ISO14443' },
            },
          ];
    const text = JSON.stringify(frame);
    const answers: unknown[][] = [];
    st.on('message', (e: { message: unknown; outbound: boolean }) => {
      const msg = JSON.parse(String(e.message)) as unknown[];
      if (!e.outbound && msg[1] === 'dup-1') answers.push(msg);
    });
    // Twice at once (the second while the first is in flight), then again after the answers (a retransmission).
    st.sendRaw(text);
    st.sendRaw(text);
    await eventually(() => answers.length === 2, 'two answers');
    st.sendRaw(text);
    await eventually(() => answers.length === 3, 'the third answer');
    // Each is a result or, for the one sent while the first was in flight, RpcFrameworkError.
    for (const a of answers) expect(a[0] === 3 || a[2] === 'RpcFrameworkError').toBe(true);
    const again = answers[2]!;
    expect(again[0]).toBe(3);
    const n = ocpp.h.store.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number };
    expect(n.n).toBe(1);
    if (version === '1.6') expect((again[2] as { transactionId: number }).transactionId).toBeGreaterThan(0);
  });

  it('times out on a station that never answers, logs it, and counts the higher limit', async () => {
    const st = await setUp(version, { settings: { callTimeoutMs: 300 } }, false);
    st.answering = 'never';
    await st.boot();
    // Its defaults never get confirmed: each port counts at its maximum.
    await eventually(() => eventsOf('setpoint-timeout').length >= 2, 'default profile timeouts', 15_000);
    expect(ocpp.h.server.effectiveLimitA('CP1-1')).toBe(32);
    await st.plugIn(1);
    await st.start(1, 'T');
    await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'session');
    expect(await ocpp.h.server.applySetpoint('CP1-1', 10)).toBe('timeout');
    expect(ocpp.h.server.effectiveLimitA('CP1-1')).toBe(32);
    await eventually(
      () => eventsOf('setpoint-timeout').some((e) => e.message.includes('setpoint of 10 A timeout')),
      'the timeout in the event log',
    );
    // The station's own messages are still served.
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('keeps the old limit for a rejected decrease and logs the reason', async () => {
    const st = await setUp(version);
    await eventually(() => ocpp.h.server.effectiveLimitA('CP1-1') === 20, 'default accepted');
    await st.plugIn(1);
    await st.start(1, 'T');
    await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'session');
    expect(await ocpp.h.server.applySetpoint('CP1-1', 16)).toBe('accepted');
    st.answering = 'reject-profiles';
    expect(await ocpp.h.server.applySetpoint('CP1-1', 8)).toBe('rejected');
    expect(ocpp.h.server.effectiveLimitA('CP1-1')).toBe(16);
    const [event] = await eventually(() => {
      const events = eventsOf('setpoint-rejected');
      return events.length ? events : undefined;
    }, 'the rejection in the event log');
    expect(event!.message).toContain('station answered Rejected');
  });

  it('continues a session across a reconnect without a new boot', async () => {
    const st = await setUp(version);
    await st.plugIn(1);
    await st.start(1, 'T');
    await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId !== undefined, 'session');
    st.port(1).meterWh += 1000;
    await st.reconnect();
    await st.sendMeterValues(1);
    st.port(1).meterWh += 500;
    const { energyWh } = await st.stop(1);
    const row = ocpp.h.store.db.prepare('SELECT energy_wh, stopped_ms FROM sessions').get() as {
      energy_wh: number;
      stopped_ms: number;
    };
    expect(row.stopped_ms).toBeGreaterThan(0);
    expect(row.energy_wh).toBeCloseTo(energyWh, 0);
    expect(energyWh).toBeGreaterThanOrEqual(1500);
  });
});

describe('a Fusebox restart mid-session', () => {
  it('picks the open session up from the store when the station comes back', async () => {
    await ocpp.start({
      stations: [{ id: 'CP1', ports: 2, version: '1.6' }],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    const dbPath = ocpp.h.dbPath;
    const st = ocpp.station({ stationId: 'CP1', version: '1.6', ports: 2 });
    await st.connect();
    await st.plugIn(2);
    await st.start(2, 'T');
    st.port(2).meterWh += 2000;
    await st.sendMeterValues(2);
    await ocpp.h.stop(); // Fusebox goes away; the station keeps its transaction
    const restarted = await ocpp.start({
      stations: [{ id: 'CP1', ports: 2, version: '1.6' }],
      dbPath,
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    const st2 = ocpp.station({ stationId: 'CP1', version: '1.6', ports: 2 });
    // Same station state, new connection, no boot (the station did not restart).
    st2.ports.set(2, st.port(2));
    await st2.connect({ boot: false });
    expect(restarted.server.port('CP1-2')!.sessionId).toBeDefined();
    // The fail-safe defaults are re-sent since this Fusebox process has not seen them accepted.
    expect(restarted.server.effectiveLimitA('CP1-1')).toBe(32);
    await eventually(() => restarted.server.effectiveLimitA('CP1-1') === 20, 'default re-sent');
    expect(await restarted.server.applySetpoint('CP1-2', 12)).toBe('accepted');
    const { energyWh } = await st2.stop(2);
    const row = restarted.store.db.prepare('SELECT energy_wh FROM sessions').get() as { energy_wh: number };
    expect(row.energy_wh).toBeCloseTo(energyWh, 0);
  });
});

describe('a stop timestamped before its start (a station clock jumped back; found by fuzzing)', () => {
  it('never gets a negative duration: the stop is at the receive time (docs/ocpp.md), never before the start', async () => {
    const st = await setUp('1.6');
    await st.plugIn(1);
    await st.start(1, 'T');
    const sessionId = await eventually(() => ocpp.h.server.port('CP1-1')!.sessionId, 'session');
    await st.call('StopTransaction', {
      transactionId: sessionId,
      meterStop: 0,
      timestamp: '2000-01-01T00:00:00Z',
    });
    const answeredMs = Date.now();
    const row = ocpp.h.store.db
      .prepare('SELECT started_ms, stopped_ms FROM sessions WHERE session_id = ?')
      .get(sessionId) as { started_ms: number; stopped_ms: number };
    expect(row.started_ms).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    // A stamp far from Fusebox's clock is replaced by the receive time; the store also keeps a stop no
    // earlier than its start (write-ops.ts), whatever reaches it.
    expect(row.stopped_ms).toBeGreaterThanOrEqual(row.started_ms);
    expect(row.stopped_ms).toBeLessThanOrEqual(answeredMs);
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });
});
