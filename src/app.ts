/**
 * The composition root: loads the site, wires the adapters around the core. Until the control loop
 * lands, `start` shows what Fusebox would control on the site and exits.
 */
import { fileURLToPath } from 'node:url';
import type { PortAllocation } from './core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './core/allocation.ts';
import { allocate } from './core/allocator.ts';
import { effectiveCapacities } from './core/effective-capacity.ts';
import { failSafeLimits } from './core/fail-safe.ts';
import { formatProblem } from './config/config-problem.ts';
import { loadSiteConfigFile } from './config/load.ts';
import { summarizeSite } from './config/site-summary.ts';
import { describeLimitedBy } from './core/explain.ts';

/** The demo site `npm start` runs when no configuration is given. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../examples/demo.yaml', import.meta.url));

export interface StartOptions {
  readonly configPath?: string | undefined;
  readonly out: (line: string) => void;
  readonly nowMs?: number;
}

/** `fusebox start`: returns the exit code (2 when the configuration has errors). */
export function runStart(opts: StartOptions): Promise<number> {
  const { out } = opts;
  const path = opts.configPath ?? DEMO_CONFIG_PATH;
  const loaded = loadSiteConfigFile(path);
  for (const p of loaded.problems) out(formatProblem(p));
  if (!loaded.ok) {
    out(`fusebox: ${path} has errors; nothing started. Fix them, or run \`npx fusebox check ${path}\`.`);
    return Promise.resolve(2);
  }
  out(opts.configPath ? `Fusebox on ${path}` : `Fusebox on the demo site (${path})`);
  out('');
  for (const line of summarizeSite(loaded)) out(line);

  const cs = loaded.compiled;
  const nowMs = opts.nowMs ?? Date.now();
  // Before any meter is read, DLM circuits count their worst-case non-EV load: what Fusebox sends first.
  const capacities = effectiveCapacities(cs, { circuits: new Map() }, nowMs);
  const demands = cs.ports.map((p) => ({ portId: p.id }));
  const first = allocate(cs, { capacities, demands }, INITIAL_ALLOCATOR_STATE, nowMs).allocation;
  const failSafe = failSafeLimits(cs);

  out('');
  out('What every port would get with a car on each, before the first meter reading:');
  const width = Math.max(...cs.ports.map((p) => p.id.length));
  cs.ports.forEach((p, i) => {
    out(`  ${p.id.padEnd(width)}  ${fmt(first[i]!)}  fail-safe default ${failSafe[i]!.currentA} A`);
  });
  out('');
  out('The control loop (OCPP stations, Modbus meters, the EMS interface) is not in this version yet:');
  out('this run shows what Fusebox would control, and stops.');
  return Promise.resolve(0);
}

function fmt(a: PortAllocation): string {
  return `${String(a.currentA).padStart(5)} A  ${describeLimitedBy(a.limitedBy).padEnd(48)}`;
}
