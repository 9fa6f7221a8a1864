/**
 * `fusebox simulate`: replays a session file against one or more policies on a network model, at one
 * capacity, over a sweep of capacities, or searching the smallest capacity that meets a demand target.
 * Prints a table (or, with --json, one JSON line last on stdout), and writes a report with --report.
 * Its parts: the options (simulate-args.ts), the files it reads (simulate-inputs.ts), what it prints
 * (simulate-output.ts).
 */
import cliProgress from 'cli-progress';
import type { SimSession } from '../sim/sessions/sim-session.ts';
import type { PortAssignment } from '../sim/simulate/port-assignment.ts';
import {
  assignPorts,
  carsAtOncePerStation,
  UnknownStationsError,
  unknownStations,
} from '../sim/simulate/port-assignment.ts';
import { writeReport } from '../sim/simulate/report.ts';
import type { RunOptions, RunOutcome } from '../sim/simulate/run-one.ts';
import { runOne } from '../sim/simulate/run-one.ts';
import type { SetupOptions } from '../sim/simulate/scenario.ts';
import { buildSetup } from '../sim/simulate/scenario.ts';
import type { SizingResult } from '../sim/simulate/sizing.ts';
import { sizeFor } from '../sim/simulate/sizing.ts';
import type { SimulateFlags } from './simulate-args.ts';
import { ArgError, parseSimulateArgs } from './simulate-args.ts';
import { EXIT_BAD_ARGS, Exit, loadProfiles, loadSessions, loadSite } from './simulate-inputs.ts';
import {
  networkLabel,
  placementLabel,
  placementNotes,
  printJson,
  printRuns,
  printSizing,
} from './simulate-output.ts';
import { SIMULATE_USAGE, argumentError } from './usage.ts';

type Out = (line: string) => void;

/** Runs `fusebox simulate` with `args` (after the command name); returns the exit code. */
export async function runSimulate(
  args: readonly string[],
  out: Out,
  err: Out = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  try {
    return await simulateCommand(args, out, err);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    const message = e instanceof ArgError ? e.message : argumentError(e);
    if (message !== undefined) {
      err(`fusebox simulate: ${message}`);
      err('Run `npx fusebox simulate --help` for the options.');
      return EXIT_BAD_ARGS;
    }
    throw e;
  }
}

async function simulateCommand(args: readonly string[], out: Out, err: Out): Promise<number> {
  const flags = parseSimulateArgs(args);
  if (flags === 'help') {
    out(SIMULATE_USAGE);
    return 0;
  }
  const { values, json, stepMs, capacity, sweep, sizeTarget, network, assignMode } = flags;
  const site = loadSite(values.site, err);
  const imported = loadSessions(flags.sessionsFile, err);
  const sessions = imported.sessions;
  const { timeZone, tariff, buildingKwAt, pvKwAt } = loadProfiles(values, site, imported, err);
  const setupOpts: SetupOptions = {
    kind: network,
    stationIds: sessions.map((s) => s.stationId),
    site,
    voltageV: flags.voltageV,
    evseMaxA: flags.evseMaxA,
    // A station the data shows holding several cars at once (two connectors) gets as many EVSEs.
    evsesPerStation: network === 'aggregate' ? carsAtOncePerStation(sessions) : undefined,
  };
  const runOpts: RunOptions = {
    stepMs,
    defaultMaxPowerKw: flags.evMaxKw,
    tariff,
    timeZone,
    buildingKwAt,
    pvKwAt,
    taper:
      flags.taperSoc === undefined
        ? undefined
        : { thresholdSoc: flags.taperSoc, capacityKwh: flags.carBatteryKwh ?? 60 },
    assignPorts: assignMode,
    objective: flags.objective,
    battery: flags.siteBattery,
  };
  // Place the cars once, before any long run: placement does not depend on the policy or the capacity.
  const placementNetwork = buildSetup(setupOpts, capacity ?? sweep?.[0] ?? 100).network;
  const placement = placeCars(sessions, placementNetwork, flags, err);
  const ports = placementNetwork.evses.length;

  const capacities: (number | undefined)[] = sweep ?? (sizeTarget === undefined ? [capacity] : []);
  const runs = await runAll(sessions, setupOpts, runOpts, capacities, flags, err);
  const sizing = await size(sessions, setupOpts, runOpts, placement, flags, err);

  if (values.report !== undefined) {
    const files = writeReport(values.report, {
      title: 'Fusebox simulation',
      sessionsFile: flags.sessionsFile,
      format: imported.format,
      networkLabel: networkLabel(network, values.site),
      placement: placementLabel(placement, ports),
      stepMs,
      runs,
      sizing,
      notes: imported.notes,
    });
    if (!json) err(`report: ${files.join(', ')}`);
  }

  if (json) {
    printJson(runs, sizing, out);
    return 0;
  }
  out(
    `${sessions.length} sessions (${imported.format}), ${networkLabel(network, values.site)}, ${placementLabel(placement, ports)}, step ${stepMs / 60_000} min`,
  );
  printRuns(runs, tariff, flags.siteBattery !== undefined, out);
  printSizing(sizing, sessions.length, placement, out);
  return 0;
}

