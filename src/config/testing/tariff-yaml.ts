/** A site file's `tariff` section for tests (the API, dashboard and control loop tests of the demand cap). */

/**
 * One season all year in EUR with a demand charge (`demand`, e.g. `{ floorKw: 20 }`, at `demandPerKw` a kW)
 * and one energy price `perKwh` all day on `days` (default every day); `prices` replaces that price list
 * (the YAML after `prices:`).
 */
export function tariffYaml(o: {
  readonly name?: string;
  readonly demand: string;
  readonly demandPerKw: number;
  readonly perKwh?: number;
  readonly days?: string;
  readonly prices?: string;
}): string {
  const prices =
    o.prices ??
    ` [{ days: [${o.days ?? 'weekdays, weekends, holidays'}], bands: [{ from: '00:00', perKwh: ${o.perKwh} }] }]`;
  return `
tariff:${o.name ? `\n  name: ${o.name}` : ''}
  currency: EUR
  demand: ${o.demand}
  seasons:
    - name: all
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
      demandPerKw: ${o.demandPerKw}
      prices:${prices}
`;
}
