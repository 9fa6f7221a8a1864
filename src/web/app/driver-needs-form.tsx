/**
 * The port detail's form for a driver's needs (PUT/DELETE /api/v1/ports/{portId}/needs, docs/api.md): when
 * the car leaves (in this browser's time) and the energy it needs; either or both. They win over the car's and
 * the site file's until the session ends; Clear gives those back.
 */
import { useState } from 'preact/hooks';
import { ActionButton } from './action-button.tsx';
import { api } from './api.ts';
import type { PortSession } from './api-types.ts';
import { msg } from './i18n.ts';

/** The form for the session on `portId` (operator role; the caller shows it only then). */
export function DriverNeedsForm({ portId, session }: { portId: string; session: PortSession }) {
  const [departure, setDeparture] = useState('');
  const [energy, setEnergy] = useState('');
  const t = msg();
  const path = `/ports/${encodeURIComponent(portId)}/needs`;
  const driverSaid = session.departureSource === 'driver' || session.energySource === 'driver';
  const save = async (): Promise<string> => {
    const body: { departureAt?: string; energyKwh?: number } = {};
    // datetime-local is the browser's local time without a zone: Date reads it so.
    if (departure) body.departureAt = new Date(departure).toISOString();
    if (energy) body.energyKwh = Number(energy);
    await api(path, { method: 'PUT', body });
    return t.needsSaved;
  };
  const clear = async (): Promise<string> => {
    await api(path, { method: 'DELETE' });
    return t.needsCleared;
  };
  return (
    <section aria-labelledby="driver-needs-title" class="commands" data-testid="driver-needs">
      <h3 id="driver-needs-title">{t.driverNeeds}</h3>
      <div class="row">
        <label>
          {t.driverDeparture}
          <input
            type="datetime-local"
            data-testid="driver-departure"
            value={departure}
            onInput={(e) => setDeparture(e.currentTarget.value)}
          />
        </label>
        <label>
          {t.driverEnergy}
          <input
            type="number"
            min="0"
            step="any"
            inputMode="decimal"
            data-testid="driver-energy"
            value={energy}
            placeholder={t.optional}
            onInput={(e) => setEnergy(e.currentTarget.value)}
          />
        </label>
      </div>
      <div class="row">
        <ActionButton label={t.setNeeds} ariaLabel={t.setNeedsOn(portId)} run={save} />
        <ActionButton
          label={t.clearNeeds}
          ariaLabel={t.clearNeedsOn(portId)}
          disabled={!driverSaid}
          run={clear}
        />
      </div>
    </section>
  );
}
