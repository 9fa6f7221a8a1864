/**
 * Live state from the SSE stream `/api/v1/stream`: circuits and ports as the control loop publishes them,
 * plus new events and override/schedule changes. One EventSource for the whole app; no polling.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';
import type { CircuitsPayload, PortsPayload } from './api-types.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveSnapshot {
  readonly circuits: CircuitsPayload | null;
  readonly ports: PortsPayload | null;
  readonly status: StreamStatus;
  /** Browser time of the last message, for the "updated" hint. */
  readonly lastMessageMs: number | null;
}

type Listener = () => void;
type Topic = 'event' | 'overrides' | 'schedules';

/** Holds the latest live payloads and tells subscribers when they change. */
export class LiveStore {
  private snap: LiveSnapshot = { circuits: null, ports: null, status: 'connecting', lastMessageMs: null };
  private readonly listeners = new Set<Listener>();
  private readonly topicListeners = new Map<Topic, Set<(data: unknown) => void>>();
  private source: EventSource | null = null;

  private preloaded: Promise<boolean> | null = null;

  /** Starts loading the current state before anyone asked (page load: most visitors are logged in). */
  preload(): void {
    this.preloaded = this.load();
  }

  /** Loads the current state once (unless preloaded), then follows the stream. */
  start(): void {
    if (this.source) return;
    const pre = this.preloaded;
    this.preloaded = null;
    if (pre) void pre.then((ok) => (ok ? undefined : this.load()));
    else void this.load();
    const es = new EventSource('/api/v1/stream', { withCredentials: true });
    this.source = es;
    // The server sends the current circuits and ports first on every (re)connect: nothing to reload.
    es.onopen = () => this.set({ status: 'live' });
    es.onerror = () => {
      this.set({ status: 'reconnecting' });
      // EventSource hides the status code: ask whether the session ended (a 401 shows the login page).
      api('/auth/me').catch(() => {});
    };
    es.addEventListener('circuits', (e) => this.set({ circuits: parse<CircuitsPayload>(e) }));
    es.addEventListener('ports', (e) => this.set({ ports: parse<PortsPayload>(e) }));
    for (const topic of ['event', 'overrides', 'schedules'] as const)
      es.addEventListener(topic, (e) => {
        const data = parse<unknown>(e);
        for (const fn of this.topicListeners.get(topic) ?? []) fn(data);
      });
  }

  /** Closes the stream (logout). */
  stop(): void {
    this.source?.close();
    this.source = null;
    this.snap = { circuits: null, ports: null, status: 'connecting', lastMessageMs: null };
  }

  get(): LiveSnapshot {
    return this.snap;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Listens to one kind of stream message (new event row, overrides or schedules changed). */
  on(topic: Topic, fn: (data: unknown) => void): () => void {
    const set = this.topicListeners.get(topic) ?? new Set();
    set.add(fn);
    this.topicListeners.set(topic, set);
    return () => set.delete(fn);
  }

  /** Resolves true when both payloads loaded. */
  private async load(): Promise<boolean> {
    try {
      const [circuits, ports] = await Promise.all([
        api<CircuitsPayload>('/circuits'),
        api<PortsPayload>('/ports'),
      ]);
      // A stream message newer than this answer wins.
      const cur = this.snap;
      this.set({
        circuits: cur.circuits && cur.circuits.atMs > circuits.atMs ? cur.circuits : circuits,
        ports: cur.ports && cur.ports.atMs > ports.atMs ? cur.ports : ports,
      });
      return true;
    } catch {
      // The stream status shows the trouble; a 401 already sent the user to the login page.
      return false;
    }
  }

  private set(patch: Partial<LiveSnapshot>): void {
    const touched = patch.circuits !== undefined || patch.ports !== undefined;
    this.snap = { ...this.snap, ...patch, ...(touched ? { lastMessageMs: Date.now() } : {}) };
    for (const fn of this.listeners) fn();
  }
}

function parse<T>(e: Event): T {
  return JSON.parse((e as MessageEvent<string>).data) as T;
}

/** The app's one live store. */
export const live = new LiveStore();

/** Re-renders the component whenever the live state changes. */
export function useLive(): LiveSnapshot {
  const [snap, setSnap] = useState(live.get());
  useEffect(() => live.subscribe(() => setSnap(live.get())), []);
  return snap;
}

/** Runs `fn` on each stream message of a topic while the component is mounted. */
export function useLiveTopic(topic: Topic, fn: (data: unknown) => void): void {
  useEffect(() => live.on(topic, fn), [topic, fn]);
}
