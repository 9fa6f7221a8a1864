/** The battery block of a battery meter and the islanded limit of a root circuit (docs/configuration.md). */
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';
import { problemLines } from './testing/load-text.ts';

function site(battery: string, extra = ''): string {
  return `site: { name: t, timeZone: Europe/Paris }
circuits:
  - id: main
    limitA: 63
    meter: grid
    islanded: { limitA: 40, limitKw: 25 }
  - { id: sub, parent: main, limitA: 32${extra} }
meters:
  - id: grid
    role: load
    driver: { type: modbus, host: 127.0.0.1, preset: sunspec }
  - id: bat
    role: battery
    circuit: main
    driver: { type: modbus, host: 127.0.0.1, preset: sunspec }
${battery}
`;
}

const GOOD = `    battery:
      capacityKwh: 50
      maxChargeKw: 20
      maxDischargeKw: 25
      reserveSocPct: 20
      maxSocPct: 95
      control: { type: sunspec, revertS: 120 }`;

describe('batteries in the site file', () => {
  it('a battery meter with a battery block becomes a battery of the core site, on its meter circuit', () => {
    const r = loadSiteConfigText(site(GOOD), 'site.yaml');
    expect(r.problems).toEqual([]);
    if (!r.ok) throw new Error('must load');
    expect(r.site.batteries).toEqual([
      {
        id: 'bat',
        circuitId: 'main',
        meterId: 'bat',
        capacityKwh: 50,
        maxChargeKw: 20,
        maxDischargeKw: 25,
        reserveSocPct: 20,
        maxSocPct: 95,
        phases: ['L1', 'L2', 'L3'],
        control: true,
      },
    ]);
    expect(r.site.circuits.find((c) => c.id === 'main')!.islanded).toEqual({ limitA: 40, limitKw: 25 });
    expect(r.config.meters[1]!.battery?.control).toEqual({ type: 'sunspec', revertS: 120 });
  });

  it('without control it is read only; defaults: reserve 10 %, max 100 %', () => {
    const r = loadSiteConfigText(
      site(`    battery: { capacityKwh: 10, maxChargeKw: 5, maxDischargeKw: 5, phases: [L2] }`),
      'site.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.site.batteries![0]).toMatchObject({
      control: false,
      reserveSocPct: 10,
      maxSocPct: 100,
      phases: ['L2'],
    });
  });

  it('reports bad blocks with file, line and column', () => {
    expect(
      problemLines(
        site(`    battery:
      capacityKwh: -1
      maxChargeKw: 5
      maxDischargeKw: 5
      reserveSocPct: 90
      maxSocPct: 80
      control: { type: registers, power: { address: 70000, type: int8, scale: 1 } }`),
      ),
    ).toEqual([
      'error 17:20 meters[1].battery.capacityKwh: must be greater than 0 kWh',
      'error 22:53 meters[1].battery.control.power.address: must be 0 to 65535',
      'error 22:66 meters[1].battery.control.power.type: expected int16, uint16, int32, uint32 or float32',
    ]);
    expect(problemLines(site(GOOD.replace('reserveSocPct: 20', 'reserveSocPct: 95')))).toEqual([
      'error 20:22 meters[1].battery.reserveSocPct: must be below maxSocPct (95 %)',
    ]);
  });

  it('a battery block on a load meter, a phase listed twice, islanded below the root: errors', () => {
    const onLoad = site('').replace(
      '    role: load\n',
      '    role: load\n    battery: { capacityKwh: 1, maxChargeKw: 1, maxDischargeKw: 1 }\n',
    );
    expect(problemLines(onLoad)).toEqual([
      'error 11:14 meters[0].battery: only a meter with role battery has a battery block (this one is load)',
    ]);
    const twice = site(
      `    battery: { capacityKwh: 1, maxChargeKw: 1, maxDischargeKw: 1, phases: [L1, L1] }`,
    );
    expect(problemLines(twice)).toEqual(['error 16:75 meters[1].battery.phases: a phase is listed twice']);
    expect(problemLines(site('', ', islanded: { limitA: 10 }'))).toEqual([
      "error 7:52 circuits[1].islanded: only a root circuit (the grid connection) has an islanded limit; 'sub' is below 'main'",
    ]);
  });
});
