/**
 * The weekly grid of the schedule editor (schedule-editor.tsx): the 7 x 24 table, and the painting that sets
 * a block of hours to the brush's limit by drag, click, or arrow keys + Enter (Shift+arrow paints as it moves).
 */
import { useRef, useState } from 'preact/hooks';
import { weekdayNames } from './format.ts';
import { msg } from './i18n.ts';
import type { WeekCells } from './weekly-grid.ts';
import { DAYS, HOURS, paint } from './weekly-grid.ts';

export type Cell = { day: number; hour: number };

/** The painting state and the grid's event handlers; `onInvalid` when the brush holds no usable limit. */
export function usePainter(
  cells: WeekCells,
  setCells: (cells: WeekCells) => void,
  canWrite: boolean,
  initialBrush: string,
  onInvalid: () => void,
) {
  const [brush, setBrush] = useState<string>(initialBrush);
  const [erase, setErase] = useState(false);
  const [focus, setFocus] = useState<Cell>({ day: 0, hour: 8 });
  const [drag, setDrag] = useState<{ start: Cell; base: WeekCells } | null>(null);
  const grid = useRef<HTMLTableElement>(null);
  const brushValue = (): number | null | 'invalid' => {
    if (erase) return null;
    const v = Number(brush);
    return brush.trim() !== '' && Number.isFinite(v) && v >= 0 ? v : 'invalid';
  };
  const apply = (base: WeekCells, a: Cell, b: Cell) => {
    const v = brushValue();
    if (v === 'invalid') {
      onInvalid();
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
  return {
    brush,
    setBrush,
    erase,
    setErase,
    focus,
    setFocus,
    grid,
    handlers: {
      onPointerDown,
      onPointerMove,
      onPointerUp: endDrag,
      onPointerCancel: endDrag,
      onPointerLeave: endDrag,
      onKeyDown,
    },
  };
}

export type Painter = ReturnType<typeof usePainter>;

/** The 7 x 24 table: the painted limit in each hour, the site file's schedule marked beside it. */
export function WeekGrid(p: {
  cells: WeekCells;
  siteCells: WeekCells;
  circuitName: string;
  painter: Painter;
}) {
  const { cells, siteCells, painter } = p;
  const { focus, setFocus, grid, handlers } = painter;
  const t = msg();
  const dayNames = weekdayNames();
  return (
    <table ref={grid} class="week" role="grid" aria-label={t.gridLabel(p.circuitName)} {...handlers}>
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
  );
}
