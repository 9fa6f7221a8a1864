/**
 * A circuit's weekly schedule on a 7 x 24 grid. Drag (or click, or arrow keys + Enter) to set the painted
 * limit for a block of hours; Save sends the schedule to the API. The site file's schedule is shown beside
 * each hour and cannot be edited here (the lower of the two applies).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from './api.ts';
import type { Schedule, SiteCircuit, WeeklyEntry } from './api-types.ts';
import { msg } from './i18n.ts';
import { useCanWrite } from './site-context.ts';
import type { WeekCells } from './weekly-grid.ts';
import { entriesFromWeek, weekFromEntries } from './weekly-grid.ts';
import type { Painter } from './schedule-grid.tsx';
import { WeekGrid, usePainter } from './schedule-grid.tsx';

interface Props {
  readonly circuit: SiteCircuit;
  /** The UI-made schedule of this circuit, if any. */
  readonly schedule: Schedule | null;
  readonly siteFile: readonly WeeklyEntry[];
  readonly onSaved: () => void;
}

/** The weekly grid of one circuit, editable by operators. */
export function ScheduleEditor({ circuit, schedule: latest, siteFile, onSaved }: Props) {
  const canWrite = useCanWrite();
  const t = msg();
  // The default name is made once, in the language of the moment (it is saved with the schedule).
  const [defaultName] = useState(() => t.defaultScheduleName(circuit.name));
  const draft = useDraft(latest, defaultName);
  const { schedule, initial, cells, setCells, name, setName, enabled, setEnabled, dirty, adopt, adoptNext } =
    draft;
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);
  const siteCells = weekFromEntries(siteFile).cells;
  const painter = usePainter(cells, setCells, canWrite, String(Math.round(circuit.limitA / 2)), () =>
    setStatus({ ok: false, text: t.paintInvalid }),
  );
  // A write: busy meanwhile; on success its status, and the server's next version is taken as the base.
  const write = async (action: () => Promise<string>, failed: (err: unknown) => Status) => {
    setBusy(true);
    try {
      setStatus({ ok: true, text: await action() });
      adoptNext.current = true;
      onSaved();
    } catch (err) {
      setStatus(failed(err));
    } finally {
      setBusy(false);
    }
  };
  const save = () => {
    setStatus(null);
    const weekly = entriesFromWeek(cells);
    return write(async () => {
      await putSchedule(schedule, { circuitId: circuit.id, name, weekly, enabled });
      return t.savedEntries(weekly.length);
    }, saveFailure);
  };
  const remove = async () => {
    if (!schedule || !window.confirm(t.confirmDeleteSchedule(schedule.name))) return;
    await write(
      async () => {
        await api(`/schedules/${schedule.id}`, { method: 'DELETE' });
        return t.scheduleDeleted;
      },
      (err) => ({ ok: false, text: t.notDeleted(errorText(err)) }),
    );
  };

  return (
    <section class="schedule" aria-labelledby="schedule-title" data-testid="schedule-editor">
      <h3 id="schedule-title">{t.weeklySchedule}</h3>
      {initial.inexact ? <p class="note">{t.inexactHours}</p> : null}
      {draft.newer && dirty && latest ? (
        <p class="error conflict" role="alert">
          {t.newerVersion(latest.updatedBy)}
          <button type="button" class="link-button" onClick={() => adopt(latest)}>
            {t.discardMine}
          </button>
        </p>
      ) : null}
      {canWrite ? (
        <ScheduleFields
          name={name}
          setName={setName}
          enabled={enabled}
          setEnabled={setEnabled}
          maxA={circuit.limitA}
          painter={painter}
        />
      ) : null}
      <p class="hint small">{canWrite ? t.gridHelp : t.readOnlySchedule}</p>
      <div class="grid-wrap">
        <WeekGrid cells={cells} siteCells={siteCells} circuitName={circuit.name} painter={painter} />
      </div>
      {canWrite ? (
        <ScheduleActions
          saved={schedule !== null}
          busy={busy}
          dirty={dirty}
          status={status}
          onSave={() => void save()}
          onRemove={() => void remove()}
          onReload={() => {
            adoptNext.current = true;
            adopt(latest);
            setStatus(null);
            onSaved();
          }}
        />
      ) : null}
      {!schedule && cells.every((c) => c === null) ? <p class="muted small">{t.noScheduleYet}</p> : null}
    </section>
  );
}

