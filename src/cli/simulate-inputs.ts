/**
 * The files `fusebox simulate` (simulate.ts) reads: the site file, the session data, the tariff and the
 * building and PV profiles. A file that cannot be used is reported on stderr and ends the command (Exit).
 */
import { formatProblem } from '../config/config-problem.ts';
import { loadSiteConfigFile } from '../config/load.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { Tariff } from '../core/tariff.ts';
import { loadBdewProfile } from '../sim/world/profiles-data/bdew-profile.ts';
import { loadBuildingProfile } from '../sim/world/profiles-data/building-profile.ts';
import { profileAt } from '../sim/world/profiles-data/power-profile.ts';
import { loadPvProfile } from '../sim/world/profiles-data/pv-profile.ts';
import { loadTariffFile } from '../sim/world/profiles-data/tariff-file.ts';
import { importSessionsFile } from '../sim/sessions/import-sessions.ts';
import type { ImportResult } from '../sim/sessions/import-sessions.ts';
import type { SimulateValues } from './simulate-args.ts';
import { ArgError, isTimeZone, num, parseBdew } from './simulate-args.ts';

type Out = (line: string) => void;

export const EXIT_BAD_ARGS = 2;

/** Ends the command with `code`, its reason already on stderr. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The compiled site of --site, if given. */
export function loadSite(file: string | undefined, err: Out): CompiledSite | undefined {
  if (file === undefined) return undefined;
  const loaded = loadSiteConfigFile(file);
  if (!loaded.ok) {
    for (const p of loaded.problems) err(formatProblem(p));
    err(`fusebox simulate: ${file} has errors; run \`npx fusebox check ${file}\``);
    throw new Exit(EXIT_BAD_ARGS);
  }
  return loaded.compiled;
}

/** The sessions of --sessions; malformed rows are skipped and reported. */
export function loadSessions(file: string, err: Out): ImportResult {
  let imported: ImportResult;
  try {
    imported = importSessionsFile(file);
  } catch (e) {
    err(`fusebox simulate: ${message(e)}`);
    throw new Exit(EXIT_BAD_ARGS);
  }
  if (imported.problems.length > 0) {
    err(`${file}: ${imported.problems.length} malformed row(s) skipped`);
    for (const p of imported.problems.slice(0, 10)) err(`  line ${p.line}: ${p.message}`);
    if (imported.problems.length > 10) err(`  … and ${imported.problems.length - 10} more`);
  }
  if (imported.sessions.length === 0) {
    err(`fusebox simulate: ${file} holds no usable session`);
    throw new Exit(EXIT_BAD_ARGS);
  }
  return imported;
}

/** The time zone, tariff and profiles of the run. */
export interface SimulateProfiles {
  readonly timeZone: string;
  readonly tariff: Tariff | undefined;
  readonly buildingKwAt: ((tMs: number) => number) | undefined;
  readonly pvKwAt: ((tMs: number) => number) | undefined;
}

/** --time-zone (else the site's, else the data's, else UTC), --tariff, --building (--bdew) and --pv. */
export function loadProfiles(
  values: SimulateValues,
  site: CompiledSite | undefined,
  imported: ImportResult,
  err: Out,
): SimulateProfiles {
  const timeZone = values['time-zone'] ?? site?.site.timeZone ?? imported.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new ArgError(`--time-zone: '${timeZone}' is not an IANA time zone`);
  const buildingScale =
    num('building-scale', values['building-scale'], (x) => x >= 0, 'a factor of 0 or more') ?? 1;
  const pvScale = num('pv-scale', values['pv-scale'], (x) => x >= 0, 'a factor of 0 or more') ?? 1;
  if (values.bdew !== undefined && values.building === undefined)
    throw new ArgError('--bdew needs --building FILE');
  let tariff: Tariff | undefined;
  let buildingKwAt: ((tMs: number) => number) | undefined;
  let pvKwAt: ((tMs: number) => number) | undefined;
  try {
    if (values.tariff !== undefined) {
      const loaded = loadTariffFile(values.tariff, timeZone);
      for (const w of loaded.warnings) err(`${values.tariff}: warning: ${w}`);
      tariff = loaded.tariff;
    }
    if (values.building !== undefined) {
      const profile =
        values.bdew === undefined
          ? loadBuildingProfile(values.building, { timeZone, scale: buildingScale })
          : loadBdewProfile(values.building, { ...parseBdew(values.bdew), timeZone });
      const k = values.bdew === undefined ? 1 : buildingScale;
      buildingKwAt = (t) => k * profileAt(profile, t);
    }
    if (values.pv !== undefined) {
      const profile = loadPvProfile(values.pv, { timeZone, scale: pvScale });
      pvKwAt = (t) => profileAt(profile, t);
    }
  } catch (e) {
    err(`fusebox simulate: ${message(e)}`);
    throw new Exit(EXIT_BAD_ARGS);
  }
  return { timeZone, tariff, buildingKwAt, pvKwAt };
}
