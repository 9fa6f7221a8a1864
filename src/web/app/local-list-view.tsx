/**
 * The local authorization list (operators): the id tags Authorize accepts or blocks without asking anyone,
 * with their expiry and parent; add (or replace), block / unblock, remove. Stations that keep a local list
 * are sent every change (docs/ocpp.md#local-authorization-list).
 */
import { useState } from 'preact/hooks';
import { api, errorText } from './api.ts';
import type { LocalIdTag, LocalList } from './api-types.ts';
import { fmtTime } from './format.ts';
import { msg } from './i18n.ts';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';
import { ErrorLine } from './error-line.tsx';
import { HeadRow } from './head-row.tsx';

const tagPath = (idTag: string): string => `/local-list/${encodeURIComponent(idTag)}`;

/** The page (#/id-tags). */
export function LocalListView() {
  const { site } = useSite();
  const list = useFetch<LocalList>('/local-list');
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
    list.reload();
  };
  const items = list.data?.items ?? [];
  const t = msg();
  return (
    <section aria-labelledby="local-list-title">
      <h2 id="local-list-title">{t.localListTitle}</h2>
      <p class="hint small">
        {t.localListHint}
        {list.data ? (
          <span data-testid="local-list-version">{t.listVersion(String(list.data.version))}</span>
        ) : null}
      </p>
      <ErrorLine error={list.error} />
      <ErrorLine error={error} />
      {list.data && items.length === 0 ? <p class="muted">{t.noIdTag}</p> : null}
      {items.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="local-list">
            <HeadRow
              cols={[
                t.idTag,
                t.status,
                t.expires,
                t.parentIdTag,
                t.changed,
                <span class="sr-only">{t.actions}</span>,
              ]}
            />
            <tbody>
              {items.map((tag) => (
                <tr key={tag.idTag} data-id-tag={tag.idTag}>
                  <td class="id-tag">{tag.idTag}</td>
                  <td class="status">{tag.status}</td>
                  <td>{tag.expiresAt ? fmtTime(tag.expiresAt, site.timeZone) : t.never}</td>
                  <td>{tag.parentIdTag ?? '–'}</td>
                  <td class="small">{fmtTime(tag.updatedAt, site.timeZone)}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      aria-label={
                        tag.status === 'Blocked' ? t.unblockAria(tag.idTag) : t.blockAria(tag.idTag)
                      }
                      onClick={() =>
                        void act(() => put(tag, tag.status === 'Blocked' ? 'Accepted' : 'Blocked'))
                      }
                    >
                      {tag.status === 'Blocked' ? t.unblock : t.block}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={t.removeAria(tag.idTag)}
                      onClick={() => void act(() => api(tagPath(tag.idTag), { method: 'DELETE' }))}
                    >
                      {t.remove}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <AddIdTag onDone={list.reload} />
    </section>
  );
}

/** Stores a tag again with another status, keeping its expiry and parent. */
function put(t: LocalIdTag, status: 'Accepted' | 'Blocked'): Promise<unknown> {
  return api(tagPath(t.idTag), {
    method: 'PUT',
    body: { status, expiresAt: t.expiresAt, parentIdTag: t.parentIdTag },
  });
}

function AddIdTag({ onDone }: { onDone: () => void }) {
  const [idTag, setIdTag] = useState('');
  const [expires, setExpires] = useState('');
  const [parent, setParent] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const t = msg();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const expiresAt = expires ? new Date(expires) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      setError(t.invalidExpiry);
      return;
    }
    setBusy(true);
    try {
      await api(tagPath(idTag.trim()), {
        method: 'PUT',
        body: {
          expiresAt: expiresAt ? expiresAt.toISOString() : null,
          parentIdTag: parent.trim() || null,
        },
      });
      setIdTag('');
      setExpires('');
      setParent('');
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="override-form" onSubmit={(e) => void submit(e)} aria-label={t.addIdTagForm}>
      <label for="lt-id">{t.idTag}</label>
      <input
        id="lt-id"
        required
        autoComplete="off"
        value={idTag}
        onInput={(e) => setIdTag(e.currentTarget.value)}
      />
      <label for="lt-expires">{t.expires}</label>
      <input
        id="lt-expires"
        type="datetime-local"
        value={expires}
        onInput={(e) => setExpires(e.currentTarget.value)}
      />
      <label for="lt-parent">{t.parentIdTag}</label>
      <input
        id="lt-parent"
        value={parent}
        placeholder={t.optional}
        onInput={(e) => setParent(e.currentTarget.value)}
      />
      <div class="row">
        <button type="submit" disabled={busy}>
          {t.addIdTag}
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
