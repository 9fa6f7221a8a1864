/** The MQTT command topics' state: payload checks, lower-only bounds, and the shared watchdog rule. */
import { describe, expect, it } from 'vitest';
import { MqttCommandError, MqttCommandState, parseLimitPayload } from './mqtt-commands.ts';

const targets = () => ({
  circuits: new Map([
    ['main', 63],
    ['left', 32],
  ]),
  ports: new Map([['st-1/1', 32]]),
});

describe('parseLimitPayload', () => {
  it.each([
    ['16', 16],
    [' 7.5 ', 7.5],
    ['0', 0],
    ['{"limitA": 12.25}', 12.3],
    ['', null],
    ['none', null],
    ['null', null],
    ['{"limitA": null}', null],
  ])('%j → %j', (payload, limit) => expect(parseLimitPayload(payload)).toBe(limit));

  it.each([
    ['abc', /not a number/],
    ['1e3x', /not a number/],
    ['NaN', /not a number/],
    ['Infinity', /not a number/],
    ['-1', /negative/],
    ['{"limitA": "7"}', /not a number/],
    ['{"limit": 7}', /unknown key 'limit'/],
    ['[7]', /not a number/],
    ['{"limitA": 7', /not a number/],
    ['x'.repeat(5000), /not a number/],
  ])('%j is refused', (payload, message) => {
    expect(() => parseLimitPayload(payload)).toThrow(MqttCommandError);
    expect(() => parseLimitPayload(payload)).toThrow(message);
  });
});

describe('MqttCommandState', () => {
  it('keeps a command for watchdogMs after its last write, then reverts and says so', () => {
    const s = new MqttCommandState(5000, targets);
    expect(s.inForce(0)).toMatchObject({ enabled: true, watchdogExpired: false });
    s.write('port', 'st-1/1', '10', 1000);
    s.write('circuit', 'left', '16', 1000);
    expect([...s.inForce(6000).portLimitA!]).toEqual([['st-1/1', 10]]);
    expect([...s.inForce(6000).circuitLimitA]).toEqual([['left', 16]]);
    expect(s.nextExpiryMs(6000)).toBe(6001);
    // Written again at 4000: in force until 9000.
    s.write('port', 'st-1/1', '10', 4000);
    expect(s.inForce(6001).portLimitA!.get('st-1/1')).toBe(10);
    expect(s.inForce(6001).circuitLimitA.size).toBe(0);
    expect(s.inForce(6001).watchdogExpired).toBe(true);
    expect(s.inForce(9001).portLimitA!.size).toBe(0);
    // A keepalive refreshes only what is still in force.
    s.write('port', 'st-1/1', '8', 10_000);
    s.keepalive(14_000);
    expect(s.inForce(18_500).portLimitA!.get('st-1/1')).toBe(8);
    expect(s.inForce(19_001).portLimitA!.size).toBe(0);
    // Lifting a command: no limit, and no watchdog flag for it.
    const t = new MqttCommandState(5000, targets);
    t.write('circuit', 'left', '16', 0);
    t.write('circuit', 'left', 'none', 100);
    expect(t.inForce(10_000)).toMatchObject({ watchdogExpired: false });
    expect(t.inForce(10_000).circuitLimitA.size).toBe(0);
  });

  it('refuses limits above the configured ones and unknown targets, changing nothing', () => {
    const s = new MqttCommandState(5000, targets);
    s.write('circuit', 'left', '20', 0);
    expect(() => s.write('circuit', 'left', '32.1', 0)).toThrow(
      /above the configured limit of circuit 'left' \(32 A\)/,
    );
    expect(() => s.write('port', 'st-1/1', '40', 0)).toThrow(/above the maximum of port 'st-1\/1' \(32 A\)/);
    expect(() => s.write('port', 'st-9/1', '4', 0)).toThrow(/unknown port 'st-9\/1'/);
    expect(() => s.write('circuit', 'attic', '4', 0)).toThrow(/unknown circuit 'attic'/);
    expect([...s.inForce(0).circuitLimitA]).toEqual([['left', 20]]);
    expect(s.inForce(0).portLimitA!.size).toBe(0);
  });
});
