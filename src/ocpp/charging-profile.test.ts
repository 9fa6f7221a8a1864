import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ProfileSpec } from './charging-profile.ts';
import { profile16, profile2, profileId, roundLimit } from './charging-profile.ts';
import { strictValidators } from './rpc.ts';

interface Validator {
  subprotocol: string;
  validate(schemaId: string, payload: unknown): boolean;
}
const require = createRequire(import.meta.url);
const validators = [
  ...(require('ocpp-rpc/lib/standard-validators') as Validator[]),
  ...(strictValidators() as Validator[]),
];
const validator = (p: string): Validator => validators.filter((v) => v.subprotocol === p).at(-1)!;

const session: ProfileSpec = {
  purpose: 'session',
  connectorId: 2,
  transactionRef: '42',
  limit: 13.77,
  unit: 'A',
  numberPhases: 3,
  startMs: Date.parse('2025-03-01T12:00:00Z'),
  durationS: 360,
  validToMs: Date.parse('2025-03-01T12:05:00Z'),
};
const fallback: ProfileSpec = {
  purpose: 'default',
  connectorId: 1,
  limit: 3680.9,
  unit: 'W',
  numberPhases: 1,
  startMs: 0,
};

describe('charging profiles', () => {
  it('use one fixed id per purpose and port, so a new one replaces the last', () => {
    expect(profileId('default', 1)).toBe(1001);
    expect(profileId('session', 1)).toBe(2001);
  });

  it('round limits down to what the schema takes', () => {
    expect(roundLimit(13.77, 'A')).toBe(13.7);
    expect(roundLimit(16, 'A')).toBe(16);
    expect(roundLimit(3680.9, 'W')).toBe(3680);
    expect(roundLimit(-1, 'A')).toBe(0);
  });

  it('build a schema-valid OCPP 1.6 TxProfile bound to its transaction', () => {
    const p = profile16(session);
    expect(validator('ocpp1.6').validate('urn:SetChargingProfile.req', p)).toBe(true);
    expect(p.csChargingProfiles).toMatchObject({
      chargingProfileId: 2002,
      transactionId: 42,
      chargingProfilePurpose: 'TxProfile',
      validTo: '2025-03-01T12:05:00.000Z',
      chargingSchedule: {
        duration: 360,
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 13.7 }],
      },
    });
    expect(validator('ocpp1.6').validate('urn:SetChargingProfile.req', profile16(fallback))).toBe(true);
  });

  it.each(['ocpp2.0.1', 'ocpp2.1'])('build schema-valid %s profiles', (protocol) => {
    const p = profile2(session);
    expect(validator(protocol).validate('urn:SetChargingProfile.req', p)).toBe(true);
    expect(p.chargingProfile).toMatchObject({
      id: 2002,
      transactionId: '42',
      chargingProfilePurpose: 'TxProfile',
    });
    const d = profile2(fallback);
    expect(validator(protocol).validate('urn:SetChargingProfile.req', d)).toBe(true);
    expect(d.chargingProfile.chargingProfilePurpose).toBe('TxDefaultProfile');
    expect(d.chargingProfile.transactionId).toBeUndefined();
  });
});
