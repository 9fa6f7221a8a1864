/** Stations: connection, identity, and the operator commands (remote start/stop, reset, availability). */
import { useEffect, useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import type { PortLive, StationInfo, UpstreamPayload, UpstreamStation } from './api-types.ts';
import { fmtDuration, fmtTime, stateLabel } from './format.ts';
import { useLive } from './live.ts';
import { href } from './router.ts';
import { useCanWrite, useSite } from './site-context.ts';
import { sendCommand } from './station-commands.ts';
import { useFetch } from './use-fetch.ts';

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
      <h2 id="stations-title">Stations</h2>
      {stations.error ? (
        <p class="error" role="alert">
          {stations.error}
        </p>
      ) : null}
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
  return (
    <li class="card station" data-station={s.id}>
      <div class="card-head">
        <h3>{s.id}</h3>
        <span class={`state ${online ? 'state-charging' : 'state-offline'}`}>
          {online ? 'Online' : 'Offline'}
        </span>
      </div>
      <p class="small">
        OCPP {s.ocppVersion} · {[s.vendor, s.model].filter(Boolean).join(' ') || 'unknown model'}
        {s.firmwareVersion ? ` · firmware ${s.firmwareVersion}` : ''}
      </p>
      <p class="small muted">Last seen {fmtTime(s.lastSeenAt, timeZone)}</p>
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
                  label="Start"
                  ariaLabel={`Remote start on ${pid}`}
                  run={() =>
                    sendCommand(s.id, { command: 'remoteStart', portId: pid, ...(idTag ? { idTag } : {}) })
                  }
                />
                <ActionButton
                  label="Stop"
                  ariaLabel={`Remote stop on ${pid}`}
                  confirm={`Stop the session on ${pid}?`}
                  disabled={!props.ports.get(pid)?.session}
                  run={() => sendCommand(s.id, { command: 'remoteStop', portId: pid })}
                />
                <ActionButton
                  label="Disable"
                  ariaLabel={`Make ${pid} unavailable`}
                  run={() => sendCommand(s.id, { command: 'availability', portId: pid, available: false })}
                />
                <ActionButton
                  label="Enable"
                  ariaLabel={`Make ${pid} available`}
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
            Id tag for remote start
            <input value={idTag} placeholder="optional" onInput={(e) => setIdTag(e.currentTarget.value)} />
          </label>
          <ActionButton
            label="Soft reset"
            ariaLabel={`Soft reset ${s.id}`}
            confirm={`Soft reset ${s.id}? Sessions on it stop.`}
            run={() => sendCommand(s.id, { command: 'reset', type: 'soft' })}
          />
          <ActionButton
            label="Hard reset"
            class="danger"
            ariaLabel={`Hard reset ${s.id}`}
            confirm={`Hard reset (reboot) ${s.id}? Sessions on it stop.`}
            run={() => sendCommand(s.id, { command: 'reset', type: 'hard' })}
          />
        </div>
      ) : null}
    </li>
  );
}

const CLOUD_STATE: Readonly<Record<UpstreamStation['state'], string>> = {
  connected: 'connected',
  connecting: 'connecting',
  outage: 'outage',
  idle: 'no link (station away)',
  disabled: 'not relayed',
};

/** "Cloud: outage since 5 Dec 10:42 · 12 queued, oldest 3 min": the station's relay (docs/proxy.md). */
function CloudLine(props: { u: UpstreamStation | null; timeZone: string }) {
  const { u, timeZone } = props;
  if (!u)
    return (
      <p class="small" data-testid="upstream">
        Cloud: –
      </p>
    );
  const parts = [
    u.state === 'outage' && u.outageSince
      ? `Cloud: outage since ${fmtTime(u.outageSince, timeZone)}`
      : `Cloud: ${CLOUD_STATE[u.state]}`,
  ];
  if (u.lastRelayAt) parts.push(`last relay ${fmtTime(u.lastRelayAt, timeZone)}`);
  if (u.queueDepth > 0) parts.push(`${u.queueDepth} queued, oldest ${fmtDuration(u.oldestQueuedAgeS)}`);
  if (u.failed > 0) parts.push(`${u.failed} refused by the cloud`);
  const bad = u.state === 'outage' || u.failed > 0;
  return (
    <p class={`small${bad ? ' error' : ''}`} data-testid="upstream">
      {parts.join(' · ')}
    </p>
  );
}
