/**
 * The local authorization list (operators): the id tags Authorize accepts or blocks without asking anyone,
 * with their expiry and parent; add (or replace), block / unblock, remove. Stations that keep a local list
 * are sent every change (docs/ocpp.md#local-authorization-list).
 */
import { useState } from 'preact/hooks';
import { api, errorText } from './api.ts';
import type { LocalIdTag, LocalList } from './api-types.ts';
import { fmtTime } from './format.ts';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';

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
  return (
    <section aria-labelledby="local-list-title">
      <h2 id="local-list-title">Local authorization list</h2>
      <p class="hint small">
        Id tags on this list are accepted (or blocked) at once, before any cached answer or the site's rule
        for unknown tags; after its expiry a tag is answered Expired. Stations that keep a local list of their
        own get every change.{' '}
        {list.data ? <span data-testid="local-list-version">List version {list.data.version}.</span> : null}
      </p>
      {list.error ? (
        <p class="error" role="alert">
          {list.error}
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {list.data && items.length === 0 ? <p class="muted">No id tag on the list.</p> : null}
      {items.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="local-list">
            <thead>
              <tr>
                <th scope="col">Id tag</th>
                <th scope="col">Status</th>
                <th scope="col">Expires</th>
                <th scope="col">Parent id tag</th>
                <th scope="col">Changed</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.idTag} data-id-tag={t.idTag}>
                  <td class="id-tag">{t.idTag}</td>
                  <td class="status">{t.status}</td>
                  <td>{t.expiresAt ? fmtTime(t.expiresAt, site.timeZone) : 'never'}</td>
                  <td>{t.parentIdTag ?? '–'}</td>
                  <td class="small">{fmtTime(t.updatedAt, site.timeZone)}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      aria-label={`${t.status === 'Blocked' ? 'Unblock' : 'Block'} ${t.idTag}`}
                      onClick={() => void act(() => put(t, t.status === 'Blocked' ? 'Accepted' : 'Blocked'))}
                    >
                      {t.status === 'Blocked' ? 'Unblock' : 'Block'}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Remove ${t.idTag}`}
                      onClick={() => void act(() => api(tagPath(t.idTag), { method: 'DELETE' }))}
                    >
                      Remove
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
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const expiresAt = expires ? new Date(expires) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      setError('Give a valid expiry, or none.');
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
    <form class="override-form" onSubmit={(e) => void submit(e)} aria-label="Add an id tag">
      <label for="lt-id">Id tag</label>
      <input
        id="lt-id"
        required
        autoComplete="off"
        value={idTag}
        onInput={(e) => setIdTag(e.currentTarget.value)}
      />
      <label for="lt-expires">Expires</label>
      <input
        id="lt-expires"
        type="datetime-local"
        value={expires}
        onInput={(e) => setExpires(e.currentTarget.value)}
      />
      <label for="lt-parent">Parent id tag</label>
      <input
        id="lt-parent"
        value={parent}
        placeholder="optional"
        onInput={(e) => setParent(e.currentTarget.value)}
      />
      <div class="row">
        <button type="submit" disabled={busy}>
          Add id tag
        </button>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
