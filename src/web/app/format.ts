/**
 * Number, time and duration formatting for the dashboard (units: docs/configuration.md), in the current
 * language's conventions (Intl; i18n.ts): "12.3 A" in English, "12,3 A" in French.
 */
import { intlLocale, msg } from './i18n.ts';

export const PHASES = ['L1', 'L2', 'L3'] as const;

/** Number formats by locale and decimals: made once, not on each of the many numbers a render shows. */
const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number with exactly `digits` decimals in the current locale: "1234.5" → "1,234.5" / "1 234,5". */
export function fmtNum(n: number, digits = 0): string {
  const key = `${intlLocale()}|${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(intlLocale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(key, f);
  }
  return f.format(n);
}

/** "12.3 A", or "–" when unknown. */
export function fmtA(a: number | null | undefined, digits = 1): string {
  return a === null || a === undefined || !Number.isFinite(a) ? '–' : `${fmtNum(a, digits)} A`;
}

/** "4.20 kW", or "–" when unknown. */
export function fmtKw(kw: number | null | undefined): string {
  return kw === null || kw === undefined || !Number.isFinite(kw)
    ? '–'
    : `${fmtNum(kw, kw >= 100 ? 0 : 1)} kW`;
}

/** "12.34 kWh". */
export function fmtKwh(kwh: number | null | undefined, digits = 2): string {
  return kwh === null || kwh === undefined ? '–' : `${fmtNum(kwh, digits)} kWh`;
}

/** "1 h 05 min", "12 min", "40 s" (the same symbols in English and French). */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min`;
  return `${total} s`;
}

/** Date and time in the site's time zone: "5 Dec 2026, 14:05" / "5 déc. 2026, 14:05". */
export function fmtTime(iso: string | number | null | undefined, timeZone?: string): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(intlLocale(), {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

/** "10:30" in the site's time zone, or "27 Nov 10:30" when it is not on the day of `nowMs`. */
export function fmtClock(
  iso: string | number | null | undefined,
  timeZone?: string,
  nowMs: number = Date.now(),
): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const locale = intlLocale();
  const day = (x: Date | number) => new Date(x).toLocaleDateString(locale, { timeZone });
  const time = d.toLocaleTimeString(locale, {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  if (day(d) === day(nowMs)) return time;
  return `${d.toLocaleDateString(locale, { timeZone, day: 'numeric', month: 'short' })} ${time}`;
}

/** Short weekday names, Monday first: "Mon"… / "lun."… */
export function weekdayNames(): string[] {
  const f = new Intl.DateTimeFormat(intlLocale(), { weekday: 'short', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => f.format(Date.UTC(2024, 0, 1 + i)));
}

/** Who set a session's departure, in words: "stated by the car", "site default". */
export function departureSourceLabel(source: string | null | undefined): string {
  const t = msg();
  switch (source) {
    case 'driver':
      return t.departureDriver;
    case 'car':
      return t.departureCar;
    case 'port':
      return t.departurePort;
    case 'station':
      return t.departureStation;
    case 'site':
      return t.departureSite;
    default:
      return t.departureUnknown;
  }
}

/** Value for an `<input type="datetime-local">` (the browser's local time) from a Date. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Label for a port state ("Charging" / "En charge"); an unknown state as it came. */
export function stateLabel(state: string): string {
  const t = msg();
  const labels: Record<string, string> = {
    available: t.stateAvailable,
    charging: t.stateCharging,
    suspended: t.stateSuspended,
    offline: t.stateOffline,
    faulted: t.stateFaulted,
    preparing: t.statePreparing,
    finishing: t.stateFinishing,
    unknown: t.stateUnknown,
  };
  return labels[state] ?? state.charAt(0).toUpperCase() + state.slice(1);
}

/** The binding constraint's kind (`limitedBy.kind`, docs/api.md) as a label; an unknown kind as it came. */
export function limitedByKindLabel(kind: string): string {
  const t = msg();
  const labels: Record<string, string> = {
    idle: t.kindIdle,
    'port-max': t.kindPortMax,
    'demand-max': t.kindDemandMax,
    'cloud-profile': t.kindCloudProfile,
    plan: t.kindPlan,
    car: t.kindCar,
    'below-minimum': t.kindBelowMinimum,
    uncontrolled: t.kindUncontrolled,
    circuit: t.kindCircuit,
    paused: t.kindPaused,
  };
  return labels[kind] ?? kind;
}

/** Why a station is uncontrolled (`uncontrolled.reason`), as a label; an unknown reason as it came. */
export function uncontrolledLabel(reason: string, fallback: string): string {
  const t = msg();
  const labels: Record<string, string> = {
    rejected: t.uncontrolledRejected,
    'not-implemented': t.uncontrolledNotImplemented,
    timeout: t.uncontrolledTimeout,
    'no-smart-charging': t.uncontrolledNoSmartCharging,
  };
  return labels[reason] ?? fallback;
}

/** A circuit's limit source from the API: its one fixed phrase "static limit" translated, others (schedule and
 * override names, who set them) as they came. */
export function limitSourceLabel(source: string | null | undefined): string {
  return source === null || source === undefined || source === 'static limit' ? msg().staticLimit : source;
}

/** A circuit's kind from the site file (grid, transformer, panel, circuit) as a label; others as they came. */
export function circuitKindLabel(kind: string): string {
  const t = msg();
  const labels: Record<string, string> = {
    grid: t.circuitKindGrid,
    transformer: t.circuitKindTransformer,
    panel: t.circuitKindPanel,
    circuit: t.circuitKindCircuit,
  };
  return labels[kind] ?? kind;
}
