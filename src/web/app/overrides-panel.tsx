/** Temporary limit overrides of one circuit: list, create, edit (with version: 409 when stale), delete. */
import { useState } from 'preact/hooks';
import { ApiError, api, errorText } from './api.ts';
import type { Override, SiteCircuit } from './api-types.ts';
import { fmtA, fmtNum, fmtTime, toLocalInput } from './format.ts';
import { msg } from './i18n.ts';
import { useCanWrite, useSite } from './site-context.ts';

interface Props {
  readonly circuit: SiteCircuit;
  readonly overrides: readonly Override[];
  readonly onChanged: () => void;
}

/** The overrides of one circuit with their edit forms and a form for a new one (operators). */
export function OverridesPanel({ circuit, overrides, onChanged }: Props) {
  const canWrite = useCanWrite();
  const { site } = useSite();
  const [editing, setEditing] = useState<number | null>(null);
  const t = msg();
  return (
    <section class="overrides" aria-labelledby="overrides-title" data-testid="overrides">
      <h3 id="overrides-title">{t.temporaryOverrides}</h3>
      <p class="hint small">{t.overridesHint(fmtA(circuit.limitA, 0))}</p>
      {overrides.length === 0 ? <p class="muted">{t.noOverride}</p> : null}
      <ul class="override-list">
        {overrides.map((o) =>
          editing === o.id ? (
            <li key={o.id}>
              <OverrideForm
                circuit={circuit}
                existing={o}
                onDone={() => {
                  setEditing(null);
                  onChanged();
                }}
                onCancel={() => setEditing(null)}
              />
            </li>
          ) : (
            <li key={o.id} class="override" data-override={o.id}>
              <span class="big">
                {o.limitA !== null ? fmtA(o.limitA, 0) : `${fmtNum(o.limitKw ?? 0, 1)} kW`}
              </span>{' '}
              {t.until} <strong>{fmtTime(o.until, site.timeZone)}</strong>
              {o.reason ? <span> · {o.reason}</span> : null}
              <span class="muted small">{t.byWhom(o.createdBy)}</span>
              {canWrite ? (
                <span class="row-actions">
                  <button
                    type="button"
                    onClick={() => setEditing(o.id)}
                    aria-label={t.editOverride(String(o.id))}
                  >
                    {t.edit}
                  </button>
                  <DeleteOverride o={o} onDone={onChanged} />
                </span>
              ) : null}
            </li>
          ),
        )}
      </ul>
      {canWrite && editing === null ? <OverrideForm circuit={circuit} onDone={onChanged} /> : null}
    </section>
  );
}

function DeleteOverride({ o, onDone }: { o: Override; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const del = async () => {
    setError(null);
    try {
      await api(`/overrides/${o.id}`, { method: 'DELETE' });
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const t = msg();
  return (
    <>
      <button
        type="button"
        class="danger"
        onClick={() => void del()}
        aria-label={t.deleteOverride(String(o.id))}
      >
        {t.delete}
      </button>
      {error ? (
        <span class="error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}

function OverrideForm(p: {
  circuit: SiteCircuit;
  existing?: Override;
  onDone: () => void;
  onCancel?: () => void;
}) {
  const { circuit, existing } = p;
  const [limitA, setLimitA] = useState(String(existing?.limitA ?? Math.round(circuit.limitA / 2)));
  const [until, setUntil] = useState(
    toLocalInput(existing ? new Date(existing.until) : new Date(Date.now() + 2 * 3_600_000)),
  );
  const [reason, setReason] = useState(existing?.reason ?? '');
  // The version the form was opened on: a change made meanwhile by someone else makes the save a 409.
  const [version] = useState(existing?.version);
  const [error, setError] = useState<{ text: string; conflict: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const t = msg();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const untilDate = new Date(until);
    if (Number.isNaN(untilDate.getTime())) {
      setError({ text: t.giveEndTime, conflict: false });
      return;
    }
    setBusy(true);
    const body = {
      circuitId: circuit.id,
      limitA: Number(limitA),
      until: untilDate.toISOString(),
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    };
    try {
      await saveOverride(body, existing, version);
      p.onDone();
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      setError({
        conflict,
        text: conflict ? t.overrideConflict(errorText(err)) : errorText(err),
      });
    } finally {
      setBusy(false);
    }
  };
  const idp = existing ? `ov-${existing.id}` : 'ov-new';
  return (
    <form
      class="override-form"
      onSubmit={(e) => void submit(e)}
      aria-label={existing ? t.editOverride(String(existing.id)) : t.newOverride}
    >
      <label for={`${idp}-limit`}>{t.limitA}</label>
      <input
        id={`${idp}-limit`}
        type="number"
        min={0}
        max={circuit.limitA}
        step={1}
        inputMode="numeric"
        required
        value={limitA}
        onInput={(e) => setLimitA(e.currentTarget.value)}
      />
      <label for={`${idp}-until`}>{t.untilLabel}</label>
      <input
        id={`${idp}-until`}
        type="datetime-local"
        required
        value={until}
        onInput={(e) => setUntil(e.currentTarget.value)}
      />
      <label for={`${idp}-reason`}>{t.reason}</label>
      <input
        id={`${idp}-reason`}
        value={reason}
        placeholder={t.optional}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <div class="row">
        <button type="submit" disabled={busy}>
          {existing ? t.saveOverride : t.addOverride}
        </button>
        {p.onCancel ? (
          <button type="button" onClick={p.onCancel}>
            {t.cancel}
          </button>
        ) : null}
      </div>
      {error ? <SaveError error={error} onReload={p.onDone} /> : null}
    </form>
  );
}

/** Creates the override, or replaces `existing` at the version the form was opened on (a 409 when stale). */
async function saveOverride(
  body: { circuitId: string; limitA: number; until: string; reason?: string },
  existing: Override | undefined,
  version: number | undefined,
): Promise<void> {
  if (existing) await api(`/overrides/${existing.id}`, { method: 'PUT', body: { ...body, version } });
  else await api('/overrides', { method: 'POST', body });
}

/** Why a save failed; on a conflict (changed meanwhile), a link that reloads the overrides. */
function SaveError({
  error,
  onReload,
}: {
  error: { text: string; conflict: boolean };
  onReload: () => void;
}) {
  const t = msg();
  return (
    <p class={error.conflict ? 'error conflict' : 'error'} role="alert">
      {error.text}
      {error.conflict ? (
        <button type="button" class="link-button" onClick={onReload}>
          {t.reloadOverrides}
        </button>
      ) : null}
    </p>
  );
}
