/** Loads a site configuration file: YAML with positions, strict schema, cross-checks, core Site. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { CompiledSite } from '../core/compiled-site.ts';
import { compileSite, SiteModelError } from '../core/compiled-site.ts';
import type { Site } from '../core/site.ts';
import type { Tariff } from '../core/tariff.ts';
import { buildSite } from './build-site.ts';
import { resolveCircuitTree } from './circuit-tree.ts';
import type { ConfigProblem } from './config-problem.ts';
import { deepFreeze } from './deep-freeze.ts';
import { checkDeadlineSettings } from './deadline-checks.ts';
import { checkPlannerSettings } from './planner-checks.ts';
import { checkPortCapacity, checkTreeLimits } from './limit-checks.ts';
import { linkMeters } from './meter-links.ts';
import { parseSections } from './parse-sections.ts';
import { ProblemList } from './problem-list.ts';
import { resolveSecrets } from './secret-field.ts';
import { resolvePorts } from './resolve-ports.ts';
import type { SiteConfig } from './schema.ts';
import { SourcePositions } from './source-positions.ts';
import { checkTariff } from './tariff-section.ts';
import { checkBatteries, checkIslanded } from './battery-section.ts';
import { checkTls } from './tls-files.ts';
import { checkUpstream } from './upstream-section.ts';
import { checkMqttFiles } from '../mqtt/mqtt-config.ts';
import { resolveSupply } from './supply-systems.ts';

/** A configuration that passed every check. `problems` holds its warnings. */
export interface LoadedSiteConfig {
  readonly ok: true;
  readonly config: SiteConfig;
  readonly site: Site;
  readonly compiled: CompiledSite;
  /** The `tariff` section in the core's model (src/core/tariff.ts), in the site's zone; undefined without one. */
  readonly tariff?: Tariff | undefined;
  readonly problems: readonly ConfigProblem[];
}

/** A configuration with at least one error; `problems` holds every error and warning found. */
export interface FailedSiteConfig {
  readonly ok: false;
  readonly problems: readonly ConfigProblem[];
}

export type SiteConfigResult = LoadedSiteConfig | FailedSiteConfig;

export interface LoadOptions {
  /**
   * Also read and check the files the site file names (`ocpp.tls`): `fusebox check`, start and reload do; commands
   * that only need the site's model or store path (user, simulate) do not, so that they run where those files are
   * absent or not readable.
   */
  readonly readFiles?: boolean;
}

/** Reads and checks a site configuration file; never throws for anything the file or its absence can cause. */
export function loadSiteConfigFile(path: string, options: LoadOptions = {}): SiteConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'this is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : err instanceof Error
              ? err.message
              : String(err);
    const message = `cannot read the site configuration: ${reason}`;
    return {
      ok: false,
      problems: [{ severity: 'error', file: path, line: 0, column: 0, path: '', message }],
    };
  }
  return loadSiteConfigText(text, path, options.readFiles ? dirname(resolve(path)) : undefined);
}

/**
 * Checks the text of a site configuration; `fileName` is only used in the problems it reports. With `baseDir`
 * (the directory of the file, which relative paths in it start from), the files it names are checked too, and
 * secrets given as `<key>File` or `<key>Env` (from `env`) are read; without it they are left out.
 */
export function loadSiteConfigText(
  text: string,
  fileName: string,
  baseDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): SiteConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const problems = new ProblemList(fileName, new SourcePositions(doc, lineCounter));
  for (const e of doc.errors) {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    problems.addAt('error', line, col, `YAML: ${e.message}`);
  }
  for (const w of doc.warnings) {
    const { line, col } = lineCounter.linePos(w.pos[0]);
    problems.addAt('warning', line, col, `YAML: ${w.message}`);
  }
  if (doc.errors.length > 0) return { ok: false, problems: problems.sorted() };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.error([], `YAML: ${err instanceof Error ? err.message : String(err)}`);
    return { ok: false, problems: problems.sorted() };
  }
  if (raw === null || raw === undefined) {
    problems.error([], 'the file is empty: a site needs at least `site` and `circuits`');
    return { ok: false, problems: problems.sorted() };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.error(
      [],
      'the file must be a map with the keys site, circuits, meters, stations (and optionally ocpp, http, store, ems, mqtt, upstream)',
    );
    return { ok: false, problems: problems.sorted() };
  }

  const secrets = resolveSecrets(raw, baseDir === undefined ? undefined : { baseDir, env }, problems);
  const parsed = parseSections(secrets.value, secrets.report);
  if (!parsed) return { ok: false, problems: problems.sorted() };
  const siteSupply = resolveSupply(parsed.site?.supply ?? '230/400V');
  const tree = resolveCircuitTree(parsed, siteSupply, problems);
  const links = linkMeters(parsed, tree, problems);
  const batteries = checkBatteries(parsed, tree, links, problems);
  checkIslanded(tree, problems);
  const hasPv = parsed.meters.some((m) => m.value.role === 'pv');
  const ports = resolvePorts(parsed, tree, hasPv, problems);
  checkTreeLimits(tree, problems);
  checkDeadlineSettings(parsed, problems);
  checkTls(parsed, baseDir, problems);
  checkUpstream(parsed, baseDir, problems);
  const tariff =
    parsed.tariff && parsed.site ? checkTariff(parsed.tariff, parsed.site.timeZone, problems) : undefined;
  checkPlannerSettings(parsed, tariff, problems);
  checkMqttFiles(parsed.mqtt, baseDir, problems);
  if (problems.errorCount > 0 || !parsed.complete || !parsed.site)
    return { ok: false, problems: problems.sorted() };

  const site = deepFreeze(
    buildSite(parsed.site.timeZone, tree, links, ports.ports, parsed.site.allocation, batteries),
  );
  let compiled: CompiledSite;
  try {
    compiled = compileSite(site);
  } catch (err) {
    // The checks above catch what compileSite refuses; this is the backstop, reported like any other problem.
    const detail = err instanceof SiteModelError ? `${err.message} (${err.path})` : String(err);
    problems.error([], `the core refused the site model: ${detail}`);
    return { ok: false, problems: problems.sorted() };
  }
  checkPortCapacity(compiled, ports.pathOf, problems);
  if (problems.errorCount > 0) return { ok: false, problems: problems.sorted() };

  const config = deepFreeze<SiteConfig>({
    site: parsed.site,
    ocpp: parsed.ocpp,
    http: parsed.http,
    store: parsed.store,
    ...(parsed.ems ? { ems: parsed.ems } : {}),
    ...(parsed.upstream ? { upstream: parsed.upstream } : {}),
    ...(parsed.alerts ? { alerts: parsed.alerts } : {}),
    ...(parsed.tariff ? { tariff: parsed.tariff } : {}),
    ...(parsed.mqtt ? { mqtt: parsed.mqtt } : {}),
    circuits: parsed.circuits.map((c) => c.value),
    meters: parsed.meters.map((m) => m.value),
    stations: parsed.stations.map((s) => s.value),
  });
  return { ok: true, config, site, compiled, tariff, problems: problems.sorted() };
}
