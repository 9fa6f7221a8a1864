/**
 * The contract every StationGateway passes (contracts/station-gateway.ts): the real OCPP server with a
 * station over WebSocket, and the simulator's SimGateway. One station with two 32 A ports on a 40 A circuit
 * (ocpp/testing/ocpp-harness.ts, harnessSite), so each port's fail-safe default is 20 A, below its maximum.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileSite } from '../../core/compiled-site.ts';
import { failSafeLimits } from '../../core/fail-safe.ts';
import type { Site } from '../../core/site.ts';
import type { GatewayEventName, GatewayEvents, SetpointEvent, StationGateway } from '../station-gateway.ts';
import { GATEWAY_EVENT_NAMES, OCPP_VERSIONS } from '../station-gateway.ts';

/** How the station answers SetChargingProfile. */
export type StationAnswerMode = 'accept' | 'reject' | 'no-answer';

/** A gateway with one station behind it, and what a test does to that station. */
export interface GatewayUnderTest {
  readonly gateway: StationGateway;
  readonly site: Site;
  readonly stationId: string;
  /** The station connects and boots: it reports each port's status and gets its fail-safe defaults. */
  connect(): Promise<void>;
  /** A car plugs in on the port, a transaction starts, and the station sends meter values from then on. */
  startSession(portId: string): Promise<void>;
  /** The transaction stops and the car leaves. */
  stopSession(portId: string): Promise<void>;
  /** How the station answers SetChargingProfile from now on. */
  answer(mode: StationAnswerMode): void;
  /** The station's connection drops. */
  disconnect(): Promise<void>;
  /** Resolves with `p`, letting (virtual) time pass meanwhile. */
  settle<T>(p: Promise<T>): Promise<T>;
  /** Resolves when `predicate` holds, letting (virtual) time pass; fails naming `what` after long. */
  until<T>(predicate: () => T | undefined | false, what: string): Promise<T>;
  dispose(): Promise<void>;
}

