/** Batteries and the grid state over real HTTP (docs/api.md): islanded from the API lowers the root. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiFixture } from './testing/api-fixture.ts';
import { startApiFixture, TEST_SITE } from './testing/api-fixture.ts';

let f: ApiFixture;
let alice: Record<string, string>;
let victor: Record<string, string>;
beforeAll(async () => {
  f = await startApiFixture({
    yaml: TEST_SITE.replace(
      '{ id: main, kind: grid, name: Main, limitA: 63, limitKw: 40 }',
      '{ id: main, kind: grid, name: Main, limitA: 63, limitKw: 40, islanded: { limitA: 25 } }',
    ),
  });
  alice = await f.login('alice');
  victor = await f.login('victor');
});
afterAll(async () => {
  await f?.stop();
});

describe('grid state', () => {
  it('on the grid until told; islanded lowers the root to its islanded limit, and back', async () => {
    expect((await f.call('GET', '/api/v1/grid-state', { headers: victor })).body).toEqual({
      state: 'grid',
      api: null,
    });
    const denied = await f.call('PUT', '/api/v1/grid-state', {
      headers: victor,
      body: { state: 'islanded' },
    });
    expect(denied.status).toBe(403);
    const r = await f.call('PUT', '/api/v1/grid-state', { headers: alice, body: { state: 'islanded' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ state: 'islanded', api: 'islanded' });
    const circuits = await f.call('GET', '/api/v1/circuits', { headers: victor });
    expect(JSON.stringify(circuits.body)).toContain('islanded');
    const back = await f.call('PUT', '/api/v1/grid-state', { headers: alice, body: { state: 'grid' } });
    expect(back.body).toEqual({ state: 'grid', api: 'grid' });
    const bad = await f.call('PUT', '/api/v1/grid-state', { headers: alice, body: { state: 'offgrid' } });
    expect(bad.status).toBe(400);
  });

  it('lists no batteries on a site without any', async () => {
    const r = await f.call('GET', '/api/v1/batteries', { headers: victor });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([]);
  });
});
