/**
 * The port detail's driver's-needs form in a real Chromium against a real Fusebox on the demo site (deadline
 * mode): the operator gives the car on a port a departure and an energy, the detail and the API say the
 * driver set them, and Clear gives the car's or the site's back.
 */
import { describe, expect, it } from 'vitest';
import { useDemoDashboard } from './testing/dashboard-fixture.ts';

type Port = {
  id: string;
  session: {
    startedAt: string;
    departureAt: string | null;
    departureSource: string | null;
    energyRequestedKwh: number | null;
    energySource: string | null;
  } | null;
};

describe("the driver's needs form in Chromium", () => {
  // The form's datetime-local is the browser's time: UTC here, so the test knows what it typed.
  const fx = useDemoDashboard({ timezoneId: 'UTC' });

  const portNow = async (portId: string): Promise<Port> =>
    await fx.api<Port>(`/api/v1/ports/${encodeURIComponent(portId)}`);

  it('sets a departure and an energy for the session on a port, and clears them', async () => {
    // The demo's cars stay 3 to 13 minutes: the one that arrived last.
    let portId = '';
    await expect
      .poll(
        async () => {
          const r = await fx.api<{ ports: Port[] }>(`/api/v1/ports`);
          const newest = r.ports
            .filter((p) => p.session !== null && Date.now() - Date.parse(p.session.startedAt) < 60_000)
            .sort((a, b) => Date.parse(b.session!.startedAt) - Date.parse(a.session!.startedAt))[0];
          portId = newest?.id ?? '';
          return portId;
        },
        { timeout: 120_000, interval: 500 },
      )
      .not.toBe('');
    await fx.page.goto(`${fx.demo.url}/#/ports/${encodeURIComponent(portId)}`);
    const form = fx.page.getByTestId('port-detail').getByTestId('driver-needs');
    await form.waitFor();
    const clear = form.getByRole('button', { name: `Clear the driver's needs on ${portId}` });
    expect(await clear.isDisabled()).toBe(true);

    const departureMs = Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    await form.getByTestId('driver-departure').fill(new Date(departureMs).toISOString().slice(0, 16));
    await form.getByTestId('driver-energy').fill('25');
    await form.getByRole('button', { name: `Set the driver's needs on ${portId}` }).click();
    await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect((await portNow(portId)).session).toMatchObject({
      departureAt: new Date(departureMs).toISOString(),
      departureSource: 'driver',
      energyRequestedKwh: 25,
      energySource: 'driver',
    });
    await expect
      .poll(() => fx.page.getByTestId('port-detail').getByTestId('departure').textContent(), {
        timeout: 15_000,
      })
      .toMatch(/\(given by the driver\)/);

    await expect.poll(() => clear.isDisabled(), { timeout: 15_000 }).toBe(false);
    await clear.click();
    await form.getByRole('status').filter({ hasText: 'Cleared' }).waitFor();
    const after = (await portNow(portId)).session;
    expect(after?.departureSource).not.toBe('driver');
    expect(after?.energySource).not.toBe('driver');
  }, 180_000);

  it('answers bad input with the API error next to the button', async () => {
    const form = fx.page.getByTestId('port-detail').getByTestId('driver-needs');
    await form.getByTestId('driver-departure').fill('');
    await form.getByTestId('driver-energy').fill('-3');
    await form.getByRole('button', { name: /^Set the driver's needs on / }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent(), { timeout: 15_000 })
      .toMatch(/energyKwh: must be more than 0 kWh/);
  }, 60_000);
});