/** Registers the contract for one implementation; `make` builds a fresh one per test. */
export function stationGatewayContract(name: string, make: () => Promise<GatewayUnderTest>): void {
  describe(`station gateway contract: ${name}`, () => {
    let t: GatewayUnderTest | undefined;
    let events: { name: GatewayEventName; e: unknown }[] = [];
    afterEach(async () => {
      await t?.dispose();
      t = undefined;
    });

    const of = <E extends GatewayEventName>(event: E): GatewayEvents[E][] =>
      events.filter((x) => x.name === event).map((x) => x.e as GatewayEvents[E]);
    const sessionSetpoints = (): SetpointEvent[] => of('setpoint').filter((e) => e.purpose === undefined);

    type Booted = { t: GatewayUnderTest; g: StationGateway; ids: string[]; safeA: number };

    /** A fresh gateway, its events recorded, its station not connected yet. */
    async function fresh(): Promise<Booted> {
      t = await make();
      events = [];
      const g = t.gateway;
      for (const event of GATEWAY_EVENT_NAMES) g.on(event, (e) => events.push({ name: event, e }));
      const ids = t.site.ports.map((p) => p.id);
      const safe = failSafeLimits(compileSite(t.site));
      const safeA = safe[0]!.currentA;
      // Not vacuous: the default is below the ports' maximum, and the same for every port.
      expect(safeA).toBeLessThan(t.site.ports[0]!.maxCurrentA);
      expect(safe.every((l) => l.currentA === safeA)).toBe(true);
      return { t, g, ids, safeA };
    }

    /** A fresh gateway, its events recorded, its station connected and set up. */
    async function booted(): Promise<Booted> {
      const { t, g, ids, safeA } = await fresh();
      await t.connect();
      await t.until(
        () =>
          ids.every((id) => {
            const p = g.port(id);
            const defaultAccepted = of('setpoint').some(
              (e) => e.portId === id && e.purpose === 'default' && e.result === 'accepted',
            );
            return p?.connected === true && p.status === 'available' && defaultAccepted;
          }),
        'every port connected, available, its fail-safe default accepted',
      );
      return { t, g, ids, safeA };
    }

    async function charging(): Promise<{
      t: GatewayUnderTest;
      g: StationGateway;
      id: string;
      safeA: number;
    }> {
      const b = await booted();
      const id = b.ids[0]!;
      await b.t.startSession(id);
      await b.t.until(() => b.g.port(id)?.sessionId !== undefined, 'the session known to the gateway');
      return { t: b.t, g: b.g, id, safeA: b.safeA };
    }

    it('before its station connects: its ports are known, not connected, unknown, at least at their default', async () => {
      const { t, g, safeA } = await fresh();
      for (const port of t.site.ports) {
        const p = g.port(port.id)!;
        expect([p.connected, p.status, p.sessionId]).toEqual([false, 'unknown', undefined]);
        // The default computed at the start. Not yet held: the OCPP server counts the port at its maximum, the
        // simulator at its default (it counts defaults as held from the start, sim/devices/sim-gateway.ts `tracker`).
        expect(p.failSafeA).toBe(safeA);
        expect(p.effectiveLimitA).toBeGreaterThanOrEqual(safeA);
        expect(p.effectiveLimitA).toBeLessThanOrEqual(port.maxCurrentA);
        expect(g.effectiveLimitA(port.id)).toBe(p.effectiveLimitA);
      }
      expect(events).toEqual([]);
    });

    it('after boot: every port in ports() and port(), connected, available, under its fail-safe default', async () => {
      const { t, g, ids, safeA } = await booted();
      expect(
        g
          .ports()
          .map((p) => p.portId)
          .sort(),
      ).toEqual([...ids].sort());
      for (const port of t.site.ports) {
        const p = g.port(port.id)!;
        expect(p).toEqual(g.ports().find((x) => x.portId === port.id));
        expect(p.stationId).toBe(t.stationId);
        expect(p.connectorId).toBe(port.connectorId);
        expect(p.connected).toBe(true);
        expect(p.status).toBe('available');
        expect(p.sessionId).toBeUndefined();
        expect(p.failSafeA).toBe(safeA);
        expect(p.effectiveLimitA).toBe(safeA);
        expect(g.effectiveLimitA(port.id)).toBe(safeA);
      }
      expect(g.port('no-such-port')).toBeUndefined();
      expect(g.effectiveLimitA('no-such-port')).toBe(0);
      const connected = of('station-connected');
      expect(connected.map((e) => e.stationId)).toEqual([t.stationId]);
      expect(OCPP_VERSIONS).toContain(connected[0]!.version);
      for (const id of ids) {
        expect(of('port-status').some((e) => e.portId === id && e.status === 'available')).toBe(true);
        const d = of('setpoint').filter((e) => e.portId === id && e.purpose === 'default');
        expect(d.map((e) => [e.currentA, e.result, e.renewal])).toEqual([[safeA, 'accepted', false]]);
      }
    });

    it('a session: snapshots and events from start to stop; its TxProfile dies with it', async () => {
      const { t, g, id, safeA } = await charging();
      const other = t.site.ports[1]!.id;
      const p = g.port(id)!;
      expect(p.sessionStartedAtMs).toEqual(expect.any(Number));
      expect(['available', 'unknown']).not.toContain(p.status);
      // Until its first TxProfile a session runs under the fail-safe default.
      expect(p.effectiveLimitA).toBe(safeA);
      expect(g.port(other)!.sessionId).toBeUndefined();
      expect(of('session-started').map((e) => [e.portId, e.sessionId])).toEqual([[id, p.sessionId]]);

      expect(await t.settle(g.applySetpoint(id, 16))).toBe('accepted');
      expect(g.effectiveLimitA(id)).toBe(16);
      expect(g.port(id)!.effectiveLimitA).toBe(16);
      expect(g.effectiveLimitA(other)).toBe(safeA);
      expect(sessionSetpoints().map((e) => [e.portId, e.currentA, e.result, e.renewal])).toEqual([
        [id, 16, 'accepted', false],
      ]);

      const meter = await t.until(
        () => of('meter-values').find((e) => e.portId === id && e.sessionId === p.sessionId),
        'meter values of the session',
      );
      expect(meter.currentA.length).toBeGreaterThan(0);
      expect(g.port(id)!.lastMeter).toBeDefined();

      await t.stopSession(id);
      await t.until(() => g.port(id)?.sessionId === undefined, 'the session gone from the snapshot');
      expect(of('session-stopped').map((e) => [e.portId, e.sessionId])).toEqual([[id, p.sessionId]]);
      expect(g.effectiveLimitA(id)).toBe(safeA);
      await t.until(() => g.port(id)?.status === 'available', 'the port available again');
      expect(g.port(id)!.effectiveLimitA).toBe(safeA);
    });

    it('applySetpoint answers unknown-port, no-session, accepted and rejected', async () => {
      const { t, g, id, safeA } = await charging();
      const idle = t.site.ports[1]!.id;
      expect(await t.settle(g.applySetpoint('no-such-port', 10))).toBe('unknown-port');
      expect(await t.settle(g.applySetpoint(idle, 10))).toBe('no-session');
      expect(g.effectiveLimitA(idle)).toBe(safeA);

      expect(await t.settle(g.applySetpoint(id, 16))).toBe('accepted');
      t.answer('reject');
      expect(await t.settle(g.applySetpoint(id, 24))).toBe('rejected');
      // Refused: the station keeps what it had.
      expect(g.effectiveLimitA(id)).toBe(16);
      expect(g.port(id)!.effectiveLimitA).toBe(16);

      const results = sessionSetpoints().map((e) => [e.portId, e.currentA, e.result]);
      expect(results).toEqual([
        [idle, 10, 'no-session'],
        [id, 16, 'accepted'],
        [id, 24, 'rejected'],
      ]);
      expect(sessionSetpoints().at(-1)!.stationAnswer).toBe('Rejected');
    });

    it('an unconfirmed setpoint counts at the higher of old and new, a timed-out one until it expires', async () => {
      const { t, g, id } = await charging();
      expect(await t.settle(g.applySetpoint(id, 16))).toBe('accepted');
      t.answer('no-answer');
      // A decrease never answered: the port may still run at the old limit.
      expect(await t.settle(g.applySetpoint(id, 10))).toBe('timeout');
      expect(g.effectiveLimitA(id)).toBe(16);
      // An increase counts from the moment it may be applied, before any answer.
      const raise = g.applySetpoint(id, 24);
      await t.until(() => g.effectiveLimitA(id) === 24, 'the increase counted while in flight');
      expect(g.port(id)!.effectiveLimitA).toBe(24);
      expect(await t.settle(raise)).toBe('timeout');
      expect(g.effectiveLimitA(id)).toBe(24);
      // An accepted setpoint supersedes everything sent before it.
      t.answer('accept');
      expect(await t.settle(g.applySetpoint(id, 12))).toBe('accepted');
      expect(g.effectiveLimitA(id)).toBe(12);
      expect(sessionSetpoints().map((e) => e.result)).toEqual(['accepted', 'timeout', 'timeout', 'accepted']);
    });

    it('a disconnected station: the port is not connected, a setpoint to it is offline, its limit stays', async () => {
      const { t, g, id } = await charging();
      expect(await t.settle(g.applySetpoint(id, 16))).toBe('accepted');
      await t.disconnect();
      await t.until(() => g.port(id)?.connected === false, 'the port seen disconnected');
      expect(g.ports().every((p) => !p.connected)).toBe(true);
      expect(of('station-disconnected').map((e) => e.stationId)).toEqual([t.stationId]);
      // The session goes on at the station; Fusebox cannot send, and counts what it last knew.
      expect(g.port(id)!.sessionId).toBeDefined();
      expect(await t.settle(g.applySetpoint(id, 10))).toBe('offline');
      expect(g.effectiveLimitA(id)).toBe(16);
      expect(sessionSetpoints().at(-1)).toMatchObject({ portId: id, currentA: 10, result: 'offline' });
    });
  });
}
