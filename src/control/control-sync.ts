/**
 * Puts what operators set through the API into the control loop at once: overrides become a capacity
 * input, dashboard schedules are merged into the site's circuit schedules (the lower limit wins). The API
 * (and the composition root) call it; it sees the store and the loop through ControlSyncDeps only.
 */
import type { Clock } from '../clock.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { compileSite } from '../core/compiled-site.ts';
import type { OperatorOverride } from '../core/effective-capacity.ts';
import type { Schedule } from '../core/schedule.ts';
import type { OverrideRecord, UiScheduleRecord } from '../contracts/api-records.ts';

// Making an Intl.DateTimeFormat costs tens of µs, and the ports payload words a departure per session.
const formats = new Map<string, { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();

/** "18:00", or "27 Nov 18:00" when not today, in the site's time zone. */
export function localTimeText(ms: number, nowMs: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = {
      day: new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }),
      time: new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
    };
    formats.set(timeZone, f);
  }
  const { day, time } = f;
  const sameDay = day.format(ms) === day.format(nowMs);
  return sameDay ? time.format(ms) : `${day.format(ms)} ${time.format(ms)}`;
}

/** Per circuit, the overrides as the core's capacity input, each with its explanation. */
export function overrideInputs(
  overrides: readonly OverrideRecord[],
  nowMs: number,
  timeZone: string,
): Map<string, OperatorOverride[]> {
  const out = new Map<string, OperatorOverride[]>();
  for (const o of overrides) {
    if (o.untilMs <= nowMs) continue;
    const list = out.get(o.circuitId) ?? [];
    list.push({
      limitA: o.limitA ?? undefined,
      limitKw: o.limitKw ?? undefined,
      untilMs: o.untilMs,
      source: `override by ${o.updatedBy} until ${localTimeText(o.untilMs, nowMs, timeZone)}`,
    });
    out.set(o.circuitId, list);
  }
  return out;
}

/**
 * The site with each enabled dashboard schedule as an operator schedule of its circuit: each is evaluated on
 * its own next to the site file's (an exception suspends only its own schedule) and the lowest limit wins.
 */
export function withUiSchedules(base: CompiledSite, schedules: readonly UiScheduleRecord[]): CompiledSite {
  const enabled = schedules.filter((s) => s.enabled && base.circuitIndex.has(s.circuitId));
  if (enabled.length === 0) return base;
  const circuits = base.site.circuits.map((c) => {
    const mine = enabled.filter((s) => s.circuitId === c.id);
    if (mine.length === 0) return c;
    const operatorSchedules: Schedule[] = mine.map((s) => ({
      weekly: s.weekly.map((e) => ({ ...e, label: e.label ?? s.name })),
      exceptions: s.exceptions.map((x) => ({ ...x, label: x.label ?? s.name })),
    }));
    return { ...c, operatorSchedules };
  });
  return compileSite({ ...base.site, circuits });
}

/** What ControlSync needs: the operators' records in the store, the control loop, the site (ApiDeps has it). */
export interface ControlSyncDeps {
  readonly store: {
    readonly overrides: { list(): readonly OverrideRecord[] };
    readonly schedules: { list(): readonly UiScheduleRecord[] };
  };
  readonly live: {
    setOverrides(overrides: ReadonlyMap<string, readonly OperatorOverride[]>): void;
    site(): CompiledSite;
    reconfigure(site: CompiledSite): string | null;
  };
  readonly config: { readonly site: { readonly timeZone: string } };
  /** The site of the site file, before the dashboard schedules are merged into it. */
  baseSite(): CompiledSite;
  readonly clock: Pick<Clock, 'nowMs'>;
}

export class ControlSync {
  private overrideList: readonly OverrideRecord[] = [];

  constructor(private readonly deps: ControlSyncDeps) {}

  /** The overrides last applied. */
  overrides(): readonly OverrideRecord[] {
    return this.overrideList;
  }

  applyOverrides(): void {
    this.overrideList = this.deps.store.overrides.list();
    this.deps.live.setOverrides(
      overrideInputs(this.overrideList, this.deps.clock.nowMs(), this.deps.config.site.timeZone),
    );
  }

  /** Returns why the control loop refused the merged site, or null. */
  applySchedules(): string | null {
    const site = withUiSchedules(this.deps.baseSite(), this.deps.store.schedules.list());
    // Nothing to merge into the site in force (the first start without dashboard schedules).
    if (site === this.deps.live.site()) return null;
    return this.deps.live.reconfigure(site);
  }
}
