/** A button that runs an API write and shows its result or the API's error message right next to it. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorText } from './api.ts';

export interface ActionButtonProps {
  readonly label: ComponentChildren;
  /** Accessible name when the visible label is short ("Stop" → "Stop charging on van-1"). */
  readonly ariaLabel?: string;
  /** Returns the text to show on success. */
  readonly run: () => Promise<string | void>;
  readonly confirm?: string;
  readonly disabled?: boolean;
  readonly class?: string;
}

/** The button; while the write runs it is disabled, then its outcome stays next to it. */
export function ActionButton(p: ActionButtonProps) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const click = async () => {
    if (p.confirm && !window.confirm(p.confirm)) return;
    setBusy(true);
    setResult(null);
    try {
      const text = await p.run();
      setResult(text ? { ok: true, text } : null);
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={p.class}
        aria-label={p.ariaLabel}
        disabled={busy || p.disabled}
        onClick={() => void click()}
      >
        {p.label}
      </button>
      {result ? (
        <span class={result.ok ? 'ok' : 'error'} role={result.ok ? 'status' : 'alert'}>
          {result.text}
        </span>
      ) : null}
    </span>
  );
}
