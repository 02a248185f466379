/**
 * Live updates: one `events` subscription per tab, shared by every page. Pages ask for a "tick"
 * that changes when an event about the assets they show arrives (coalesced to at most one per
 * 500 ms), and re-run their queries on it. After a dropped connection it resumes from the last
 * `seq` it saw, so nothing is missed.
 */
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useClient } from 'urql';

export interface LiveEvent {
  readonly seq: number;
  readonly kind: string;
  readonly assetKey: string | null;
  readonly partitionKeys: readonly string[];
  readonly at: string;
}

type Listener = (event: LiveEvent) => void;

interface Live {
  readonly connected: boolean;
  readonly lastSeq: number | null;
  listen(listener: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

const EVENTS = `subscription Live($after: Float) { events(after: $after) { seq kind assetKey partitionKeys at } }`;

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useClient();
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);
  const [lastSeq, setLastSeq] = useState<number | null>(null);
  const seqRef = useRef<number | null>(null);

  useEffect(() => {
    let stopped = false;
    let unsubscribe: (() => void) | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const start = (delayMs: number) => {
      retry = setTimeout(() => {
        if (stopped) return;
        const sub = client.subscription<{ events: LiveEvent }>(EVENTS, seqRef.current === null ? {} : { after: seqRef.current }).subscribe((result) => {
          if (result.error) {
            setConnected(false);
            sub.unsubscribe();
            if (!stopped) start(Math.min(10_000, Math.max(1000, delayMs * 2)));
            return;
          }
          const event = result.data?.events;
          if (!event) return;
          setConnected(true);
          seqRef.current = event.seq;
          setLastSeq(event.seq);
          for (const l of listeners.current) l(event);
        });
        setConnected(true);
        unsubscribe = () => sub.unsubscribe();
      }, delayMs);
    };
    start(0);
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      unsubscribe?.();
    };
  }, [client]);

  const listen = useCallback((listener: Listener) => {
    const set = listeners.current;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }, []);
  const live = useMemo<Live>(() => ({ connected, lastSeq, listen }), [connected, lastSeq, listen]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>');
  return live;
}

/**
 * A number that grows when an event matching `filter` arrives (at most once per `minGapMs`): put it
 * in a `useEffect` dependency list, or pass it to `reexecuteQuery`.
 */
export function useLiveTick(filter: (event: LiveEvent) => boolean = () => true, minGapMs = 500): number {
  const live = useLive();
  const [tick, setTick] = useState(0);
  const filterRef = useRef(filter);
  useLayoutEffect(() => {
    filterRef.current = filter;
  });
  const { listen } = live;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const off = listen((event) => {
      if (!filterRef.current(event) || timer) return;
      const wait = Math.max(0, last + minGapMs - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        setTick((t) => t + 1);
      }, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [listen, minGapMs]);
  return tick;
}
