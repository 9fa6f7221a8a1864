/**
 * A circuit's weekly schedule on a 7 x 24 grid. Drag (or click, or arrow keys + Enter) to set the painted
 * limit for a block of hours; Save sends the schedule to the API. The site file's schedule is shown beside
 * each hour and cannot be edited here (the lower of the two applies).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from './api.ts';
import type { Schedule, SiteCircuit, WeeklyEntry } from './api-types.ts';
import { weekdayNames } from './format.ts';
import { msg } from './i18n.ts';
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
  const t = msg();
  const dayNames = weekdayNames();
  // The default name is made once, in the language of the moment (it is saved with the schedule).
  const [defaultName] = useState(() => t.defaultScheduleName(circuit.name));
  // The version this editor started from: saving sends its version, so an edit made meanwhile by someone
  // else is refused (409) instead of silently overwritten.
  const [schedule, setBase] = useState<Schedule | null>(latest);
  const initial = weekFromEntries(schedule?.weekly ?? []);
  const [cells, setCells] = useState<WeekCells>(initial.cells);
  const [name, setName] = useState(schedule?.name ?? defaultName);
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
    name !== (schedule?.name ?? defaultName) ||
    enabled !== (schedule?.enabled ?? true);
  const newer =
    latest !== null && schedule !== null && latest.id === schedule.id && latest.version !== schedule.version;

  const adopt = (s: Schedule | null) => {
    setBase(s);
    setCells(weekFromEntries(s?.weekly ?? []).cells);
    setName(s?.name ?? defaultName);
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
      setStatus({ ok: false, text: t.paintInvalid });
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
      setStatus({ ok: true, text: t.savedEntries(weekly.length) });
      adoptNext.current = true;
      onSaved();
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      setStatus({
        ok: false,
        conflict,
        text: conflict ? t.scheduleConflict(errorText(err)) : t.notSaved(errorText(err)),
      });
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!schedule || !window.confirm(t.confirmDeleteSchedule(schedule.name))) return;
    setBusy(true);
    try {
      await api(`/schedules/${schedule.id}`, { method: 'DELETE' });
      setStatus({ ok: true, text: t.scheduleDeleted });
      adoptNext.current = true;
      onSaved();
    } catch (err) {
      setStatus({ ok: false, text: t.notDeleted(errorText(err)) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="schedule" aria-labelledby="schedule-title" data-testid="schedule-editor">
      <h3 id="schedule-title">{t.weeklySchedule}</h3>
      {initial.inexact ? <p class="note">{t.inexactHours}</p> : null}
      {newer && dirty ? (
        <p class="error conflict" role="alert">
          {t.newerVersion(latest.updatedBy)}
          <button type="button" class="link-button" onClick={() => adopt(latest)}>
            {t.discardMine}
          </button>
        </p>
      ) : null}
      {canWrite ? (
        <div class="row">
          <label>
            {t.name}
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            {t.paintLimit}
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
            {t.clearHours}
          </label>
          <label class="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
            {t.enabled}
          </label>
        </div>
      ) : null}
      <p class="hint small">{canWrite ? t.gridHelp : t.readOnlySchedule}</p>
      <div class="grid-wrap">
        <table
          ref={grid}
          class="week"
          role="grid"
          aria-label={t.gridLabel(circuit.name)}
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
                <span class="sr-only">{t.hour}</span>
              </th>
              {DAYS.map((d, day) => (
                <th scope="col" key={d}>
                  {dayNames[day]}
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
                  const label = t.cellLabel(
                    (dayNames[day] ?? d).toLowerCase(),
                    `${String(hour).padStart(2, '0')}:00`,
                    `${String(hour + 1).padStart(2, '0')}:00`,
                    v === null ? null : `${v} A`,
                    sv !== null ? `${sv} A` : null,
                  );
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
            {schedule ? t.saveSchedule : t.createSchedule}
          </button>
          {dirty ? <span class="muted">{t.unsavedChanges}</span> : null}
          {schedule ? (
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              {t.deleteSchedule}
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
                  {t.reload}
                </button>
              ) : null}
            </span>
          ) : null}
        </div>
      ) : null}
      {!schedule && cells.every((c) => c === null) ? <p class="muted small">{t.noScheduleYet}</p> : null}
    </section>
  );
}