/**
 * The schedule being edited. `schedule` is the version this editor started from: saving sends its version,
 * so an edit made meanwhile by someone else is refused (409) instead of silently overwritten. A new version
 * from the server is taken unless there are unsaved changes (then `newer` warns), or `adoptNext` is set.
 */
function useDraft(latest: Schedule | null, defaultName: string) {
  const [schedule, setBase] = useState<Schedule | null>(latest);
  const initial = weekFromEntries(schedule?.weekly ?? []);
  const [cells, setCells] = useState<WeekCells>(initial.cells);
  const [name, setName] = useState(schedule?.name ?? defaultName);
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const adoptNext = useRef(false);
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
  useEffect(() => {
    if (!dirty || adoptNext.current) {
      adoptNext.current = false;
      adopt(latest);
    }
  }, [latest?.id, latest?.version]);

  return {
    schedule,
    initial,
    cells,
    setCells,
    name,
    setName,
    enabled,
    setEnabled,
    dirty,
    newer,
    adopt,
    adoptNext,
  };
}

/** The schedule's name and on/off, and the brush: the limit to paint, or clearing hours. */
function ScheduleFields(p: {
  name: string;
  setName: (name: string) => void;
  enabled: boolean;
  setEnabled: (enabled: boolean) => void;
  maxA: number;
  painter: Painter;
}) {
  const { brush, setBrush, erase, setErase } = p.painter;
  const t = msg();
  return (
    <div class="row">
      <label>
        {t.name}
        <input value={p.name} onInput={(e) => p.setName(e.currentTarget.value)} />
      </label>
      <label>
        {t.paintLimit}
        <input
          type="number"
          min={0}
          max={p.maxA}
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
        <input type="checkbox" checked={p.enabled} onChange={(e) => p.setEnabled(e.currentTarget.checked)} />
        {t.enabled}
      </label>
    </div>
  );
}

type Status = { ok: boolean; text: string; conflict?: boolean };

/** Save (or create), delete, and what the last of them did; on a conflict, a link that reloads. */
function ScheduleActions(p: {
  saved: boolean;
  busy: boolean;
  dirty: boolean;
  status: Status | null;
  onSave: () => void;
  onRemove: () => void;
  onReload: () => void;
}) {
  const { status } = p;
  const t = msg();
  return (
    <div class="row">
      <button type="button" disabled={p.busy} onClick={p.onSave}>
        {p.saved ? t.saveSchedule : t.createSchedule}
      </button>
      {p.dirty ? <span class="muted">{t.unsavedChanges}</span> : null}
      {p.saved ? (
        <button type="button" class="danger" disabled={p.busy} onClick={p.onRemove}>
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
            <button type="button" class="link-button" onClick={p.onReload}>
              {t.reload}
            </button>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}

/** Why a save failed; a conflict (a version saved meanwhile by someone else) says so. */
function saveFailure(err: unknown): Status {
  const t = msg();
  const conflict = err instanceof ApiError && err.status === 409;
  return {
    ok: false,
    conflict,
    text: conflict ? t.scheduleConflict(errorText(err)) : t.notSaved(errorText(err)),
  };
}

/** Creates the schedule, or replaces `schedule` at the version the editor started from (a 409 when stale). */
async function putSchedule(
  schedule: Schedule | null,
  fields: { circuitId: string; name: string; weekly: WeeklyEntry[]; enabled: boolean },
): Promise<void> {
  if (schedule)
    await api(`/schedules/${schedule.id}`, {
      method: 'PUT',
      body: { ...fields, exceptions: schedule.exceptions, version: schedule.version },
    });
  else await api('/schedules', { method: 'POST', body: { ...fields, exceptions: [] } });
}
