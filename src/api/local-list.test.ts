/** The local authorization list through the API: list, add, change, remove; validation; roles; audit; Authorize. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, alice, victor } = useApiFixture({ login: ['alice', 'victor'] });

const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString();

describe('/api/v1/local-list', () => {
  it('adds, lists, changes and removes id tags; each change raises the list version and is audited', async () => {
    const empty = await f.call('GET', '/api/v1/local-list', { headers: alice });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ version: 0, items: [] });

    const until = inDays(30);
    const added = await f.call('PUT', '/api/v1/local-list/CARD-0001', {
      headers: alice,
      body: { expiresAt: until, parentIdTag: 'FLEET-A' },
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      idTag: 'CARD-0001',
      status: 'Accepted',
      expiresAt: until,
      parentIdTag: 'FLEET-A',
    });
    const blocked = await f.call('PUT', '/api/v1/local-list/CARD-0002', {
      headers: alice,
      body: { status: 'Blocked' },
    });
    expect(blocked.body).toMatchObject({
      idTag: 'CARD-0002',
      status: 'Blocked',
      expiresAt: null,
      parentIdTag: null,
    });

    const list = await f.call('GET', '/api/v1/local-list', { headers: alice });
    expect(list.body.version).toBe(2);
    expect(list.body.items.map((t: { idTag: string }) => t.idTag)).toEqual(['CARD-0001', 'CARD-0002']);

    // Changing one replaces it (no expiry any more).
    const changed = await f.call('PUT', '/api/v1/local-list/CARD-0001', { headers: alice, body: {} });
    expect(changed.body).toMatchObject({ status: 'Accepted', expiresAt: null, parentIdTag: null });

    expect((await f.call('DELETE', '/api/v1/local-list/CARD-0002', { headers: alice })).status).toBe(204);
    expect((await f.call('DELETE', '/api/v1/local-list/CARD-0002', { headers: alice })).status).toBe(404);
    const after = await f.call('GET', '/api/v1/local-list', { headers: alice });
    expect(after.body.version).toBe(4);
    expect(after.body.items.map((t: { idTag: string }) => t.idTag)).toEqual(['CARD-0001']);

    // Authorize answers from it (the stored list is what src/ocpp/authorization.ts reads).
    const tag = await f.fusebox.store.ocpp.findIdTag('CARD-0001');
    expect(tag).toMatchObject({ source: 'local', status: 'Accepted' });
    expect(await f.fusebox.store.ocpp.findIdTag('CARD-0002')).toBeUndefined();

    const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
    const messages = audit.body.items.map((e: { message: string }) => e.message);
    expect(messages).toContain(`alice: local list: CARD-0001 Accepted until ${until}, parent FLEET-A`);
    expect(messages).toContain('alice: local list: CARD-0002 removed');
  });

  it('sends each change to a connected station that keeps a local list (SendLocalList)', async () => {
    const st = await f.station('st-1', 2, { localList: true });
    await eventually(() => st.localList!.version === f.fusebox.store.api.localList.version(), 'st-1 in step');
    const put = await f.call('PUT', '/api/v1/local-list/CARD-0099', { headers: alice, body: {} });
    expect(put.status).toBe(200);
    const version = f.fusebox.store.api.localList.version();
    await eventually(() => st.localList!.version === version, `st-1 took version ${version}`);
    expect([...st.localList!.entries.keys()]).toContain('CARD-0099');
  });

  it('rejects bad input with the field named, and viewers', async () => {
    const bad = async (path: string, body: unknown) => {
      const res = await f.call('PUT', path, { headers: alice, body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      return (res.body as { message: string }).message;
    };
    expect(await bad('/api/v1/local-list/X1', { status: 'Maybe' })).toMatch(/status/);
    expect(await bad('/api/v1/local-list/X1', { expiresAt: 'next week' })).toMatch(/expiresAt/);
    expect(await bad('/api/v1/local-list/X1', { parentIdTag: 'P'.repeat(21) })).toMatch(/parentIdTag/);
    expect(await bad(`/api/v1/local-list/${'T'.repeat(21)}`, {})).toMatch(/idTag/);
    expect(await bad('/api/v1/local-list/X1', { extra: 1 })).toMatch(/extra/);
    expect((await f.call('GET', '/api/v1/local-list', { headers: victor })).status).toBe(403);
    expect((await f.call('PUT', '/api/v1/local-list/X1', { headers: victor, body: {} })).status).toBe(403);
    expect((await f.call('GET', '/api/v1/local-list')).status).toBe(401);
  });
});
