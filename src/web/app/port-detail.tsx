/** One port in detail: its binding constraint in words and parts, phases, session, and operator commands. */
import { useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import { DriverNeedsForm } from './driver-needs-form.tsx';
import type { PortLive, PortSession, SitePort } from './api-types.ts';
import {
  PHASES,
  departureSourceLabel,
  fmtA,
  fmtClock,
  fmtDuration,
  fmtKwh,
  fmtNum,
  fmtTime,
  limitedByKindLabel,
  stateLabel,
  uncontrolledLabel,
} from './format.ts';
import { intlLocale, msg } from './i18n.ts';
import { href } from './router.ts';
import { useCanWrite, useSite } from './site-context.ts';
import { sendCommand } from './station-commands.ts';

/** The detail panel; `port` is null while the live state is loading. */
export function PortDetail({ site: sp, port }: { site: SitePort; port: PortLive | undefined }) {
  const canWrite = useCanWrite();
  const t = msg();
  return (
    <aside class="detail" aria-labelledby="port-detail-title" data-testid="port-detail">
      <div class="detail-head">
        <h2 id="port-detail-title">{t.portTitle(sp.name || sp.id)}</h2>
        <a href={href('ports')} class="close" aria-label={t.closePortDetails}>
          {t.close}
        </a>
      </div>
      <PortFacts sp={sp} port={port} />
      <BindingPanel port={port} />
      <MeasuredPanel port={port} />
      <SessionPanel port={port} />
      {canWrite && port?.session ? <DriverNeedsForm portId={sp.id} session={port.session} /> : null}
      {canWrite ? <PortCommands sp={sp} port={port} /> : null}
    </aside>
  );
}

/** The port's facts: id, station, circuit, state, allocated limit and range. */
function PortFacts({ sp, port }: { sp: SitePort; port: PortLive | undefined }) {
  const { site } = useSite();
  const circuit = site.circuits.find((c) => c.id === sp.circuitId);
  const t = msg();
  return (
    <dl class="facts">
      <dt>{t.id}</dt>
      <dd data-testid="port-id">{sp.id}</dd>
      <dt>{t.station}</dt>
      <dd>{sp.stationId}</dd>
      <dt>{t.circuit}</dt>
      <dd>
        <a href={href('limits', sp.circuitId)}>{circuit?.name ?? sp.circuitId}</a>
      </dd>
      <dt>{t.state}</dt>
      <dd>
        <span class={`state state-${port?.state ?? 'offline'}`}>{stateLabel(port?.state ?? 'unknown')}</span>
        {port && !port.connected ? t.stationOffline : ''}
      </dd>
      <dt>{t.allocatedLimit}</dt>
      <dd class="big">{port ? fmtA(port.limitA) : '–'}</dd>
      <dt>{t.range}</dt>
      <dd>
        {fmtA(sp.minA, 0)} – {fmtA(sp.maxA, 0)} ({sp.kind.toUpperCase()}, {sp.phases})
      </dd>
    </dl>
  );
}

/** The binding constraint: in words, why the port is uncontrolled, and its parts (kind, circuit, source). */
function BindingPanel({ port }: { port: PortLive | undefined }) {
  const { site } = useSite();
  const lb = port?.limitedBy;
  // A circuit's limit (or a pause behind one) names the circuit, the dimension and who set the limit.
  const lbCircuit = lb && (lb.kind === 'circuit' || lb.kind === 'paused') ? lb : undefined;
  const bindingCircuit = lbCircuit?.circuitId
    ? site.circuits.find((c) => c.id === lbCircuit.circuitId)
    : undefined;
  const t = msg();
  return (
    <section class="binding" aria-labelledby="binding-title">
      <h3 id="binding-title">{t.bindingConstraint}</h3>
      <p class="reason" data-testid="binding-reason">
        {port?.reason ?? '–'}
      </p>
      {port?.uncontrolled ? (
        <p class="error" data-testid="uncontrolled-detail">
          {t.uncontrolledDetail(
            uncontrolledLabel(port.uncontrolled.reason, port.uncontrolled.reasonText),
            port.uncontrolled.detail,
            fmtA(port.uncontrolled.countedA),
          )}
          {port.uncontrolled.retryAt
            ? t.nextTry(new Date(port.uncontrolled.retryAt).toLocaleTimeString(intlLocale()))
            : t.tryUnderWay}
          {port.uncontrolled.restricted
            ? t.takenOutOfUse(port.uncontrolled.restricted.action, port.uncontrolled.restricted.answer)
            : ''}
        </p>
      ) : null}
      {lb ? (
        <ul class="binding-parts">
          <li>
            {t.kind}
            {limitedByKindLabel(lb.kind)}
          </li>
          {lbCircuit?.circuitId ? (
            <li>
              {t.circuitColon}
              <a href={href('limits', lbCircuit.circuitId)}>{bindingCircuit?.name ?? lbCircuit.circuitId}</a>
              {lbCircuit.dimension ? `, ${lbCircuit.dimension}` : ''}
            </li>
          ) : null}
          {lbCircuit?.source ? (
            <li>{t.limitSetBy(lbCircuit.source === 'static limit' ? t.staticLimit : lbCircuit.source)}</li>
          ) : null}
          {lb.kind === 'car' ? <li>{t.carDraws(fmtA(lb.measuredA))}</li> : null}
          {lb.kind === 'paused' && lb.waitingBehind ? <li>{t.waitingBehind(lb.waitingBehind)}</li> : null}
        </ul>
      ) : null}
    </section>
  );
}

/** The current measured per phase. */
function MeasuredPanel({ port }: { port: PortLive | undefined }) {
  const t = msg();
  return (
    <section aria-labelledby="measured-title">
      <h3 id="measured-title">{t.measuredCurrent}</h3>
      <ul class="measured">
        {PHASES.map((ph, i) => (
          <li key={ph}>
            {ph}: <strong>{fmtA(port?.measuredA[i] ?? null)}</strong>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The session on the port, with what deadline mode knows of it; or that there is none. */
function SessionPanel({ port }: { port: PortLive | undefined }) {
  const { site } = useSite();
  const t = msg();
  return (
    <section aria-labelledby="session-title">
      <h3 id="session-title">{t.session}</h3>
      {port?.session ? (
        <dl class="facts">
          <dt>{t.started}</dt>
          <dd>{fmtTime(port.session.startedAt, site.timeZone)}</dd>
          <dt>{t.energy}</dt>
          <dd>{fmtKwh(port.session.energyKwh)}</dd>
          <dt>{t.duration}</dt>
          <dd>{fmtDuration(port.session.durationS)}</dd>
          <dt>{t.idTag}</dt>
          <dd>{port.session.idTag ?? '–'}</dd>
          <SessionNeeds session={port.session} timeZone={site.timeZone} />
        </dl>
      ) : (
        <p class="muted">{t.noSession}</p>
      )}
    </section>
  );
}

/** The operator's commands to the port's station: remote start (with an id tag), stop, availability. */
function PortCommands({ sp, port }: { sp: SitePort; port: PortLive | undefined }) {
  const [idTag, setIdTag] = useState('');
  const t = msg();
  return (
    <section aria-labelledby="commands-title" class="commands">
      <h3 id="commands-title">{t.commands}</h3>
      <div class="row">
        <label>
          {t.idTag}
          <input value={idTag} placeholder={t.optional} onInput={(e) => setIdTag(e.currentTarget.value)} />
        </label>
        <ActionButton
          label={t.remoteStart}
          ariaLabel={t.remoteStartOn(sp.id)}
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
          label={t.remoteStop}
          ariaLabel={t.remoteStopOn(sp.id)}
          confirm={t.confirmStop(sp.id)}
          disabled={!port?.session}
          run={() => sendCommand(sp.stationId, { command: 'remoteStop', portId: sp.id })}
        />
        <ActionButton
          label={t.makeUnavailable}
          ariaLabel={t.makeUnavailableAria(sp.id)}
          run={() => sendCommand(sp.stationId, { command: 'availability', portId: sp.id, available: false })}
        />
        <ActionButton
          label={t.makeAvailable}
          ariaLabel={t.makeAvailableAria(sp.id)}
          run={() => sendCommand(sp.stationId, { command: 'availability', portId: sp.id, available: true })}
        />
      </div>
    </section>
  );
}

/** "12.3 kWh": one decimal is enough for a need. */
const kwh1 = (kwh: number): string => fmtKwh(kwh, 1);

/** "Needs 8.1 kWh more of 12.0 kWh", or what is known of it; null when nothing is. */
function energyNeedText(s: PortSession): string | null {
  const left = s.energyRemainingKwh ?? null;
  const asked = s.energyRequestedKwh ?? null;
  const t = msg();
  if (left !== null && left < 0.05) return asked !== null ? t.hasItsKwh(kwh1(asked)) : t.hasItsEnergy;
  if (left !== null) return asked !== null ? t.needsMoreOf(kwh1(left), kwh1(asked)) : t.needsMore(kwh1(left));
  return asked !== null ? t.askedFor(kwh1(asked)) : null;
}

/** Deadline mode's facts of a session: when the car leaves and who said so, the energy it needs, its SoC. */
function SessionNeeds({ session: s, timeZone }: { session: PortSession; timeZone: string }) {
  const need = energyNeedText(s);
  const leftS = s.departureAt ? (Date.parse(s.departureAt) - Date.now()) / 1000 : null;
  const t = msg();
  return (
    <>
      {s.departureAt ? (
        <>
          <dt>{t.departure}</dt>
          <dd data-testid="departure">
            {t.leavesAt(fmtClock(s.departureAt, timeZone), departureSourceLabel(s.departureSource))}
            {leftS !== null && leftS > 0 ? t.inDuration(fmtDuration(leftS)) : ''}
          </dd>
        </>
      ) : null}
      {need ? (
        <>
          <dt>{t.energyNeed}</dt>
          <dd data-testid="energy-need">{need}</dd>
        </>
      ) : null}
      {s.socPct !== null && s.socPct !== undefined ? (
        <>
          <dt>{t.stateOfCharge}</dt>
          <dd data-testid="soc">{fmtNum(s.socPct, 0)} %</dd>
        </>
      ) : null}
    </>
  );
}
