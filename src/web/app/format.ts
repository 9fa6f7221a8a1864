/** Number, time and duration formatting for the dashboard (units: docs/configuration.md). */

export const PHASES = ['L1', 'L2', 'L3'] as const;

/** "12.3 A", or "–" when unknown. */
export function fmtA(a: number | null | undefined, digits = 1): string {
  return a === null || a === undefined || !Number.isFinite(a) ? '–' : `${a.toFixed(digits)} A`;
}

/** "4.20 kW", or "–" when unknown. */
export function fmtKw(kw: number | null | undefined): string {
  return kw === null || kw === undefined || !Number.isFinite(kw)
    ? '–'
    : `${kw.toFixed(kw >= 100 ? 0 : 1)} kW`;
}

/** "12.34 kWh". */
export function fmtKwh(kwh: number | null | undefined): string {
  return kwh === null || kwh === undefined ? '–' : `${kwh.toFixed(2)} kWh`;
}

/** "1 h 05 min", "12 min", "40 s". */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min`;
  return `${total} s`;
}

/** Date and time in the site's time zone: "26 Nov 14:05". */
export function fmtTime(iso: string | number | null | undefined, timeZone?: string): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
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
  const day = (x: Date | number) => new Date(x).toLocaleDateString('en-GB', { timeZone });
  const time = d.toLocaleTimeString('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  if (day(d) === day(nowMs)) return time;
  return `${d.toLocaleDateString('en-GB', { timeZone, day: 'numeric', month: 'short' })} ${time}`;
}

/** Who set a session's departure, in words: "stated by the car", "site default". */
export function departureSourceLabel(source: string | null | undefined): string {
  switch (source) {
    case 'car':
      return 'stated by the car';
    case 'port':
      return "the port's usual stay";
    case 'station':
      return "the station's usual stay";
    case 'site':
      return 'site default';
    default:
      return 'source unknown';
  }
}

/** Value for an `<input type="datetime-local">` (the browser's local time) from a Date. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Human label for a port state. */
export function stateLabel(state: string): string {
  return state.charAt(0).toUpperCase() + state.slice(1);
}
