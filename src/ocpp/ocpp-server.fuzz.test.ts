/**
 * Fuzzing the OCPP inbound side: payloads drawn from ocpp-rpc's JSON schemas (valid with edge values, and
 * one-mutation invalid), and broken framing, over a real WebSocket to a real OcppServer and SQLite store.
 * Properties: every CALL gets a CALLRESULT or the CALLERROR OCPP-J prescribes, a Heartbeat afterwards is
 * answered, the store holds no NaN/Infinity and no session that stops before it starts.
 * Short in `npm test`; `npm run fuzz` runs many more (FUZZ_RUNS), docs/operations.md "Fuzzing".
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { fuzzParams, fuzzTimeoutMs } from '../testing/fuzz-runs.ts';
import { STATION_ACTIONS } from './inbound-pipeline.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { startHarness } from './testing/ocpp-harness.ts';
import { EXPECTED_ERRORS, invalidPayload, requestSchemas, validPayload } from './testing/schema-arbitrary.ts';

type Version = '1.6' | '2.0.1';
type Frame = unknown[];

/** Station actions Fusebox answers with NotSupported (it has no certificate authority). */
const NOT_SUPPORTED = new Set(['SignCertificate', 'Get15118EVCertificate', 'GetCertificateStatus']);

/** CALLERRORs Fusebox itself raises for schema-valid but meaningless values (OCPP-J §4.2.3). */
const SEMANTIC_ERRORS = ['PropertyConstraintViolation', 'OccurrenceConstraintViolation'];

class Wire {
  private seq = 0;
  private readonly waiting = new Map<string, (f: Frame) => void>();
  /** Answers that arrived for no one waiting (a framing fuzz checks there are none it did not expect). */
  readonly unexpected: Frame[] = [];

  constructor(readonly st: SimulatedStation) {
    st.on('message', (e: { message: unknown; outbound: boolean }) => {
      if (e.outbound) return;
      const f = JSON.parse(String(e.message)) as Frame;
      if (f[0] === 2) return; // the server's own CALLs, answered by the simulated station
      const w = this.waiting.get(String(f[1]));
      if (w) {
        this.waiting.delete(String(f[1]));
        w(f);
      } else this.unexpected.push(f);
    });
  }

  nextId(): string {
    return `fz-${++this.seq}`;
  }

  /** Send `text`; resolve with the answer carrying `id`, reject after a generous deadline (a hang). */
  ask(text: string, id: string, timeoutMs = 15_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer to ${text.slice(0, 300)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.st.sendRaw(text);
    });
  }

  call(action: string, payload: unknown): Promise<Frame> {
    const id = this.nextId();
    return this.ask(JSON.stringify([2, id, action, payload]), id);
  }

  async heartbeatAnswered(): Promise<void> {
    const a = await this.call('Heartbeat', {});
    expect(a[0], JSON.stringify(a)).toBe(3);
  }
}

/** Every number in the store is finite; no session stops before it starts; no negative energy. */
function expectConsistentStore(h: Harness): void {
  const db = h.store.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  for (const { name } of tables) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
      for (const [col, v] of Object.entries(row))
        if (typeof v === 'number' && !Number.isFinite(v))
          throw new Error(`${name}.${col} holds ${v}: ${JSON.stringify(row)}`);
    }
  }
  const bad = db
    .prepare('SELECT * FROM sessions WHERE stopped_ms IS NOT NULL AND stopped_ms < started_ms')
    .all();
  expect(bad, 'sessions that stop before they start').toEqual([]);
}

