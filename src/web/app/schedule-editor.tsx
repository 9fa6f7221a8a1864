/**
 * A circuit's weekly schedule on a 7 x 24 grid. Drag (or click, or arrow keys + Enter) to set the painted
 * limit for a block of hours; Save sends the schedule to the API. The site file's schedule is shown beside
 * each hour and cannot be edited here (the lower of the two applies).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from './api.ts';
import type { Schedule, SiteCircuit, WeeklyEntry } from './api-types.ts';
import { useCanWrite } from './site-context.ts';
import type { WeekCells } from './weekly-grid.ts';
import { DAYS, HOURS, entriesFromWeek, paint, weekFromEntries } from './weekly-grid.ts';

interface Props {
  readonly circuit: SiteCircuit;
  /** The UI-made schedule of this circuit, if any. */
  readonly schedule: Schedule | null;
  readonly siteFile: readonly WeeklyEntry[];
  readonly onSaved: () => void;
}

type Cell = { day: number; hour: number };

/** The weekly grid of one circuit, editable by operators. */
export function ScheduleEditor({ circuit, schedule: latest, siteFile, onSaved }: Props) {
  const canWrite = useCanWrite();
  // The version this editor started from: saving sends its version, so an edit made meanwhile by someone
  // else is refused (409) instead of silently overwritten.
  const [schedule, setBase] = useState<Schedule | null>(latest);
  const initial = weekFromEntries(schedule?.weekly ?? []);
  const [cells, setCells] = useState<WeekCells>(initial.cells);
  const [name, setName] = useState(schedule?.name ?? `${circuit.name} schedule`);
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [brush, setBrush] = useState<string>(String(Math.round(circuit.limitA / 2)));
  const [erase, setErase] = useState(false);
  const [focus, setFocus] = useState<Cell>({ day: 0, hour: 8 });
  const [drag, setDrag] = useState<{ start: Cell; base: WeekCells } | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; text: string; conflict?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const adoptNext = useRef(false);
  const grid = useRef<HTMLTableElement>(null);
  const siteCells = weekFromEntries(siteFile).cells;
  const dirty =
    JSON.stringify(entriesFromWeek(cells)) !== JSON.stringify(entriesFromWeek(initial.cells)) ||
    name !== (schedule?.name ?? `${circuit.name} schedule`) ||
    enabled !== (schedule?.enabled ?? true);
  const newer =
    latest !== null && schedule !== null && latest.id === schedule.id && latest.version !== schedule.version;

  const adopt = (s: Schedule | null) => {
    setBase(s);
    setCells(weekFromEntries(s?.weekly ?? []).cells);
    setName(s?.name ?? `${circuit.name} schedule`);
    setEnabled(s?.enabled ?? true);
  };
  // A new version from the server: take it unless the user has unsaved changes (then `newer` warns).
  useEffect(() => {
    if (!dirty || adoptNext.current) {
      adoptNext.current = false;
      adopt(latest);
    }
  }, [latest?.id, latest?.version]);

  const brushValue = (): number | null | 'invalid' => {
    if (erase) return null;
    const v = Number(brush);
    return brush.trim() !== '' && Number.isFinite(v) && v >= 0 ? v : 'invalid';
  };
  const apply = (base: WeekCells, a: Cell, b: Cell) => {
    const v = brushValue();
    if (v === 'invalid') {
      setStatus({ ok: false, text: 'Enter a limit in A (0 or more) to paint, or choose Clear.' });
      return;
    }
    setCells(paint(base, a, b, v));
  };
  const cellAt = (x: number, y: number): Cell | null => {
    const el = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-day]');
    return el ? { day: Number(el.dataset.day), hour: Number(el.dataset.hour) } : null;
  };
  const onPointerDown = (e: PointerEvent) => {
    if (!canWrite) return;
    const c = cellAt(e.clientX, e.clientY);
    if (!c) return;
    e.preventDefault();
    setDrag({ start: c, base: cells });
    setFocus(c);
    apply(cells, c, c);
  };
  const onPointerMove = (e: PointerEvent) => {
    if (!drag) return;
    const c = cellAt(e.clientX, e.clientY);
    if (c) apply(drag.base, drag.start, c);
  };
  const endDrag = () => setDrag(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      const next = {
        day: Math.max(0, Math.min(6, focus.day + m[0])),
        hour: Math.max(0, Math.min(HOURS - 1, focus.hour + m[1])),
      };
      // Shift+arrow paints as it moves, like a drag.
      if (e.shiftKey && canWrite) apply(cells, next, next);
      setFocus(next);
      grid.current?.querySelector<HTMLElement>(`[data-day="${next.day}"][data-hour="${next.hour}"]`)?.focus();
    } else if ((e.key === 'Enter' || e.key === ' ') && canWrite) {
      e.preventDefault();
      apply(cells, focus, focus);
    }
  };

  const save = async () => {
    setBusy(true);
    setStatus(null);
    const weekly = entriesFromWeek(cells);
    try {
      if (schedule) {
        await api(`/schedules/${schedule.id}`, {
          method: 'PUT',
          body: {
            circuitId: circuit.id,
            name,
            weekly,
            exceptions: schedule.exceptions,
            enabled,
            version: schedule.version,
          },
        });
      } else {
        await api('/schedules', {
          method: 'POST',
          body: { circuitId: circuit.id, name, weekly, exceptions: [], enabled },
        });
      }
      setStatus({ ok: true, text: `Saved: ${weekly.length} entr${weekly.length === 1 ? 'y' : 'ies'}.` });
      adoptNext.current = true;
      onSaved();
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      setStatus({
        ok: false,
        conflict,
        text: conflict
          ? `Not saved: someone changed this schedule since you opened it. ${errorText(err)} Reload to see their version, then redo your change.`
          : `Not saved: ${errorText(err)}`,
      });
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!schedule || !window.confirm(`Delete the schedule '${schedule.name}'?`)) return;
    setBusy(true);
    try {
      await api(`/schedules/${schedule.id}`, { method: 'DELETE' });
      setStatus({ ok: true, text: 'Schedule deleted.' });
      adoptNext.current = true;
      onSaved();
    } catch (err) {
      setStatus({ ok: false, text: `Not deleted: ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="schedule" aria-labelledby="schedule-title" data-testid="schedule-editor">
      <h3 id="schedule-title">Weekly schedule</h3>
      {initial.inexact ? (
        <p class="note">
          Some hours of this schedule do not start on the hour; they are shown and saved as whole hours.
        </p>
      ) : null}
      {newer && dirty ? (
        <p class="error conflict" role="alert">
          {latest.updatedBy} saved a newer version of this schedule while you were editing. Saving now will be
          refused;{' '}
          <button type="button" class="link-button" onClick={() => adopt(latest)}>
            discard my changes and show theirs
          </button>
        </p>
      ) : null}
      {canWrite ? (
        <div class="row">
          <label>
            Name
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Paint limit (A)
            <input
              type="number"
              min={0}
              max={circuit.limitA}
              step={1}
              inputMode="numeric"
              value={brush}
              disabled={erase}
              onInput={(e) => setBrush(e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input type="checkbox" checked={erase} onChange={(e) => setErase(e.currentTarget.checked)} />
            Clear hours instead
          </label>
          <label class="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
            Enabled
          </label>
        </div>
      ) : null}
      <p class="hint small">
        {canWrite
          ? 'Drag across hours to set the limit (or move with the arrow keys and press Enter; Shift+arrow paints). Dotted hours: the site file sets a limit there too; the lower one applies.'
          : 'Read-only: operators can change schedules.'}
      </p>
      <div class="grid-wrap">
        <table
          ref={grid}
          class="week"
          role="grid"
          aria-label={`Weekly schedule of ${circuit.name}, limit in A per hour`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onPointerLeave={endDrag}
          onKeyDown={onKeyDown}
        >
          <thead>
            <tr>
              <th scope="col" class="hour-col">
                <span class="sr-only">Hour</span>
              </th>
              {DAYS.map((d) => (
                <th scope="col" key={d}>
                  {d.charAt(0).toUpperCase() + d.slice(1)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: HOURS }, (_, hour) => (
              <tr key={hour}>
                <th scope="row" class="hour-col">
                  {String(hour).padStart(2, '0')}
                </th>
                {DAYS.map((d, day) => {
                  const v = cells[day * HOURS + hour] ?? null;
                  const sv = siteCells[day * HOURS + hour] ?? null;
                  const isFocus = focus.day === day && focus.hour === hour;
                  const label = `${d} ${String(hour).padStart(2, '0')}:00 to ${String(hour + 1).padStart(2, '0')}:00: ${
                    v === null ? 'no limit set' : `${v} A`
                  }${sv !== null ? `, site file ${sv} A` : ''}`;
                  return (
                    <td
                      key={d}
                      role="gridcell"
                      tabIndex={isFocus ? 0 : -1}
                      aria-label={label}
                      aria-selected={v !== null}
                      data-day={day}
                      data-hour={hour}
                      class={`cell ${v !== null ? 'set' : ''} ${sv !== null ? 'site' : ''}`}
                      onFocus={() => setFocus({ day, hour })}
                    >
                      {v !== null ? v : ''}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canWrite ? (
        <div class="row">
          <button type="button" disabled={busy} onClick={() => void save()}>
            {schedule ? 'Save schedule' : 'Create schedule'}
          </button>
          {dirty ? <span class="muted">Unsaved changes</span> : null}
          {schedule ? (
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              Delete schedule
            </button>
          ) : null}
          {status ? (
            <span
              class={status.ok ? 'ok' : status.conflict ? 'error conflict' : 'error'}
              role={status.ok ? 'status' : 'alert'}
            >
              {status.text}
              {status.conflict ? (
                <button
                  type="button"
                  class="link-button"
                  onClick={() => {
                    adoptNext.current = true;
                    adopt(latest);
                    setStatus(null);
                    onSaved();
                  }}
                >
                  Reload
                </button>
              ) : null}
            </span>
          ) : null}
        </div>
      ) : null}
      {!schedule && cells.every((c) => c === null) ? (
        <p class="muted small">No schedule made in the dashboard for this circuit yet.</p>
      ) : null}
    </section>
  );
}
