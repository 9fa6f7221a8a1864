/**
 * `npm run bench -- boot-failsafe`: how soon a booting station has its fail-safe TxDefaultProfile. A simulated
 * station that answers at once boots over a real WebSocket (OCPP 1.6 and 2.0.1, 2 ports, one taking only W so
 * its default is refused in A and sent again in W); measured at the station, from the BootNotification answer
 * to its answer accepting the last port's default. Target: < 100 ms. BENCH_BOOTS sets the boots per case.
 */
import { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import { percentile } from './support/stats.ts';
import type { OcppVersion } from '../src/contracts/station-gateway.ts';
import { profileOf, recordBoot } from '../src/ocpp/testing/boot-timeline.ts';
import { eventually, startHarness } from '../src/ocpp/testing/ocpp-harness.ts';

interface BenchOptions {
  readonly json: boolean;
}

const BOOTS = Number(process.env.BENCH_BOOTS ?? 20);
const PORTS = 2;

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const cases: { version: OcppVersion; units: ('A' | 'W')[] }[] = [
    { version: '1.6', units: ['A'] },
    { version: '2.0.1', units: ['A'] },
    { version: '1.6', units: ['W'] },
    { version: '2.0.1', units: ['W'] },
  ];
  const results: unknown[] = [];
  for (const c of cases) {
    const ids = Array.from({ length: BOOTS }, (_, i) => `CP${i + 1}`);
    const h = await startHarness({ stations: ids.map((id) => ({ id, ports: PORTS, version: c.version })) });
    const ms: number[] = [];
    let firstNotDefault = 0;
    try {
      for (const id of ids) {
        const st = new SimulatedStation({
          url: h.url,
          stationId: id,
          version: c.version,
          ports: PORTS,
          rateUnits: c.units,
        });
        const timeline = recordBoot(st);
        await st.connect();
        const defaults = await eventually(() => {
          const t = timeline();
          const accepted = t?.calls.filter(
            (x) =>
              profileOf(x.payload).purpose === 'TxDefaultProfile' &&
              (x.answer as { status?: string } | undefined)?.status === 'Accepted',
          );
          return accepted && accepted.length >= PORTS ? { t: t!, last: accepted[PORTS - 1]! } : undefined;
        }, `${id}'s defaults`);
        if (profileOf(defaults.t.calls[0]?.payload).purpose !== 'TxDefaultProfile') firstNotDefault++;
        ms.push(defaults.last.answeredMs! - defaults.t.bootAnswerMs);
        await st.close();
      }
    } finally {
      await h.dispose();
    }
    ms.sort((a, b) => a - b);
    const r = {
      version: c.version,
      stationUnits: c.units.join(','),
      boots: BOOTS,
      medianMs: +percentile(ms, 50).toFixed(1),
      p95Ms: +percentile(ms, 95).toFixed(1),
      maxMs: +ms.at(-1)!.toFixed(1),
      firstCallNotDefault: firstNotDefault,
    };
    results.push(r);
    if (!opts.json)
      console.log(
        `OCPP ${r.version}, station takes ${r.stationUnits}: boot answer -> ${PORTS} defaults accepted ` +
          `median ${r.medianMs} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms over ${r.boots} boots` +
          ` (first call not the default: ${r.firstCallNotDefault})`,
      );
  }
  return results;
}