describe.each<Version>(['1.6', '2.0.1'])('OCPP %s fuzzing', (version) => {
  let h: Harness;
  let st: SimulatedStation;
  let wire: Wire;
  const schemas = requestSchemas(version);
  const stationActions = new Set(STATION_ACTIONS[version]);
  const actions = [...schemas.keys()].sort();
  /** Transaction ids the server handed out (1.6) or the fuzz started (2.0.1), to stop/meter them later. */
  const knownTx: (number | string)[] = [];

  beforeAll(async () => {
    h = await startHarness({
      stations: [{ id: 'CP1', ports: 2, version }],
      settings: { acceptUnknownIdTags: true },
    });
    st = new SimulatedStation({ url: h.url, stationId: 'CP1', version, ports: 2 });
    await st.connect();
    wire = new Wire(st);
  });
  afterAll(async () => {
    await st?.close();
    await h?.dispose();
  });

  /** Point some transaction ids at real ones so stops and meter values reach real sessions. */
  function steer(action: string, payload: unknown, pick: number): unknown {
    if (knownTx.length === 0 || pick % 2 === 0 || typeof payload !== 'object' || payload === null)
      return payload;
    const tx = knownTx[pick % knownTx.length]!;
    const p = { ...(payload as Record<string, unknown>) };
    if (version === '1.6' && 'transactionId' in p && typeof tx === 'number') p.transactionId = tx;
    if (version === '2.0.1' && action === 'TransactionEvent' && typeof tx === 'string') {
      const info = p.transactionInfo as Record<string, unknown>;
      p.transactionInfo = { ...info, transactionId: tx };
    }
    return p;
  }

  const validCall = fc
    .constantFrom(...actions)
    .chain((action) => fc.tuple(fc.constant(action), validPayload(schemas.get(action)!), fc.nat()));

  it(
    'answers schema-valid payloads with edge values with a CALLRESULT (or NotImplemented/NotSupported)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(validCall, { minLength: 1, maxLength: 6 }), async (calls) => {
          for (const [action, raw, pick] of calls) {
            const payload = steer(action, raw, pick);
            const a = await wire.call(action, payload);
            const what = `${action} ${JSON.stringify(payload).slice(0, 500)} -> ${JSON.stringify(a)}`;
            if (!stationActions.has(action)) expect([a[0], a[2]], what).toEqual([4, 'NotImplemented']);
            else if (NOT_SUPPORTED.has(action)) expect([a[0], a[2]], what).toEqual([4, 'NotSupported']);
            else if (a[0] === 4) {
              // Fusebox's own checks of values the schema lets through (e.g. a negative current in
              // NotifyEVChargingNeeds): the OCPP-J constraint errors, naming the field; never Internal/Generic.
              expect(SEMANTIC_ERRORS, what).toContain(a[2]);
              expect(String(a[3]), what).toMatch(/^[\w.[\]]+: /);
            } else expect(a[0], what).toBe(3);
            if (a[0] === 3 && version === '1.6' && action === 'StartTransaction')
              knownTx.push((a[2] as { transactionId: number }).transactionId);
            if (a[0] === 3 && version === '2.0.1' && action === 'TransactionEvent')
              knownTx.push(
                String(
                  (payload as { transactionInfo: { transactionId: string } }).transactionInfo.transactionId,
                ),
              );
          }
          await wire.heartbeatAnswered();
        }),
        fuzzParams(30),
      );
      expectConsistentStore(h);
    },
    fuzzTimeoutMs(30, 1000),
  );

  it(
    'answers one-mutation schema-invalid payloads with the prescribed CALLERROR',
    async () => {
      const invalid = fc.oneof(
        ...actions
          .filter((a) => stationActions.has(a))
          .flatMap((a) => {
            const arb = invalidPayload(schemas.get(a)!);
            return arb ? [arb.map((m) => ({ action: a, ...m }))] : [];
          }),
      );
      await fc.assert(
        fc.asyncProperty(invalid, async ({ action, mutation, payload }) => {
          const a = await wire.call(action, payload);
          const what = `${mutation} ${action} ${JSON.stringify(payload).slice(0, 500)} -> ${JSON.stringify(a)}`;
          expect(a[0], what).toBe(4);
          expect(EXPECTED_ERRORS[mutation], what).toContain(a[2]);
          await wire.heartbeatAnswered();
        }),
        fuzzParams(60),
      );
      expectConsistentStore(h);
    },
    fuzzTimeoutMs(60, 300),
  );

  it(
    'answers broken framing with RpcFrameworkError (or nothing, for CALLRESULT/CALLERROR) and stays usable',
    async () => {
      /** A frame and the error code its answer must carry (undefined: no answer at all). */
      type Broken = { text: string; id: string; expect: string | undefined };
      const id = fc.constant('').map(() => wire.nextId());
      const notJson = fc
        .oneof(fc.string(), fc.constantFrom('{not json', '[2,"x"', '\u0000', '[]]', 'null null'))
        // ocpp-rpc ignores an empty frame (no answer): covered by the heartbeat that follows each case
        .filter((s) => {
          if (s === '') return false;
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        })
        .map((text): Broken => ({ text, id: '-1', expect: 'RpcFrameworkError' }));
      const notArray = fc
        .oneof(fc.jsonValue(), fc.constant(null))
        .filter((v) => !Array.isArray(v))
        .map((v): Broken => ({ text: JSON.stringify(v), id: '-1', expect: 'RpcFrameworkError' }));
      const badType = fc
        .tuple(fc.oneof(fc.string(), fc.boolean(), fc.constant(null)), id)
        .map(([t, i]): Broken => ({
          text: JSON.stringify([t, i, 'Heartbeat', {}]),
          id: '-1',
          expect: 'RpcFrameworkError',
        }));
      const unknownType = fc
        .tuple(
          fc.integer({ min: -5, max: 1000 }).filter((t) => t < 2 || t > 4),
          id,
        )
        // ocpp-rpc answers before reading the message id, so with id "-1"
        .map(([t, i]): Broken => ({
          text: JSON.stringify([t, i, 'Heartbeat', {}]),
          id: '-1',
          expect: 'MessageTypeNotSupported',
        }));
      const badId = fc
        .oneof(fc.integer(), fc.constant(null), fc.constant({}), fc.double())
        .map((i): Broken => ({
          text: JSON.stringify([2, i, 'Heartbeat', {}]),
          id: '-1',
          expect: 'RpcFrameworkError',
        }));
      const badMethod = fc
        .tuple(fc.oneof(fc.integer(), fc.constant(null), fc.constant([])), id)
        .map(([m, i]): Broken => ({
          text: JSON.stringify([2, i, m, {}]),
          id: i,
          expect: 'RpcFrameworkError',
        }));
      const badParams = fc
        .tuple(
          fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant([]), fc.constant(undefined)),
          id,
        )
        .map(([p, i]): Broken => ({
          text: JSON.stringify([2, i, 'Heartbeat', p]),
          id: i,
          expect: 'TypeConstraintViolation',
        }));
      const strayResult = fc.tuple(fc.constantFrom(3, 4), id, fc.jsonValue()).map(([t, i, v]): Broken => ({
        text: JSON.stringify(t === 3 ? [3, i, v] : [4, i, 'GenericError', 'x', {}]),
        id: i,
        expect: undefined,
      }));
      const nearLimit = id.map((i): Broken => ({
        // 200 kB, under the 256 kB default frame limit: a valid DataTransfer, answered normally
        text: JSON.stringify([2, i, 'DataTransfer', { vendorId: 'x', data: 'y'.repeat(200_000) }]),
        id: i,
        expect: 'result',
      }));
      const broken = fc.oneof(
        notJson,
        notArray,
        badType,
        unknownType,
        badId,
        badMethod,
        badParams,
        strayResult,
        nearLimit,
      );
      await fc.assert(
        fc.asyncProperty(broken, async (b) => {
          if (b.expect === undefined) {
            wire.st.sendRaw(b.text);
          } else {
            const a = await wire.ask(b.text, b.id);
            const what = `${b.text.slice(0, 300)} -> ${JSON.stringify(a).slice(0, 300)}`;
            if (b.expect === 'result') expect(a[0], what).toBe(3);
            else expect([a[0], a[2]], what).toEqual([4, b.expect]);
          }
          await wire.heartbeatAnswered();
          expect(wire.unexpected, 'answers to no question').toEqual([]);
        }),
        fuzzParams(60),
      );
      // A duplicate message id while the first is in flight: one result, one RpcFrameworkError.
      const dupId = wire.nextId();
      const dup = JSON.stringify([2, dupId, 'Heartbeat', {}]);
      const first = wire.ask(dup, dupId);
      wire.st.sendRaw(dup);
      expect((await first)[0]).toBeGreaterThanOrEqual(3);
      await wire.heartbeatAnswered();
      expectConsistentStore(h);
    },
    fuzzTimeoutMs(60, 300),
  );
});