/**
 * The cars on the network's ports. Stations the network does not know stop the run here, with the flag that
 * would place them.
 */
function placeCars(
  sessions: readonly SimSession[],
  network: Parameters<typeof assignPorts>[1],
  flags: SimulateFlags,
  err: Out,
): PortAssignment {
  const { assignMode, json } = flags;
  if (assignMode === 'as-in-data') {
    const missing = unknownStations(sessions, network);
    if (missing.length > 0) {
      err(`fusebox simulate: ${new UnknownStationsError(missing).message}`);
      throw new Exit(EXIT_BAD_ARGS);
    }
  }
  const placement = assignPorts(sessions, network, assignMode);
  for (const line of placementNotes(placement, network.evses.length)) {
    // A data problem is worth saying even with --json (as malformed rows are); the rest is for the table.
    if (!json || assignMode === 'as-in-data') err(line);
  }
  return placement;
}

/** Every policy at every capacity, with a progress bar on a terminal (not with --json). */
async function runAll(
  sessions: readonly SimSession[],
  setupOpts: SetupOptions,
  runOpts: RunOptions,
  capacities: readonly (number | undefined)[],
  { json, policies }: SimulateFlags,
  err: Out,
): Promise<RunOutcome[]> {
  const bar =
    !json && process.stderr.isTTY && capacities.length * policies.length > 0
      ? new cliProgress.SingleBar(
          { format: 'simulating {bar} {percentage}% | {label}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const runs: RunOutcome[] = [];
  const total = capacities.length * policies.length;
  bar?.start(total * 100, 0, { label: '' });
  try {
    let done = 0;
    for (const c of capacities) {
      for (const p of policies) {
        const setup = buildSetup(setupOpts, c);
        const label = `${p} at ${setup.capacityKw} kW`;
        const outcome = await runOne(sessions, setup, p, {
          ...runOpts,
          onProgress: bar
            ? (k, n) => bar.update(done * 100 + Math.floor((100 * k) / n), { label })
            : undefined,
        });
        done++;
        bar?.update(done * 100, { label });
        runs.push(outcome);
      }
    }
  } catch (e) {
    bar?.stop();
    err(`fusebox simulate: ${e instanceof Error ? e.message : String(e)}`);
    throw new Exit(1);
  }
  bar?.stop();
  return runs;
}

/** --size-for: the smallest capacity meeting the target, per policy. */
async function size(
  sessions: readonly SimSession[],
  setupOpts: SetupOptions,
  runOpts: RunOptions,
  placement: PortAssignment,
  { json, policies, sizeTarget }: SimulateFlags,
  err: Out,
): Promise<SizingResult[]> {
  const sizing: SizingResult[] = [];
  if (sizeTarget === undefined) return sizing;
  for (const p of policies) {
    if (!json) err(`sizing for ${p}: bisection on the capacity…`);
    sizing.push(await sizeFor(sessions, setupOpts, p, sizeTarget, runOpts));
    // With cars turned away, also the service the cars that found a port need (the ports are the other answer).
    if (placement.turnedAwaySessions > 0)
      sizing.push(await sizeFor(sessions, setupOpts, p, sizeTarget, runOpts, 0.5, 'plugged-in'));
  }
  return sizing;
}
