/** One port in detail: its binding constraint in words and parts, phases, session, and operator commands. */
import { useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import type { PortLive, PortSession, SitePort } from './api-types.ts';
import {
  PHASES,
  departureSourceLabel,
  fmtA,
  fmtClock,
  fmtDuration,
  fmtKwh,
  fmtTime,
  stateLabel,
} from './format.ts';
import { href } from './router.ts';
import { useCanWrite, useSite } from './site-context.ts';
import { sendCommand } from './station-commands.ts';

/** The detail panel; `port` is null while the live state is loading. */
export function PortDetail({ site: sp, port }: { site: SitePort; port: PortLive | undefined }) {
  const { site } = useSite();
  const canWrite = useCanWrite();
  const [idTag, setIdTag] = useState('');
  const circuit = site.circuits.find((c) => c.id === sp.circuitId);
  const lb = port?.limitedBy;
  const bindingCircuit = lb?.circuitId ? site.circuits.find((c) => c.id === lb.circuitId) : undefined;
  return (
    <aside class="detail" aria-labelledby="port-detail-title" data-testid="port-detail">
      <div class="detail-head">
        <h2 id="port-detail-title">Port {sp.name || sp.id}</h2>
        <a href={href('ports')} class="close" aria-label="Close port details">
          Close
        </a>
      </div>
      <dl class="facts">
        <dt>Id</dt>
        <dd data-testid="port-id">{sp.id}</dd>
        <dt>Station</dt>
        <dd>{sp.stationId}</dd>
        <dt>Circuit</dt>
        <dd>
          <a href={href('limits', sp.circuitId)}>{circuit?.name ?? sp.circuitId}</a>
        </dd>
        <dt>State</dt>
        <dd>
          <span class={`state state-${port?.state ?? 'offline'}`}>
            {stateLabel(port?.state ?? 'unknown')}
          </span>
          {port && !port.connected ? ' (station offline)' : ''}
        </dd>
        <dt>Allocated limit</dt>
        <dd class="big">{port ? fmtA(port.limitA) : '–'}</dd>
        <dt>Range</dt>
        <dd>
          {fmtA(sp.minA, 0)} – {fmtA(sp.maxA, 0)} ({sp.kind.toUpperCase()}, {sp.phases})
        </dd>
      </dl>
      <section class="binding" aria-labelledby="binding-title">
        <h3 id="binding-title">Binding constraint</h3>
        <p class="reason" data-testid="binding-reason">
          {port?.reason ?? '–'}
        </p>
        {port?.uncontrolled ? (
          <p class="error" data-testid="uncontrolled-detail">
            Uncontrolled: {port.uncontrolled.reasonText} ({port.uncontrolled.detail}). It counts at{' '}
            {fmtA(port.uncontrolled.countedA)}; the other ports get what is left.{' '}
            {port.uncontrolled.retryAt
              ? `Next try ${new Date(port.uncontrolled.retryAt).toLocaleTimeString()}.`
              : 'A try is under way.'}
            {port.uncontrolled.restricted
              ? ` Taken out of use (${port.uncontrolled.restricted.action}): ${port.uncontrolled.restricted.answer}.`
              : ''}
          </p>
        ) : null}
        {lb ? (
          <ul class="binding-parts">
            <li>Kind: {lb.kind}</li>
            {lb.circuitId ? (
              <li>
                Circuit: <a href={href('limits', lb.circuitId)}>{bindingCircuit?.name ?? lb.circuitId}</a>
                {lb.dimension ? `, ${lb.dimension}` : ''}
              </li>
            ) : null}
            {lb.source ? <li>Limit set by: {lb.source}</li> : null}
            {lb.measuredA !== undefined ? <li>Car draws: {fmtA(lb.measuredA)}</li> : null}
            {lb.waitingBehind ? <li>Waiting behind: {lb.waitingBehind}</li> : null}
          </ul>
        ) : null}
      </section>
      <section aria-labelledby="measured-title">
        <h3 id="measured-title">Measured current</h3>
        <ul class="measured">
          {PHASES.map((ph, i) => (
            <li key={ph}>
              {ph}: <strong>{fmtA(port?.measuredA[i] ?? null)}</strong>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="session-title">
        <h3 id="session-title">Session</h3>
        {port?.session ? (
          <dl class="facts">
            <dt>Started</dt>
            <dd>{fmtTime(port.session.startedAt, site.timeZone)}</dd>
            <dt>Energy</dt>
            <dd>{fmtKwh(port.session.energyKwh)}</dd>
            <dt>Duration</dt>
            <dd>{fmtDuration(port.session.durationS)}</dd>
            <dt>Id tag</dt>
            <dd>{port.session.idTag ?? '–'}</dd>
            <SessionNeeds session={port.session} timeZone={site.timeZone} />
          </dl>
        ) : (
          <p class="muted">No session.</p>
        )}
      </section>
      {canWrite ? (
        <section aria-labelledby="commands-title" class="commands">
          <h3 id="commands-title">Commands</h3>
          <div class="row">
            <label>
              Id tag
              <input value={idTag} placeholder="optional" onInput={(e) => setIdTag(e.currentTarget.value)} />
            </label>
            <ActionButton
              label="Remote start"
              ariaLabel={`Remote start on ${sp.id}`}
              run={() =>
                sendCommand(sp.stationId, {
                  command: 'remoteStart',
                  portId: sp.id,
                  ...(idTag ? { idTag } : {}),
                })
              }
            />
          </div>
          <div class="row">
            <ActionButton
              label="Remote stop"
              ariaLabel={`Remote stop on ${sp.id}`}
              confirm={`Stop the session on ${sp.id}?`}
              disabled={!port?.session}
              run={() => sendCommand(sp.stationId, { command: 'remoteStop', portId: sp.id })}
            />
            <ActionButton
              label="Make unavailable"
              ariaLabel={`Make ${sp.id} unavailable`}
              run={() =>
                sendCommand(sp.stationId, { command: 'availability', portId: sp.id, available: false })
              }
            />
            <ActionButton
              label="Make available"
              ariaLabel={`Make ${sp.id} available`}
              run={() =>
                sendCommand(sp.stationId, { command: 'availability', portId: sp.id, available: true })
              }
            />
          </div>
        </section>
      ) : null}
    </aside>
  );
}

/** "12.3 kWh": one decimal is enough for a need. */
const kwh1 = (kwh: number): string => `${kwh.toFixed(1)} kWh`;

/** "Needs 8.1 kWh more of 12.0 kWh", or what is known of it; null when nothing is. */
function energyNeedText(s: PortSession): string | null {
  const left = s.energyRemainingKwh ?? null;
  const asked = s.energyRequestedKwh ?? null;
  if (left !== null && left < 0.05) return asked !== null ? `Has its ${kwh1(asked)}` : 'Has its energy';
  if (left !== null)
    return asked !== null ? `Needs ${kwh1(left)} more of ${kwh1(asked)}` : `Needs ${kwh1(left)} more`;
  return asked !== null ? `Asked for ${kwh1(asked)}` : null;
}

/** Deadline mode's facts of a session: when the car leaves and who said so, the energy it needs, its SoC. */
function SessionNeeds({ session: s, timeZone }: { session: PortSession; timeZone: string }) {
  const need = energyNeedText(s);
  const leftS = s.departureAt ? (Date.parse(s.departureAt) - Date.now()) / 1000 : null;
  return (
    <>
      {s.departureAt ? (
        <>
          <dt>Departure</dt>
          <dd data-testid="departure">
            Leaves at {fmtClock(s.departureAt, timeZone)} ({departureSourceLabel(s.departureSource)})
            {leftS !== null && leftS > 0 ? `, in ${fmtDuration(leftS)}` : ''}
          </dd>
        </>
      ) : null}
      {need ? (
        <>
          <dt>Energy need</dt>
          <dd data-testid="energy-need">{need}</dd>
        </>
      ) : null}
      {s.socPct !== null && s.socPct !== undefined ? (
        <>
          <dt>State of charge</dt>
          <dd data-testid="soc">{Math.round(s.socPct)} %</dd>
        </>
      ) : null}
    </>
  );
}
