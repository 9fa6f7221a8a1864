/** Stations: connection, identity, and the operator commands (remote start/stop, reset, availability). */
import { useEffect, useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import type { PortLive, StationInfo, UpstreamPayload, UpstreamStation } from './api-types.ts';
import { fmtDuration, fmtTime, stateLabel } from './format.ts';
import { msg } from './i18n.ts';
import { useLive } from './live.ts';
import { href } from './router.ts';
import { useCanWrite, useSite } from './site-context.ts';
import { sendCommand } from './station-commands.ts';
import { useFetch } from './use-fetch.ts';
import { ErrorLine } from './error-line.tsx';

/** The cloud relay's state is polled this often while the page is open, in ms. */
const UPSTREAM_POLL_MS = 5000;

/** The stations page. */
export function StationsView() {
  const { site } = useSite();
  const stations = useFetch<{ stations: StationInfo[] }>('/stations');
  const snap = useLive();
  // Connection changes come with the live port states: they override the list's `connected` flag.
  const connected = new Map((snap.ports?.ports ?? []).map((p) => [p.stationId, p.connected]));
  const portStates = new Map((snap.ports?.ports ?? []).map((p) => [p.id, p]));
  // With `upstream:` (docs/proxy.md) each card says how its relay to the cloud is doing.
  const upstream = useFetch<UpstreamPayload>('/upstream');
  const reloadUpstream = upstream.reload;
  useEffect(() => {
    const timer = setInterval(reloadUpstream, UPSTREAM_POLL_MS);
    return () => clearInterval(timer);
  }, [reloadUpstream]);
  const relays = upstream.data?.relaying
    ? new Map(upstream.data.stations.map((u) => [u.stationId, u]))
    : undefined;
  return (
    <section aria-labelledby="stations-title">
      <h2 id="stations-title">{msg().navStations}</h2>
      <ErrorLine error={stations.error} />
      <ul class="cards stations" data-testid="stations">
        {(stations.data?.stations ?? []).map((s) => (
          <StationCard
            key={s.id}
            s={s}
            online={connected.get(s.id) ?? s.connected}
            ports={portStates}
            timeZone={site.timeZone}
            cloud={relays ? (relays.get(s.id) ?? null) : undefined}
          />
        ))}
      </ul>
    </section>
  );
}

function StationCard(props: {
  s: StationInfo;
  online: boolean;
  ports: ReadonlyMap<string, PortLive>;
  timeZone: string;
  /** The station's cloud relay; null: relaying but nothing known yet; undefined: no `upstream:`. */
  cloud: UpstreamStation | null | undefined;
}) {
  const { s, online, timeZone } = props;
  const canWrite = useCanWrite();
  const [idTag, setIdTag] = useState('');
  const t = msg();
  return (
    <li class="card station" data-station={s.id}>
      <div class="card-head">
        <h3>{s.id}</h3>
        <span class={`state ${online ? 'state-charging' : 'state-offline'}`}>
          {online ? t.online : t.offline}
        </span>
      </div>
      <p class="small">
        OCPP {s.ocppVersion} · {[s.vendor, s.model].filter(Boolean).join(' ') || t.unknownModel}
        {s.firmwareVersion ? t.firmware(s.firmwareVersion) : ''}
      </p>
      <p class="small muted">{t.lastSeen(fmtTime(s.lastSeenAt, timeZone))}</p>
      {props.cloud !== undefined ? <CloudLine u={props.cloud} timeZone={timeZone} /> : null}
      <ul class="station-ports">
        {s.portIds.map((pid) => (
          <li key={pid}>
            <a href={href('ports', pid)}>{pid}</a>
            <span class={`state state-${props.ports.get(pid)?.state ?? 'offline'}`}>
              {stateLabel(props.ports.get(pid)?.state ?? 'unknown')}
            </span>
            {canWrite ? (
              <span class="row-actions">
                <ActionButton
                  label={t.start}
                  ariaLabel={t.remoteStartOn(pid)}
                  run={() =>
                    sendCommand(s.id, { command: 'remoteStart', portId: pid, ...(idTag ? { idTag } : {}) })
                  }
                />
                <ActionButton
                  label={t.stop}
                  ariaLabel={t.remoteStopOn(pid)}
                  confirm={t.confirmStop(pid)}
                  disabled={!props.ports.get(pid)?.session}
                  run={() => sendCommand(s.id, { command: 'remoteStop', portId: pid })}
                />
                <ActionButton
                  label={t.disable}
                  ariaLabel={t.makeUnavailableAria(pid)}
                  run={() => sendCommand(s.id, { command: 'availability', portId: pid, available: false })}
                />
                <ActionButton
                  label={t.enable}
                  ariaLabel={t.makeAvailableAria(pid)}
                  run={() => sendCommand(s.id, { command: 'availability', portId: pid, available: true })}
                />
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {canWrite ? (
        <div class="row">
          <label>
            {t.idTagForRemoteStart}
            <input value={idTag} placeholder={t.optional} onInput={(e) => setIdTag(e.currentTarget.value)} />
          </label>
          <ActionButton
            label={t.softReset}
            ariaLabel={t.softResetAria(s.id)}
            confirm={t.confirmSoftReset(s.id)}
            run={() => sendCommand(s.id, { command: 'reset', type: 'soft' })}
          />
          <ActionButton
            label={t.hardReset}
            class="danger"
            ariaLabel={t.hardResetAria(s.id)}
            confirm={t.confirmHardReset(s.id)}
            run={() => sendCommand(s.id, { command: 'reset', type: 'hard' })}
          />
        </div>
      ) : null}
    </li>
  );
}

const CLOUD_STATE: Readonly<Record<UpstreamStation['state'], (t: ReturnType<typeof msg>) => string>> = {
  connected: (t) => t.cloudConnected,
  connecting: (t) => t.cloudConnecting,
  outage: (t) => t.cloudOutage,
  idle: (t) => t.cloudIdle,
  disabled: (t) => t.cloudDisabled,
};

/** "Cloud: outage since 5 Dec 10:42 · 12 queued, oldest 3 min": the station's relay (docs/proxy.md). */
function CloudLine(props: { u: UpstreamStation | null; timeZone: string }) {
  const { u, timeZone } = props;
  const t = msg();
  if (!u)
    return (
      <p class="small" data-testid="upstream">
        {t.cloudNone}
      </p>
    );
  const parts = [
    u.state === 'outage' && u.outageSince
      ? t.cloudOutageSince(fmtTime(u.outageSince, timeZone))
      : t.cloudState(CLOUD_STATE[u.state](t)),
  ];
  if (u.lastRelayAt) parts.push(t.cloudLastRelay(fmtTime(u.lastRelayAt, timeZone)));
  if (u.queueDepth > 0) parts.push(t.cloudQueued(u.queueDepth, fmtDuration(u.oldestQueuedAgeS)));
  if (u.failed > 0) parts.push(t.cloudRefused(u.failed));
  const bad = u.state === 'outage' || u.failed > 0;
  return (
    <p class={`small${bad ? ' error' : ''}`} data-testid="upstream">
      {parts.join(' · ')}
    </p>
  );
}
