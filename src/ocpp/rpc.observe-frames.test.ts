/** observeFrames: CALLs, answers and CALLERRORs in both directions, each answer with its CALL's action. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RpcFrame, RpcPeer } from './rpc.ts';
import { observeFrames } from './rpc.ts';

function peerWithFrames(): {
  peer: RpcPeer;
  frames: RpcFrame[];
  wire: (outbound: boolean, text: string) => void;
} {
  const peer = new EventEmitter() as unknown as RpcPeer;
  const frames: RpcFrame[] = [];
  observeFrames(peer, (f) => frames.push(f));
  return { peer, frames, wire: (outbound, message) => void peer.emit('message', { message, outbound }) };
}

describe('observeFrames', () => {
  it('names the action of the CALL an answer belongs to, in either direction', () => {
    const { frames, wire } = peerWithFrames();
    wire(false, '[2,"a1","Heartbeat",{}]');
    wire(true, '[3,"a1",{"currentTime":"2026-11-26T08:00:00Z"}]');
    wire(true, '[2,"b1","SetChargingProfile",{}]');
    wire(false, '[4,"b1","NotSupported","no",{}]');
    wire(false, '[2,"a2","DataTransfer",{}]');
    wire(true, '[4,"a2","NotImplemented","",{}]');
    expect(frames).toEqual([
      { direction: 'in', kind: 'call', action: 'Heartbeat' },
      { direction: 'out', kind: 'result', action: 'Heartbeat' },
      { direction: 'out', kind: 'call', action: 'SetChargingProfile' },
      { direction: 'in', kind: 'error', action: 'SetChargingProfile', code: 'NotSupported' },
      { direction: 'in', kind: 'call', action: 'DataTransfer' },
      { direction: 'out', kind: 'error', action: 'DataTransfer', code: 'NotImplemented' },
    ]);
  });

  it('skips text that is not a frame, and answers to CALLs it never saw have no action', () => {
    const { frames, wire } = peerWithFrames();
    wire(false, 'not json');
    wire(false, '{"a":1}');
    wire(false, '[2]');
    wire(true, '[4,"-1","FormatViolation","bad",{}]');
    expect(frames).toEqual([{ direction: 'out', kind: 'error', action: undefined, code: 'FormatViolation' }]);
  });

  it('forgets the oldest unanswered CALLs beyond a bound (a peer that never answers)', () => {
    const { frames, wire } = peerWithFrames();
    for (let i = 0; i < 200; i++) wire(true, `[2,"x${i}","GetConfiguration",{}]`);
    wire(false, '[3,"x0",{}]');
    wire(false, '[3,"x199",{}]');
    expect(frames.slice(-2)).toEqual([
      { direction: 'in', kind: 'result', action: undefined },
      { direction: 'in', kind: 'result', action: 'GetConfiguration' },
    ]);
  });
});
