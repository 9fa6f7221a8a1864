/** Validates the parts of a site document one by one, so that one bad element does not hide the rest. */
import type { z } from 'zod';
import type { DocPath } from './config-problem.ts';
import type { Report } from './problem-list.ts';
import type { CircuitConfig, MeterConfig, SiteSectionConfig, StationConfig } from './schema.ts';
import {
  circuitSchema,
  meterSchema,
  siteConfigSkeletonSchema,
  siteSectionSchema,
  stationSchema,
} from './schema.ts';
import { reportIssues } from './zod-issues.ts';
import type { EmsServerConfig } from '../modbus/ems-config-schema.ts';
import { emsServerConfigSchema } from '../modbus/ems-config-schema.ts';
import type { MqttConfig } from '../mqtt/mqtt-config.ts';
import { mqttConfigSchema } from '../mqtt/mqtt-config.ts';
import type { HttpSection, OcppSection, StoreSection } from './server-sections.ts';
import { httpSectionSchema, ocppSectionSchema, storeSectionSchema } from './server-sections.ts';
import type { UpstreamSection } from './upstream-section.ts';
import { upstreamSectionSchema } from './upstream-section.ts';
import type { AlertsSection } from './alerts-section.ts';
import { alertsSectionSchema } from './alerts-section.ts';
import type { TariffSection } from './tariff-section.ts';
import { tariffSectionSchema } from './tariff-section.ts';

/** A validated list element and its position in the list. */
export interface Indexed<T> {
  readonly index: number;
  readonly value: T;
}

export interface ParsedSections {
  readonly site: SiteSectionConfig | undefined;
  readonly ems: EmsServerConfig | undefined;
  readonly alerts: AlertsSection | undefined;
  readonly tariff: TariffSection | undefined;
  readonly mqtt: MqttConfig | undefined;
  readonly ocpp: OcppSection;
  readonly http: HttpSection;
  readonly store: StoreSection;
  /** Undefined without an `upstream` section or when it is invalid (then reported). */
  readonly upstream: UpstreamSection | undefined;
  readonly circuits: readonly Indexed<CircuitConfig>[];
  readonly meters: readonly Indexed<MeterConfig>[];
  readonly stations: readonly Indexed<StationConfig>[];
  /**
   * Every id written in each list, valid element or not, with the index of its first use: duplicates are found
   * even when the first one failed validation, and references to a broken element are not reported again.
   */
  readonly writtenIds: {
    readonly circuits: ReadonlyMap<string, number>;
    readonly meters: ReadonlyMap<string, number>;
    readonly stations: ReadonlyMap<string, number>;
  };
  /** True when every part validated. */
  readonly complete: boolean;
}

/** Validates the document; undefined when its top level is not even a map of the known sections. */
export function parseSections(raw: unknown, report: Report): ParsedSections | undefined {
  const input = withoutExtensionKeys(raw);
  const strict = siteConfigSkeletonSchema.safeParse(input);
  if (!strict.success) reportIssues(strict.error.issues, raw, [], report);
  // An unknown top-level key must not hide the problems inside the known sections.
  const top = strict.success ? strict : siteConfigSkeletonSchema.strip().safeParse(input);
  if (!top.success) return undefined;
  let complete = strict.success;
  const section = <T>(schema: z.ZodType<T>, value: unknown, path: DocPath): T | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    complete = false;
    reportIssues(r.error.issues, value, path, report);
    return undefined;
  };
  const list = <T>(
    schema: z.ZodType<T>,
    values: readonly unknown[],
    name: string,
    written: Map<string, number>,
  ) => {
    const out: Indexed<T>[] = [];
    values.forEach((value, index) => {
      const parsed = section(schema, value, [name, index]);
      if (parsed !== undefined) out.push({ index, value: parsed });
      if (isRecord(value) && typeof value.id === 'string' && !written.has(value.id))
        written.set(value.id, index);
    });
    return out;
  };
  const writtenIds = {
    circuits: new Map<string, number>(),
    meters: new Map<string, number>(),
    stations: new Map<string, number>(),
  };
  const site = section(siteSectionSchema, top.data.site, ['site']);
  const ems = top.data.ems === undefined ? undefined : section(emsServerConfigSchema, top.data.ems, ['ems']);
  const alerts =
    top.data.alerts === undefined ? undefined : section(alertsSectionSchema, top.data.alerts, ['alerts']);
  const tariff =
    top.data.tariff === undefined ? undefined : section(tariffSectionSchema, top.data.tariff, ['tariff']);
  const mqtt = top.data.mqtt === undefined ? undefined : section(mqttConfigSchema, top.data.mqtt, ['mqtt']);
  // Absent process sections take every default; a broken one is reported and replaced by its defaults.
  const ocpp = section(ocppSectionSchema, top.data.ocpp ?? {}, ['ocpp']) ?? ocppSectionSchema.parse({});
  const http = section(httpSectionSchema, top.data.http ?? {}, ['http']) ?? httpSectionSchema.parse({});
  const store = section(storeSectionSchema, top.data.store ?? {}, ['store']) ?? storeSectionSchema.parse({});
  const upstream =
    top.data.upstream === undefined
      ? undefined
      : section(upstreamSectionSchema, top.data.upstream, ['upstream']);
  const circuits = list(circuitSchema, top.data.circuits, 'circuits', writtenIds.circuits);
  const meters = list(meterSchema, top.data.meters, 'meters', writtenIds.meters);
  const stations = list(stationSchema, top.data.stations, 'stations', writtenIds.stations);
  return {
    site,
    ems,
    alerts,
    tariff,
    mqtt,
    ocpp,
    http,
    store,
    upstream,
    circuits,
    meters,
    stations,
    writtenIds,
    complete,
  };
}

/** Top-level keys starting with `x-` hold YAML anchors for reuse (as in Compose files) and are ignored. */
export function withoutExtensionKeys(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
