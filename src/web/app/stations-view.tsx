/** Stations: connection, identity, and the operator commands (remote start/stop, reset, availability). */
import { useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import type { PortLive, StationInfo } from './api-types.ts';
import { fmtTime, stateLabel } from './format.ts';
import { msg } from './i18n.ts';
import { useLive } from './live.ts';
import { href } from './router.ts';
import { useCanWrite, useSite } from './site-context.ts';
import { sendCommand } from './station-commands.ts';
import { useFetch } from './use-fetch.ts';

/** The stations page. */
export function StationsView() {
  const { site } = useSite();
  const stations = useFetch<{ stations: StationInfo[] }>('/stations');
  const snap = useLive();
  // Connection changes come with the live port states: they override the list's `connected` flag.
  const connected = new Map((snap.ports?.ports ?? []).map((p) => [p.stationId, p.connected]));
  const portStates = new Map((snap.ports?.ports ?? []).map((p) => [p.id, p]));
  return (
    <section aria-labelledby="stations-title">
      <h2 id="stations-title">{msg().navStations}</h2>
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
