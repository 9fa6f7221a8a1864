/**
 * `npm run eval`: the ACN-Sim algorithm comparison reproduced (datasets/published.md §1.4 A, protocol §1.5).
 * Caltech, March 2019, 954 sessions, 5-min steps, 208 V, 6.6 kW cars, BASIC EVSEs (0–32 A continuous);
 * transformer 10…125 kW step 5; the exact three-phase network and the single-phase aggregate model (plus
 * the linearized three-phase one, for reference); every policy. Writes docs/evaluation.md.
 * The sweep is 10…140 kW: the published means are over 27 capacities, and 27 steps of 5 kW from 10 kW end at
 * 140 kW (datasets/published.md's "10 to 125" gives 24); our means match the published ones over 10–140 only.
 * Options: --quick (capacities 10, 20, 30, 50, 80, 125), --no-offline (skip the LPs), --out FILE,
 * --cost-capacities 50,80 (the cost section's capacities, default 50), --cost-only (rewrite only the cost
 * section, bench/eval-cost.ts, of the existing document).
 * Its parts (bench/eval/): the published values (published.ts), the runs (runs.ts), the tables (tables.ts) and
 * the document's prose (prose.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importSessionsFile } from '../src/sim/sessions/import-sessions.ts';
import { COST_HEADING, costSection } from './eval-cost.ts';
import { evaluationDocument } from './eval/prose.ts';
import { FULL_SWEEP, POLICIES, QUICK_SWEEP, WORKLOAD, overchargingVariant, runNetwork } from './eval/runs.ts';

const OUT = fileURLToPath(new URL('../docs/evaluation.md', import.meta.url));

/** Runs the evaluation and writes the report; returns the summary rows. */
export async function run(opts: { readonly json?: boolean } = {}): Promise<unknown[]> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const withOffline = !args.includes('--no-offline');
  const outIdx = args.indexOf('--out');
  const outFile = outIdx >= 0 && args[outIdx + 1] ? args[outIdx + 1]! : OUT;
  const capacities = quick ? QUICK_SWEEP : FULL_SWEEP;
  const costIdx = args.indexOf('--cost-capacities');
  const costCapacities = (costIdx >= 0 ? (args[costIdx + 1] ?? '') : '50').split(',').map(Number);
  if (costCapacities.some((c) => !(c > 0)))
    throw new Error('--cost-capacities is a list of kW such as 50,80');
  const policies = POLICIES.filter((p) => withOffline || p !== 'offline');
  const log = (s: string): void => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };
  const imported = importSessionsFile(WORKLOAD);
  const sessions = imported.sessions;
  if (args.includes('--cost-only')) {
    const section = await costSection(sessions, costCapacities, log);
    writeFileSync(outFile, withSection(readFileSync(outFile, 'utf8'), section));
    log(`wrote the cost section of ${outFile}`);
    return [];
  }
  const requested = sessions.reduce((s, x) => s + x.energyKwh, 0);
  const started = Date.now();
  const three = await runNetwork(sessions, 'caltech', '3-phase exact', capacities, policies, log);
  const one = await runNetwork(sessions, 'aggregate', '1-phase aggregate', capacities, policies, log);
  const lin = await runNetwork(sessions, 'caltech-linear', '3-phase linear', capacities, policies, log);
  const totalSeconds = ((Date.now() - started) / 1000).toFixed(0);
  const cost = await costSection(sessions, costCapacities, log);
  const variant = await overchargingVariant(sessions, three, one);
  const doc = evaluationDocument({
    sessions: sessions.length,
    requestedKwh: requested,
    skippedRows: imported.problems.length,
    capacities,
    quick,
    three,
    one,
    lin,
    totalSeconds,
    cost,
    variant,
  });
  writeFileSync(outFile, doc);
  log(`wrote ${outFile}`);
  return [...three.runs.values(), ...one.runs.values()]
    .flat()
    .map((m) => ({ policy: m.policy, capacityKw: m.capacityKw, demandMetPct: m.demandMetPct }));
}

/** `doc` with its cost section replaced by `section` (inserted before the discussion when it has none). */
export function withSection(doc: string, section: string): string {
  const start = doc.indexOf(COST_HEADING);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + COST_HEADING.length);
    return doc.slice(0, start) + section + (next >= 0 ? `\n${doc.slice(next)}` : '\n');
  }
  const at = doc.indexOf('## Discussion');
  return at >= 0 ? `${doc.slice(0, at)}${section}\n\n${doc.slice(at)}` : `${doc}\n${section}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
